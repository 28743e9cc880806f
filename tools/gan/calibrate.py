"""How the accompaniment GAN's probabilities become parts: per part the card's `decoding` (the decoder, the
rest threshold, the bar level under which it sits out a bar, the cost of changing note and a drawn voice's
sharpness: keycomposer.models.voicing), set so that decoded parts behave like the style's own.

    .venv/bin/python -m tools.gan.calibrate --style bach      # rewrites the decode fields of models_tflite/gan_bach.json

The targets are the style's figures in the TRAINING pieces (the most music there is of it): the share of
steps a part sounds, its empty bar rate and its pitch classes per bar (MuseGAN's EB and UPC), its notes per
bar, the share of its notes that last one 16th, the share of its moves from note to note by step (at most
2 semitones), its mean pitch and how its notes per bar follow the melody's (`follows_melody`). They are met
on the VALIDATION melodies, read exactly as inference reads them (windows blended, each with its own noise),
because on melodies it has not heard the generator is less sure of itself than on those it learned from.
Every piece is read in its own bars, as a composition is (tools.gan.data: pickup rests put back, bars as its
time signatures and measures draw them): empty bars and pitch classes per bar are counted in them, and where
notes start in a bar is counted per meter.
The test pieces are never read here. Per part and decoder the search is block-wise: threshold and bar level
together (on quantiles of the generator's own output), then change penalty, sharpness and grain together (for
the "notes" decoder: sharpness with the weight of the part's rhythm in the training pieces, then the weight of
its intervals with the cost of a note: `style_motion`), round after round until nothing changes, then the same
with its register (and, drawn note by note, its pace) searched too; the decoder that comes closest is kept.
`--from-card --blocks register` searches only the named blocks, from the card's decoding alone.

Needs the data cache (tools/gan/data.py) and a TFLite runtime. Its searches, one per part and decoder, run side by
side on `--jobs` processes (default: one per core).
"""

import argparse
import json
import multiprocessing
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from keycomposer.models.bars import COMMON_TIME, Bars, meter_name, meter_steps
from keycomposer.models.voicing import BAR_STEPS, WIDEST, voice_roll
from tools.gan import data

# What a miss of each figure weighs: about what is heard as a difference (5 % of the steps; an empty bar in
# fifty; a fifth of a pitch class in every bar; a note in every other bar; one note in twenty one 16th long,
# which a drawn voice's flicker to a neighbour and back makes too many of; one move in twenty by step rather
# than by leap; a semitone of register, the smallest move of a whole part a listener hears; under a melody
# twice as busy, half a note more per bar than the 0.5 the tolerance of notes per bar already allows).
TOLERANCE = {"sounding": 0.05, "empty_bar_rate": 0.02, "pitch_classes_per_bar": 0.2, "notes_per_bar": 0.5,
             "one_step_notes": 0.05, "stepwise_motion": 0.05, "mean_pitch": 1.0, "follows_melody": 0.15}
PER_PART = tuple(name for name in TOLERANCE if name != "follows_melody")  # figures of one part alone
STRETCH_BARS = 8  # follows_melody compares the part's and the melody's notes per bar over stretches this long
THRESHOLD_QUANTILES = tuple(np.linspace(0.0, 0.7, 15))  # of every step's most likely pitch's probability
BAR_QUANTILES = (0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15)  # of every bar's presence
CHANGE_PENALTIES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)  # nats
SHARPNESSES = (1.0, 1.5, 2.0, 3.0, 4.0)  # powers of a drawn voice's weights
NOTE_SHARPNESSES = (1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0)  # drawn note by note, the rhythm's weights pull against them
RHYTHM_WEIGHTS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)  # powers of the style's rhythm
RHYTHM_STEPS = 32  # notes and rests counted up to two bars; longer ones count as two bars long
METER_NOTES = 500  # a meter's bars get their own onset weights from this many of a part's notes in them on
INTERVAL_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0)  # powers of the style's intervals (0: every move alike)
NOTE_COSTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)  # nats each note drawn note by note costs: the intervals' weights
# favour moves to near pitches, where the generator's probability spreads, and so more notes
# (interval weight, note cost) "notes" searches start from: the third found the quartet viola a closer decoding
# than the first two (validation miss 2.15 against 2.33)
NOTES_STARTS = ((1.0, 0.0), (1.0, 1.0), (1.5, 2.0))
GRAINS = (1, 2)  # steps between a drawn voice's possible changes
REGISTERS = tuple(np.arange(-3.0, 3.01, 0.5))  # nats per octave above the part's mean (voicing.register_bias)
PACES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)  # nats per e-fold of the melody's calm (voicing.melody_pace)
# what `--blocks` may name ("moves" and "pace": the "notes" decoder only); the LATE ones join once the rest settled
BLOCKS = ("rests", "motion", "moves", "register", "pace")
LATE = ("register", "pace")
ROUNDS = 8
STARTING_PENALTIES = (0.3, 1.5)
SEEDS = 2  # generations per validation melody
JUDGE_SEEDS = 100_000  # seed sets `judge` reads start at multiples of this, far from any calibration's seeds
NEXT_JUDGE_SET = 113  # sets 1..112 decided the choices of 2026-12-02 and 03 (rules 1 to 18): the next starts here
DECODERS = ("path", "sample", "notes")  # keycomposer.models.voicing.DECODERS


def top_voice(part) -> np.ndarray:
    """A (steps, 128) bool part as one voice: per step its highest sounding pitch, or -1."""
    from keycomposer.music.metrics import top_line

    return top_line(part)


def part_figures(roll, bars=BAR_STEPS) -> dict:
    """The calibrated figures of one (steps, 128) bool part whose bars are ``bars`` (their length from step 0, or
    the first step of each): its empty bars and pitch classes per bar in those bars; its notes per bar per 16
    steps (a 4/4 bar), so that a piece in 3/8 and one in 4/4 count how busy a part is alike."""
    from keycomposer.music import metrics

    lengths = metrics.note_lengths(roll)
    return {
        "sounding": float(roll.any(axis=1).mean()) if len(roll) else float("nan"),
        "empty_bar_rate": metrics.empty_bar_rate(roll, bars),
        "pitch_classes_per_bar": metrics.pitch_classes_per_bar(roll, bars),
        "notes_per_bar": len(lengths) / max(1, -(-len(roll) // 16)),
        "one_step_notes": float((lengths == 1).mean()) if len(lengths) else float("nan"),
        "stepwise_motion": metrics.stepwise_motion(roll),
        "mean_pitch": _mean_note_pitch(roll),
    }


def line_notes_per_bar(line) -> np.ndarray:
    """Per stretch of STRETCH_BARS whole bars of a line (per step a pitch or -1), its notes (runs of one pitch) per bar."""
    from keycomposer.music.metrics import line_runs

    stretch = STRETCH_BARS * BAR_STEPS
    counts = []
    for start in range(0, len(line) - stretch + 1, stretch):
        pitches = line_runs(np.asarray(line[start:start + stretch]))[2]
        counts.append((pitches >= 0).sum() / STRETCH_BARS)
    return np.array(counts, dtype=float)


def follows_melody(pairs) -> float:
    """How a part's notes per bar follow the melody's: the least-squares slope of the part's on the melody's, over
    the (melody line, part line) pairs' stretches pooled (`line_notes_per_bar`), over the steps both lines
    have; NaN with too few stretches or a melody as busy in all of them."""
    pairs = [(m[:min(len(m), len(p))], p[:min(len(m), len(p))]) for m, p in pairs]
    melody = np.concatenate([line_notes_per_bar(m) for m, _ in pairs] + [np.zeros(0)])
    part = np.concatenate([line_notes_per_bar(p) for _, p in pairs] + [np.zeros(0)])
    if len(melody) < 3 or np.ptp(melody) == 0:
        return float("nan")
    return float(np.polyfit(melody, part, 1)[0])


def _mean_note_pitch(roll) -> float:
    """The mean MIDI pitch of the notes of a part's top line, each note once (as tools/bench/gan_bench.py
    counts it); NaN without notes."""
    from keycomposer.music.metrics import line_runs

    pitches = line_runs(top_voice(roll))[2]
    pitches = pitches[pitches >= 0]
    return float(pitches.mean()) if len(pitches) else float("nan")


def style_motion(pieces, part: int) -> dict:
    """How one accompaniment part moves in these pieces (tools.gan.data.Piece, barred: bars from step 0), as the
    "notes" decoder weighs it: how often its notes and its rests last 1, 2, ... RHYTHM_STEPS steps, how often a
    note starts on each 16th of a 4/4 bar (`onsets`) and of a bar of each other meter with METER_NOTES notes of
    the part or more (`meter_onsets`; 1 on average each; each bar counted in its own meter, a bar that lacks its
    first 16ths from where it starts in a whole one), and how often it moves from a note straight to the next
    by -WIDEST .. +WIDEST semitones (wider moves counted as the widest; 1 on average). Half a count is added to
    each, so none is impossible. With it, the pieces' melodies' notes per 16 steps (what the "notes" decoder's
    pace counts a melody's calm against)."""
    counts = {"note_lengths": np.zeros(RHYTHM_STEPS), "rest_lengths": np.zeros(RHYTHM_STEPS),
              "intervals": np.zeros(2 * WIDEST + 1)}
    onsets = {meter_name(COMMON_TIME): np.zeros(BAR_STEPS)}
    from keycomposer.music.metrics import line_runs, straight_moves

    for piece in pieces:
        starts, lengths, pitches = line_runs(top_voice(piece.parts[1 + part]))
        for name, held in (("note_lengths", pitches >= 0), ("rest_lengths", pitches < 0)):
            np.add.at(counts[name], np.minimum(lengths[held], RHYTHM_STEPS) - 1, 1)
        note_starts = starts[pitches >= 0]
        for bar in piece.bars.bars(piece.parts.shape[1]):
            found = onsets.setdefault(meter_name(bar.meter), np.zeros(meter_steps(bar.meter)))
            inside = note_starts[(note_starts >= bar.start) & (note_starts < bar.end)]
            np.add.at(found, inside - bar.start + bar.skipped, 1)
        np.add.at(counts["intervals"], np.clip(straight_moves(pitches), -WIDEST, WIDEST) + WIDEST, 1)

    def weights(count):
        return (count + 0.5) / (count + 0.5).sum()

    motion = {name: weights(count) for name, count in counts.items()}
    motion["intervals"] = motion["intervals"] * len(motion["intervals"])
    motion["onsets"] = weights(onsets.pop(meter_name(COMMON_TIME))) * BAR_STEPS
    rounded = {name: tuple(float(round(w, 6)) for w in values) for name, values in motion.items()}
    rounded["meter_onsets"] = tuple((name, tuple(float(round(w, 6)) for w in weights(count) * len(count)))
                                    for name, count in sorted(onsets.items()) if count.sum() >= METER_NOTES)
    melody_notes = sum(int((line_runs(top_voice(piece.parts[0]))[2] >= 0).sum()) for piece in pieces)
    melody_bars = sum(piece.parts.shape[1] / BAR_STEPS for piece in pieces)
    return {**rounded, "melody_notes_per_bar": round(melody_notes / max(melody_bars, 1), 6)}


def mean_figures(rows) -> dict:
    """Each part's own figure averaged over the rows that have it (a silent part has no pitch classes per bar):
    NaN if none."""
    means = {}
    for name in PER_PART:
        values = [row[name] for row in rows if not np.isnan(row[name])]
        means[name] = float(np.mean(values)) if values else float("nan")
    return means


def style_figures(pieces, parts: int = 3) -> list:
    """Per accompaniment part, its figures averaged over these pieces (each piece counts once, in its own bars),
    and how it follows the melody over all their stretches."""
    return [{**mean_figures([part_figures(piece.parts[1 + part], piece.bars.starts(piece.parts.shape[1]))
                             for piece in pieces]),
             "follows_melody": follows_melody([(top_voice(piece.parts[0]), top_voice(piece.parts[1 + part]))
                                               for piece in pieces])}
            for part in range(parts)]


def figure_misses(figures: dict, target: dict) -> dict:
    """How far each decoded figure is from the target, in its tolerances; a figure a silent part lacks counts as
    0 (so the search never takes a part that never sounds for a match); a figure the target lacks is not missed."""
    return {name: abs(np.nan_to_num(figures.get(name, np.nan)) - target[name]) / TOLERANCE[name]
            for name in TOLERANCE if not np.isnan(target.get(name, np.nan))}


def miss(figures: dict, target: dict) -> float:
    """The figures' misses summed."""
    return sum(figure_misses(figures, target).values())


def readings(accompanist, pieces, seeds: int = SEEDS, first_seed: int = 0) -> list:
    """(probability, shift, melody, bars) of every piece's melody and seed, read as inference reads a melody
    (the melody: per step a MIDI pitch or -1; the pieces barred, as a composition is); the seeds run from
    ``first_seed`` on."""
    from keycomposer.models.gan import Melody

    out = []
    for index, piece in enumerate(pieces):
        melody = Melody(top_voice(piece.parts[0]), piece.bars)
        if (melody.pitches >= 0).any():
            out.extend((*accompanist.probability(melody, seed=first_seed + index * seeds + seed), melody.pitches,
                        piece.bars) for seed in range(seeds))
    return out


def reading_bars(reading) -> Bars:
    """The bars of a reading (probability, shift, melody, bars): 4/4 bars for one without."""
    return reading[3] if len(reading) > 3 else Bars()


def decoded_figures(accompanist, read, part: int, decoding) -> dict:
    """The part's figures over these readings decoded, at the pitches inference writes (the melody's octave
    shift undone), in each reading's bars; a reading may lack its melody (then the part cannot follow it: no
    follows_melody) and its bars (then it is read in 4/4)."""
    rows, pairs = [], []
    for index, reading in enumerate(read):
        probability, shift = reading[:2]
        melody, bars = reading[2] if len(reading) > 2 else None, reading_bars(reading)
        voice = decoding.voice(probability[:, :, part], seed=(index, part), melody=melody, bars=bars)
        rows.append(part_figures(voice_roll(voice, accompanist.lowest - shift), bars.starts(len(voice))))
        if melody is not None:  # notes are counted as runs of one pitch: the voice's own indices will do
            pairs.append((melody, voice))
    return {**mean_figures(rows), "follows_melody": follows_melody(pairs)}


def calibrate_part(accompanist, read, part: int, target: dict, decoder: str, motion=None, log=print,
                   known=None, only=None) -> dict:
    """The PartDecoding with ``decoder`` whose voices of these readings come closest to ``target``, with its
    figures and its miss; a "notes" decoder draws with ``motion`` (`style_motion`). A ``known`` decoding with
    the same decoder (the card's) is one more start, so the search never ends further off than it. With
    ``only`` (names of BLOCKS) just those blocks are searched, from ``known`` alone."""
    import dataclasses

    from keycomposer.models.voicing import PartDecoding, bar_presence, part_level

    # Thresholds count in each melody's own level of the part (`PartDecoding.relative`): on the training pieces a
    # fixed one left the quartet's cello silent in 20 % of its bars where the quartets have 7 %, the generator
    # being less sure of itself there than on the validation melodies it was set on.
    levels = [part_level(reading[0][:, :, part]) for reading in read]
    tops = np.concatenate([reading[0][:, :, part].max(axis=1) / level for reading, level in zip(read, levels)])
    presences = np.concatenate([bar_presence(reading[0][:, :, part], reading_bars(reading)) / level
                                for reading, level in zip(read, levels)])
    thresholds = sorted({float(np.quantile(tops, q)) if q > 0 else 1e-6 for q in THRESHOLD_QUANTILES})
    bar_rests = sorted({float(np.nextafter(np.quantile(presences, q), 1)) if q > 0 else 0.0 for q in BAR_QUANTILES})
    # Numbers that pull against each other are searched together: where the part rests (threshold, bar level),
    # and how its voice moves (penalty, sharpness, grain; or sharpness and the rhythm's weight, then the
    # intervals' weight with the cost of a note).
    named = {"rests": [{"threshold": t, "bar_rest": b} for t in thresholds for b in bar_rests]}
    if decoder == "notes":
        named["motion"] = [{"sharpness": k, "rhythm_weight": w} for k in NOTE_SHARPNESSES for w in RHYTHM_WEIGHTS]
        named["moves"] = [{"interval_weight": w, "change_penalty": c} for w in INTERVAL_WEIGHTS for c in NOTE_COSTS]
        # the pace counts the melody's calm against the style's melodies: it needs both
        if motion.get("melody_notes_per_bar") and all(len(reading) > 2 for reading in read):
            named["pace"] = [{"pace": p} for p in PACES]
    else:
        named["motion"] = [{"change_penalty": p, "sharpness": k, "grain": g} for p in CHANGE_PENALTIES
                           for k in ((1.0,) if decoder == "path" else SHARPNESSES)
                           for g in ((1,) if decoder == "path" else GRAINS)]
    named["register"] = [{"register": float(r)} for r in REGISTERS]
    if only is not None and (known is None or known.decoder != decoder or not set(only) <= set(named)):
        raise ValueError(f"searching only {', '.join(only)} needs a known {decoder} decoding whose blocks they are")
    searched = [name for name in named if only is None or name in only]
    blocks = [named[name] for name in searched]
    settled = [named[name] for name in searched if name not in LATE]
    stages = (settled, blocks) if settled and len(settled) < len(blocks) else (blocks,)
    scored = {}

    def score(chosen, **changes):
        decoding = PartDecoding(**{**chosen, **changes})
        if decoding not in scored:
            figures = decoded_figures(accompanist, read, part, decoding)
            scored[decoding] = (miss(figures, target), figures)
        return scored[decoding][0]

    def search(start):
        if isinstance(start, PartDecoding):
            chosen = dataclasses.asdict(start)
        else:
            chosen = {"decoder": decoder, "threshold": float(np.quantile(tops, 1 - target["sounding"])), "bar_rest": 0.0,
                      "relative": True, "change_penalty": start, "sharpness": 1.0 if decoder == "path" else 2.0,
                      "grain": 1}
            if decoder == "notes":
                interval_weight, note_cost = start
                chosen.update(motion, interval_weight=interval_weight, change_penalty=note_cost, sharpness=3.0)
        # The register (and the pace) join once the rest has settled: searched from the first round, the register
        # sent a most likely path to a worse decoding than the one it had found without it
        # (tests/models/gan/test_gan_calibration.py).
        for stage in stages:
            for _ in range(ROUNDS):  # one block at a time over its grid, until a round changes nothing
                before = dict(chosen)
                for block in stage:
                    chosen.update(min(block, key=lambda changes: score(chosen, **changes)))
                if chosen == before:
                    break
        score(chosen)
        return PartDecoding(**chosen)

    # From a calm and from a restless start: a search started where the voice moves far too often can settle on
    # resting more to hold fewer notes.
    # Drawn note by note: with the style's intervals, with and without a cost per note, and both weighed more.
    found = [] if only is not None else [search(start)
                                         for start in (NOTES_STARTS if decoder == "notes" else STARTING_PENALTIES)]
    if known is not None and known.decoder == decoder:
        known = dataclasses.replace(known, **(motion if decoder == "notes" else {}))
        score(dataclasses.asdict(known))  # a block's grid may lack its numbers: it counts as found itself too
        found += [known, search(known)]
    decoding = min(found, key=lambda candidate: scored[candidate][0])
    error, figures = scored[decoding]
    moved = (f"rhythm weight {decoding.rhythm_weight:g}, interval weight {decoding.interval_weight:g}, note cost "
             f"{decoding.change_penalty:g}, pace {decoding.pace:g}" if decoder == "notes"
             else f"change penalty {decoding.change_penalty:g}, grain {decoding.grain}")
    log(f" {decoder}: threshold {decoding.threshold:.4f}, bar level {decoding.bar_rest:.4f}, sharpness "
        f"{decoding.sharpness:g}, {moved}, register {decoding.register:g}: "
        + ", ".join(f"{name} {figures[name]:.3f} (target {target.get(name, np.nan):.3f})" for name in TOLERANCE)
        + f"; miss {error:.2f}")
    return {"decoding": decoding, "validation": figures, "miss": error}


DECODER_NAMES = {"path": "the most likely path", "sample": "a path drawn step by step",
                 "notes": "a path drawn note by note with the training pieces' rhythm and intervals"}


def calibration_rule(decoders, only=None) -> str:
    """The card's words for how its decodings were chosen."""
    return ("per part, the decoder (" + "; ".join(f"{name}: {DECODER_NAMES[name]}" for name in decoders) + ") and "
            "its numbers (thresholds relative to the part's level in each melody) whose voices of the validation "
            "melodies come closest to the training pieces' sounding share, empty bar rate, pitch classes per bar, "
            "notes per bar, share of one-16th notes, share of moves by step, mean pitch and slope of notes per bar "
            f"on the melody's over {STRETCH_BARS}-bar stretches (misses weighed by "
            + ", ".join(f"{k} {v:g}" for k, v in TOLERANCE.items()) + "); the test pieces are not read"
            + ("" if only is None else f"; only {', '.join(only)} searched, from the card's decoding before"))


_SHARED = {}  # what every search reads, handed to worker processes by fork rather than by pickling


def _search(task) -> dict:
    part, decoder = task
    name = _SHARED["names"][part]
    return calibrate_part(_SHARED["accompanist"], _SHARED["read"], part, _SHARED["targets"][part], decoder,
                          _SHARED["motions"][part], log=lambda line: print(f"{name}{line}", flush=True),
                          known=_SHARED["known"][part], only=_SHARED["only"])


def calibrate(accompanist, splits: dict, jobs: int = 1, decoders=DECODERS, seeds: int = SEEDS,
              from_card: bool = False, only=None) -> dict:
    """The card's `decoding` for ``accompanist``'s model from the data splits, and what it reaches; the searches
    (one per part and each of ``decoders``) run on ``jobs`` processes, over ``seeds`` generations per
    validation melody; ``from_card``: each also starts from the card's decoding of its part; ``only`` (with
    ``from_card``): just these BLOCKS are searched, from the card's decoding with its own decoder."""
    if only is not None and not from_card:
        raise ValueError("searching only some blocks starts from the card's decoding: it needs from_card")
    parts = range(len(accompanist.tracks))
    _SHARED.update(
        only=None if only is None else tuple(only),
        known=list(accompanist.decoding) if from_card else [None] * len(accompanist.tracks),
        accompanist=SimpleNamespace(lowest=accompanist.lowest),  # all a search needs of it
        names=[name for name, _ in accompanist.tracks],
        targets=style_figures(splits["train"], len(accompanist.tracks)),
        motions=[style_motion(splits["train"], part) for part in parts],
        read=readings(accompanist, splits["valid"], seeds=seeds))
    targets, read = _SHARED["targets"], _SHARED["read"]
    # The note-by-note searches take longest: started first, they do not leave one process working alone at the end.
    tasks = [(part, decoder) for decoder in reversed(DECODERS) if decoder in decoders for part in parts]
    if only is not None:
        tasks = [(part, accompanist.decoding[part].decoder) for part in parts]
        decoders = tuple(dict.fromkeys(decoder for _, decoder in tasks))
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.map(_search, tasks, chunksize=1)
    else:
        results = [_search(task) for task in tasks]
    chosen = [min((result for task, result in zip(tasks, results) if task[0] == part), key=lambda r: r["miss"])
              for part in parts]
    return {
        "decoding": [result["decoding"].to_card() for result in chosen],
        "decoding_calibration": {
            "rule": calibration_rule(decoders, only),
            "command": f"python -m tools.gan.calibrate --style {accompanist.style}"
                       + ("" if tuple(decoders) == DECODERS or only is not None else f" --decoders {' '.join(decoders)}")
                       + ("" if seeds == SEEDS else f" --seeds {seeds}") + (" --from-card" if from_card else "")
                       + ("" if only is None else f" --blocks {' '.join(only)}"),
            **({"started_from": before} if from_card and (before := _card_command(accompanist)) else {}),
            "validation_readings": len(read),
            "per_track": {name: {"target": _rounded(targets[part]), "validation": _rounded(chosen[part]["validation"]),
                                 "miss": round(chosen[part]["miss"], 3)}
                          for part, (name, _) in enumerate(accompanist.tracks)},
        },
    }


def _rounded(figures: dict) -> dict:
    """Figures for the card: rounded, those a part lacks (NaN, which JSON cannot hold) left out."""
    return {name: round(value, 4) for name, value in figures.items() if not np.isnan(value)}


def _card_command(accompanist):
    """The command that calibrated the decoding in ``accompanist``'s card, if the card says."""
    card = getattr(getattr(accompanist, "model", None), "card", None) or {}
    return card.get("decoding_calibration", {}).get("command")


def judge(accompanist, splits: dict, seed_sets: int = 4, seeds: int = SEEDS, first_set: int = 1) -> list:
    """The card's decoding's validation miss per part and figure (`figure_misses`) on ``seed_sets`` sets of
    fresh generations (set k's seeds from k * JUDGE_SEEDS on, k from ``first_set``; no calibration reads them):
    how far it is from its targets, and how much of that is the draw of the seeds. Sets that have already
    decided something are less fresh: a later decision can start past them."""
    targets = style_figures(splits["train"], len(accompanist.tracks))
    misses = []
    for seed_set in range(seed_sets):
        read = readings(accompanist, splits["valid"], seeds=seeds, first_seed=JUDGE_SEEDS * (first_set + seed_set))
        misses.append([figure_misses(decoded_figures(accompanist, read, part, decoding), targets[part])
                       for part, decoding in enumerate(accompanist.decoding)])
    return misses


def write_decoding(card_path: Path, decoding: dict) -> None:
    """Store the decode fields in the card; everything else in it is kept."""
    card = json.loads(card_path.read_text())
    for legacy in ("threshold", "threshold_rule", "change_penalty", "change_penalty_rule"):
        card.pop(legacy, None)
    card.update(decoding)
    card_path.write_text(json.dumps(card, indent=2) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data.add_model_arguments(parser)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="searches run side by side (default: one per core)")
    parser.add_argument("--decoders", nargs="+", choices=DECODERS, default=list(DECODERS),
                        help="decoders searched (default: all)")
    parser.add_argument("--seeds", type=int, default=SEEDS,
                        help="generations per validation melody (default %(default)s)")
    parser.add_argument("--from-card", action="store_true",
                        help="each search also starts from the card's decoding of its part (never ends further off)")
    parser.add_argument("--judge-from", type=int, metavar="SET", default=1,
                        help=f"the first seed set --judge reads (default 1; sets 1..{NEXT_JUDGE_SET - 1} decided "
                             f"the choices of 2026-12-02 and 03, so the next decision should start at {NEXT_JUDGE_SET})")
    parser.add_argument("--blocks", nargs="+", choices=BLOCKS, default=None,
                        help="with --from-card: search only these blocks, from the card's decoding alone")
    parser.add_argument("--judge", type=int, metavar="SETS", default=0,
                        help="change nothing: print the card's decoding's validation miss on SETS sets of fresh seeds")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.judge < 0 or args.judge_from < 1:
        parser.error("--seeds and --judge-from must be at least 1 and --judge not negative")
    if args.blocks and not args.from_card:
        parser.error("--blocks searches from the card's decoding: give --from-card too")

    from keycomposer.models.gan import Accompanist, model_name
    from keycomposer.models.runtime import models_dir

    accompanist = Accompanist(args.style, folder=args.models)
    splits = data.load(args.style, args.data, barred=True)
    if args.judge:
        by_figure = judge(accompanist, splits, args.judge, args.seeds, args.judge_from)
        misses = np.array([[sum(part.values()) for part in row] for row in by_figure])
        for seed_set, row in enumerate(misses):
            print(f"seed set {seed_set + 1}: " + ", ".join(f"{name} {m:.3f}" for (name, _), m in zip(accompanist.tracks, row))
                  + f"; summed {row.sum():.3f}")
        sums = misses.sum(axis=1)
        print(f"summed validation miss over {args.judge} fresh seed sets: mean {sums.mean():.3f}, sd {sums.std(ddof=1) if len(sums) > 1 else 0:.3f}; "
              "per part mean " + ", ".join(f"{name} {m:.3f}" for (name, _), m in zip(accompanist.tracks, misses.mean(axis=0))))
        print("per figure, summed over the parts, mean: " + ", ".join(
            f"{name} {np.mean([sum(part.get(name, 0.0) for part in row) for row in by_figure]):.3f}" for name in TOLERANCE))
        return 0
    decoding = calibrate(accompanist, splits, jobs=args.jobs, decoders=tuple(args.decoders), seeds=args.seeds,
                         from_card=args.from_card, only=args.blocks)
    path = Path(args.models or models_dir()) / f"{model_name(args.style)}.json"
    write_decoding(path, decoding)
    print(f"wrote the decode fields into {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

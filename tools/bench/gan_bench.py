"""Accompaniment GAN against a rule-map harmonizer and an octave copy, side by side in one run.

    .venv/bin/python tools/bench/gan_bench.py --style bach --split valid            # while choosing
    .venv/bin/python tools/bench/gan_bench.py --style bach --split test --write-card # once, for the shipped model

Three accompanists, decoded alike (keycomposer.models.gan_decoding, the card's settings, seeds 0..--seeds-1):
- GAN: the shipped generator's class probabilities (keycomposer.models.gan).
- rule map: root-position triads under each melody note in the melody's key (`rule_map`): per part and step,
  the struck (at a melody note's start) or held chord tones in the part's range, all alike likely.
- octave copy: the melody an octave down in every part.
Beside them, "real": the composer's own parts of the same pieces.

Melodies: the first --bars bars of each piece of the split (tools/gan/data.py: the melody part's top line, in
the piece's own bars), and with --split test the 30 melodies no training or selection saw
(tools/bench/unseen_melodies.py; the speed is timed on them in every run, their notes unread).
Figures, per accompanist and set:
- voice leading (keycomposer.music.voice_leading): parallel fifths and octaves per 100 moves in which both
  voices of a pair move (all six pairs, the melody with them), crossings per 100 steps in which both voices
  sound (neighbouring voices), and of those steps the ones where a part sounds above the melody ("above");
- in key: the parts' notes in the melody's key (Krumhansl-Kessler best key of the melody);
- consonance: the parts' note starts that sound a third, fourth (not against the bass), fifth, sixth or
  octave with the melody sounding then;
- per part, against the real parts (pieces only): MuseGAN's figures (empty bar rate, pitch classes per bar,
  polyphonic rate, qualified note rate) and the tonal distance to the melody, averaged over pieces; and the
  mean over those five of |figure - real| / real's spread among the three accompanists ("distance to real",
  lower is closer);
- speed: 8 bars of accompaniment with the model loaded once, median over the unseen melodies.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "host"))

from keycomposer.models import voice_grid  # noqa: E402
from keycomposer.models.bars import Bars  # noqa: E402
from keycomposer.models.gan import Accompanist, Melody, octave_shift  # noqa: E402
from keycomposer.models.gan_decoding import decode  # noqa: E402
from keycomposer.music import metrics  # noqa: E402
from keycomposer.music.voice_leading import crossings, parallels  # noqa: E402
from tools.bench.unseen_melodies import unseen_melodies  # noqa: E402
from tools.gan import data  # noqa: E402
from tools.gan.train import voice_of  # noqa: E402

PART_FIGURES = ("empty_bar_rate", "pitch_classes_per_bar", "polyphonic_rate", "qualified_note_rate",
                "tonal_distance_to_melody")
CONSONANT = {0, 3, 4, 5, 7, 8, 9}  # interval classes; a fourth (5) is a dissonance against the bass
# Each part's range for the rule map: the chorales' and quartets' usual ranges (MIDI), top part first.
RANGES = {"bach": ((55, 74), (48, 67), (36, 60)), "quartet": ((55, 88), (48, 79), (36, 67))}
TRIAD_ORDER = {"major": (0, 5, 7, 2, 9, 4, 11), "minor": (0, 7, 5, 3, 8, 10, 2)}  # degrees tried, I IV V first


def notes_of(pitches, struck) -> list:
    """(start, end, pitch) notes of one voice given per step (pitch or -1, True where a note starts)."""
    notes = []
    for step in range(len(pitches)):
        if pitches[step] < 0:
            continue
        if notes and notes[-1][1] == step and notes[-1][2] == pitches[step] and not struck[step]:
            notes[-1] = (notes[-1][0], step + 1, notes[-1][2])
        else:
            notes.append((step, step + 1, int(pitches[step])))
    return notes


def roll_of(notes, steps) -> np.ndarray:
    roll = np.zeros((steps, 128), dtype=bool)
    for start, end, pitch in notes:
        roll[start:end, pitch] = True
    return roll


def melody_key(melody_notes, steps) -> tuple:
    tonic, mode, _ = metrics.best_key(roll_of(melody_notes, steps))
    return tonic, mode


def rule_map(melody: Melody, style: str) -> np.ndarray:
    """(steps, 3, CLASSES) log-probabilities: under each melody note the first diatonic triad of the melody's
    key (I, IV, V, then the others) whose tones hold the melody's pitch class; each part's chord tones in its
    range alike likely, struck where the melody note starts, held after. A rest keeps the chord before it."""
    steps = len(melody.pitches)
    tonic, mode = melody_key(notes_of(melody.pitches, melody.onsets), steps)
    scale = np.flatnonzero(metrics.scale_mask(tonic, mode))
    probability = np.full((steps, 3, voice_grid.CLASSES), 1e-6)
    chord = None
    for step in range(steps):
        pitch = melody.pitches[step]
        if pitch >= 0 and (melody.onsets[step] or chord is None):
            for degree in TRIAD_ORDER[mode]:
                root = (tonic + degree) % 12
                third, fifth = [int(scale[(list(scale).index(root) + k) % 7]) for k in (2, 4)] if root in scale else (0, 0)
                if root in scale and pitch % 12 in (root, third, fifth):
                    chord = (root, third, fifth)
                    break
            else:
                chord = (pitch % 12, (pitch + 4) % 12, (pitch + 7) % 12)
        if chord is None:
            continue
        struck = bool(melody.onsets[step]) and pitch >= 0
        for part, (low, high) in enumerate(RANGES[style]):
            allowed = [p for p in range(low, high + 1) if p % 12 in (chord[:1] if part == 2 else chord)]
            for p in allowed:
                onset = voice_grid.onset_class(p)
                probability[step, part, onset] += 1.0 if struck or step == 0 else 0.05
                probability[step, part, onset + voice_grid.PITCHES] += 0.0 if struck else 1.0
    probability /= probability.sum(axis=2, keepdims=True)
    return np.log(probability)


def octave_copy(melody: Melody) -> np.ndarray:
    """(steps, 3, CLASSES) log-probabilities that are all but certain of the melody an octave down."""
    steps = len(melody.pitches)
    probability = np.full((steps, 3, voice_grid.CLASSES), 1e-9)
    for step, pitch in enumerate(melody.pitches):
        below = pitch - 12
        if pitch < 0 or not voice_grid.in_range(below):
            probability[step, :, voice_grid.REST] = 1.0
        else:
            struck = melody.onsets[step] or step == 0 or melody.pitches[step - 1] != pitch
            probability[step, :, voice_grid.onset_class(below) + (0 if struck else voice_grid.PITCHES)] = 1.0
    return np.log(probability / probability.sum(axis=2, keepdims=True))


def accompanists(accompanist: Accompanist, style: str) -> dict:
    """{name: function (melody, seed) -> each part's notes}, all decoded by the card's decoding."""
    def decoded(log_probability_of):
        def run(melody, seed):
            classes = decode(log_probability_of(melody), melody.pitches, seed=(seed, 1), decoding=accompanist.decoding)
            return [voice_grid.class_notes(part) for part in classes]
        return run

    return {"GAN": lambda melody, seed: accompanist.voices(melody, seed),
            "rule map": decoded(lambda melody: rule_map(melody, style)),
            "octave copy": decoded(octave_copy)}


def texture(melody_notes, parts, steps) -> dict:
    """The counts behind the voice-leading, key and consonance figures of one accompanied melody."""
    tonic, mode = melody_key(melody_notes, steps)
    scale = metrics.scale_mask(tonic, mode)
    melody_line = np.full(steps, -1)
    for start, end, pitch in melody_notes:
        melody_line[start:end] = pitch
    found, moves = parallels([melody_notes] + list(parts), steps)
    crossed, both = crossings([melody_notes] + list(parts), steps)
    above = sum(crossings([melody_notes, part], steps)[0] for part in parts)  # a part above the melody
    added = [(part, note) for part, notes in enumerate(parts) for note in notes]
    starts = [(part, melody_line[start], pitch) for part, (start, _, pitch) in added
              if start < steps and melody_line[start] >= 0]
    consonant = sum(abs(m - p) % 12 in CONSONANT - ({5} if part == 2 else set()) for part, m, p in starts)
    return {"parallels": found, "moves": moves, "crossed": crossed, "both": both, "above_melody": above,
            "in_key": sum(bool(scale[pitch % 12]) for _, (_, _, pitch) in added), "notes": len(added),
            "consonant": consonant, "starts": len(starts)}


def part_figures(melody_notes, parts, bars: Bars, steps) -> list:
    """Per part: MuseGAN's figures and its tonal distance to the melody."""
    starts = bars.starts(steps)
    melody_roll = roll_of(melody_notes, steps)
    rows = []
    for notes in parts:
        roll = roll_of(notes, steps)
        rows.append({
            "empty_bar_rate": metrics.empty_bar_rate(roll, starts),
            "pitch_classes_per_bar": metrics.pitch_classes_per_bar(roll, starts),
            "polyphonic_rate": metrics.polyphonic_rate(roll, 1),
            "qualified_note_rate": metrics.qualified_note_rate(roll),
            "tonal_distance_to_melody": metrics.tonal_distance(melody_roll, roll, 4),
        })
    return rows


def summary(counts: list) -> dict:
    total = {key: sum(c[key] for c in counts) for key in counts[0]}
    share = lambda a, b: round(100 * total[a] / total[b], 2) if total[b] else None  # noqa: E731
    return {"parallels_per_100_moves": share("parallels", "moves"), "moves": total["moves"],
            "crossings_per_100_steps": share("crossed", "both"),
            "above_melody_per_100_steps": round(100 * total["above_melody"] / max(1, total["both"]), 2),
            "in_key": round(total["in_key"] / total["notes"], 3) if total["notes"] else None,
            "consonant_starts": round(total["consonant"] / total["starts"], 3) if total["starts"] else None,
            "notes_per_bar": round(16 * total["notes"] / max(1, sum(c.get("steps", 0) for c in counts)), 2)}


def mean_rows(rows: list) -> list:
    """Per part, each figure's mean over pieces (NaN where a piece has none left out)."""
    return [{name: round(float(np.nanmean([r[part][name] for r in rows])), 3) for name in PART_FIGURES}
            for part in range(3)]


def piece_melodies(pieces, bars: int) -> list:
    """(name, Melody, melody notes, real parts' notes, steps) of each piece's first ``bars`` bars."""
    out = []
    for piece in pieces:
        parts = piece.first_bars(bars)
        struck = piece.struck[:, :parts.shape[1]] if piece.struck is not None else parts
        lines = [voice_of(parts[k], struck[k], lowest=k == 3) for k in range(4)]
        if not (lines[0][0] >= 0).any():
            continue
        steps = parts.shape[1]
        melody = Melody(lines[0][0], piece.bars, lines[0][1])
        out.append((piece.name, melody, notes_of(*lines[0]), [notes_of(*line) for line in lines[1:]], steps))
    return out


def unseen() -> list:
    out = []
    for name, (meter, notes) in unseen_melodies().items():
        steps = max(end for _, end, _ in notes)
        pitches, struck = np.full(steps, -1), np.zeros(steps, dtype=bool)
        for start, end, pitch in notes:
            pitches[start:end], struck[start] = pitch, True
        out.append((name, Melody(pitches, Bars.regular(tuple(meter)), struck), notes, None, steps))
    return out


def bench(style: str, split: str, bars: int, seeds: int, models=None, data_folder=data.CACHE_FOLDER) -> dict:
    accompanist = Accompanist(style, folder=models)
    runs = accompanists(accompanist, style)
    sets = {split: piece_melodies(data.load(style, data_folder, barred=True)[split], bars), "unseen": unseen()}
    result = {}
    for set_name, melodies in sets.items():
        if set_name == "unseen" and split != "test":
            continue  # no choice is made on them: read with the test split only
        counts = {name: [] for name in list(runs) + ["real"]}
        parts_rows = {name: [] for name in counts}
        for name, melody, melody_notes, real, steps in melodies:
            for who, run in runs.items():
                for seed in range(seeds):
                    parts = run(melody, seed)
                    counts[who].append({**texture(melody_notes, parts, steps), "steps": steps})
                    if real is not None:
                        parts_rows[who].append(part_figures(melody_notes, parts, melody.bars, steps))
            if real is not None:
                counts["real"].append({**texture(melody_notes, real, steps), "steps": steps})
                parts_rows["real"].append(part_figures(melody_notes, real, melody.bars, steps))
        result[set_name] = {"melodies": len(melodies)}
        for who in counts:
            if not counts[who]:
                continue
            row = summary(counts[who])
            if parts_rows[who]:
                row["parts"] = mean_rows(parts_rows[who])
            result[set_name][who] = row
        if parts_rows["real"]:
            real_rows = result[set_name]["real"]["parts"]
            for who in runs:
                gaps = []
                for part in range(3):
                    for figure in PART_FIGURES:
                        values = [result[set_name][w]["parts"][part][figure] for w in list(runs) + ["real"]]
                        spread = max(values) - min(values)
                        real_value = real_rows[part][figure]
                        mine = result[set_name][who]["parts"][part][figure]
                        if spread > 1e-9 and not np.isnan(mine) and not np.isnan(real_value):
                            gaps.append(abs(mine - real_value) / spread)
                result[set_name][who]["distance_to_real"] = round(float(np.mean(gaps)), 3) if gaps else None
    # Speed: 8 bars (128 16ths) of each unseen melody, its first 8 bars read over and over if shorter.
    timings = []
    for _, melody, _, _, _ in sets["unseen"]:
        pitches = np.resize(melody.pitches, 128)
        struck = np.resize(melody.onsets, 128)
        eight = Melody(pitches, Bars(), struck)
        started = time.perf_counter()
        accompanist.voices(eight, 0)
        timings.append(1000 * (time.perf_counter() - started))
    result["speed_8_bars_ms"] = {"median": round(statistics.median(timings), 1), "max": round(max(timings), 1)}
    result["settings"] = {"split": split, "bars": bars, "seeds": seeds, "decoding": accompanist.decoding.to_card()}
    return result


def print_result(result: dict) -> None:
    for set_name, rows in result.items():
        if not isinstance(rows, dict) or "melodies" not in rows:
            continue
        print(f"\n{set_name}: {rows['melodies']} melodies")
        print(f"{'':12} {'par/100mv':>9} {'moves':>6} {'cross/100':>9} {'above/100':>9} {'in key':>6} "
              f"{'consonant':>9} {'notes/bar':>9} {'to real':>7}")
        for who, row in rows.items():
            if who == "melodies":
                continue
            print(f"{who:12} {row['parallels_per_100_moves']!s:>9} {row['moves']:>6} {row['crossings_per_100_steps']!s:>9}"
                  f" {row['above_melody_per_100_steps']!s:>9} {row['in_key']!s:>6} {row['consonant_starts']!s:>9} {row['notes_per_bar']!s:>9} "
                  f"{row.get('distance_to_real', '')!s:>7}")
        if "parts" in rows.get("real", {}):
            print(f"  per part ({', '.join(PART_FIGURES)}):")
            for who, row in rows.items():
                if who != "melodies":
                    print(f"  {who:12} " + " | ".join(" ".join(f"{part[f]:.2f}" for f in PART_FIGURES)
                                                      for part in row["parts"]))
    print(f"\n8 bars: {result['speed_8_bars_ms']} ms; settings {result['settings']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default="bach", choices=sorted(data.STYLES))
    parser.add_argument("--split", default="valid", choices=("valid", "test"))
    parser.add_argument("--bars", type=int, default=16, help="bars read from the start of each piece (0: all)")
    parser.add_argument("--seeds", type=int, default=2, help="generations per melody and accompanist")
    parser.add_argument("--data", default=str(REPO / data.CACHE_FOLDER))
    parser.add_argument("--models", default=None, help="models folder (default: models_tflite)")
    parser.add_argument("--write-card", action="store_true", help="store these figures in the card under 'metrics'")
    args = parser.parse_args(argv)
    result = bench(args.style, args.split, args.bars, args.seeds, args.models, args.data)
    print_result(result)
    if args.write_card:
        from tools.tflite_files import write_card_figures

        folder = Path(args.models) if args.models else REPO / "models_tflite"
        write_card_figures(str(folder / f"gan_{args.style}.json"), result, key="metrics")
        print(f"wrote the figures into {folder / f'gan_{args.style}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

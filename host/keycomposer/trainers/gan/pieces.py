"""Four-part pieces as per-part piano rolls: the music21 corpus's (parsed once, cached, split by piece) and a folder's.

    python -m tools.gan.data --style bach       # writes out/gan/bach.npz (a few minutes)
    python -m tools.gan.data --style quartet    # writes out/gan/quartet.npz (slow: big scores)

(`keycomposer train gan --data bach|quartet` builds the same cache in its own folder on first use.)

A piece is a bool array (4 parts, time steps, 128 MIDI pitches), one step per 16th note, the melody part
first (soprano, first violin), then the three accompaniment parts top to bottom, with its meter (its first
time signature), its lead (the 16ths its first bar lacks, where it opens with a pickup) and its later bar
changes: where the meter changes (7 of the quartet files hold all four movements of a quartet, each in its own
meter) or a bar starts off the bar lines before it (a movement's pickup, a bar split at a repeat sign). The
roll starts with the first note's bar as the score does, pickup and all: `load(..., barred=True)` puts the
lead's rests before it, so that its bars start at step 0, as a composition's do (`Piece.bars`). Only 7 of the
46 quartet movements are in 4/4, and most chorales open with a pickup. Each corpus file is parsed once and cached
on its own under FOLDER/parsed/, so an interrupted run resumes where it stopped.

The split is by piece (a chorale; a whole quartet, all its movements together, so no movement of a test
quartet is heard in training), decided by a hash of the piece's name: the same on every machine and run.
A piece of the person's (`composition_piece`) is its four highest pitched tracks, melody first; its side of
the split is keycomposer.music.midi_folder's.
"""

import hashlib
import os
import time
from typing import NamedTuple

import numpy as np

STEPS_PER_QUARTER = 4  # 16th notes
MIDI_PITCHES = 128
PARTS = 4
SPLIT_SHARES = (("train", 80), ("valid", 10), ("test", 10))  # percent, in hash order

# The quartets music21 ships, by piece (a folder of movements or one file of all of them). k545 is a piano
# sonata and opus18no1 has .krn duplicates of its .mxl movements: both are left out by the suffix/name rules.
QUARTET_PIECES = (
    "haydn/opus1no1", "haydn/opus74no1",
    "mozart/k80", "mozart/k155", "mozart/k156", "mozart/k458",
    "beethoven/opus18no1", "beethoven/opus18no3", "beethoven/opus18no4", "beethoven/opus18no5",
    "beethoven/opus59no1", "beethoven/opus59no2", "beethoven/opus59no3", "beethoven/opus74",
    "beethoven/opus132", "beethoven/opus133",
)

STYLES = {
    "bach": {"melody": "soprano", "accompaniment": ("alto", "tenor", "bass")},
    "quartet": {"melody": "violin 1", "accompaniment": ("violin 2", "viola", "cello")},
}


class Piece(NamedTuple):
    """One corpus file: its piece's name (a chorale; a quartet, for each of its movements), its (4, steps, 128)
    bool parts, its meter (numerator, denominator) and its later bar changes ((step, meter, skipped), as in
    `keycomposer.models.bars.Bars`), and where its notes start (`struck`)."""

    name: str
    parts: np.ndarray
    meter: tuple = (4, 4)
    changes: tuple = ()
    struck: np.ndarray = None  # (4, steps, 128): True where a note starts; None: where a pitch starts sounding

    @property
    def bars(self):
        """Its bars, the first starting at step 0 (a piece loaded barred)."""
        from keycomposer.models.bars import Bars

        return Bars(((0, tuple(self.meter), 0),) + tuple(self.changes))

    def first_bars(self, bars: int) -> np.ndarray:
        """Its (parts, steps, 128) roll up to the end of its first ``bars`` bars (0, or more than it has: all)."""
        starts = self.bars.starts(self.parts.shape[1])
        return self.parts[:, :starts[bars] if 0 < bars < len(starts) else None]


def split_of(piece: str) -> str:
    """train / valid / test for one piece, from the first bytes of sha256(name): stable everywhere."""
    bucket = int.from_bytes(hashlib.sha256(piece.encode()).digest()[:4], "big") % 100
    for name, share in SPLIT_SHARES:
        if bucket < share:
            return name
        bucket -= share
    raise AssertionError("split shares must add up to 100")


def quartet_split_of(piece: str) -> str:
    """The quartets are too few (16) for a hash to give a fair share to each split, so the split is a fixed
    table: one test quartet per composer, one valid quartet; all of a quartet's movements go together."""
    return {"haydn/opus1no1": "test", "mozart/k156": "test", "beethoven/opus18no4": "test",
            "mozart/k80": "valid"}.get(piece, "train")


def split_of_piece(style: str, piece: str) -> str:
    """train / valid / test for one piece of ``style``, by that style's rule."""
    return split_of(piece) if style == "bach" else quartet_split_of(piece)


def corpus_files(style: str) -> list:
    """[(piece, corpus path), ...] in a fixed order."""
    from music21 import corpus

    if style == "bach":
        return [(name, name) for name in corpus.chorales.Iterator(returnType="filename")]
    if style == "quartet":
        files = []
        for piece in QUARTET_PIECES:
            composer = piece.split("/")[0]
            for path in sorted(str(p) for p in corpus.getComposer(composer)):
                relative = path.split("corpus/")[-1]
                if path.endswith(".mxl") and (relative.startswith(piece + "/") or relative == piece + ".mxl"):
                    files.append((piece, path))
        return files
    raise ValueError(f"unknown style {style!r}: choose one of {', '.join(STYLES)}")


def part_roll(part, steps: int) -> tuple:
    """One part's notes (chords give all their pitches) as two (steps, 128) rolls: sounding, a note covering
    [onset, onset + duration) in steps, and struck, True at each note's first step (so a note repeated with no
    gap stays two notes). Grace notes (no duration) and chord symbols (no sound) are left out. Tied notes are
    one note (music21's stripTies)."""
    from music21 import harmony

    roll = np.zeros((steps, MIDI_PITCHES), dtype=bool)
    struck = np.zeros((steps, MIDI_PITCHES), dtype=bool)
    part = part.stripTies()
    for element in part.flatten().notes:
        length = float(element.quarterLength)
        if length <= 0 or isinstance(element, harmony.ChordSymbol):
            continue
        start = int(round(float(element.offset) * STEPS_PER_QUARTER))
        end = max(start + 1, int(round((float(element.offset) + length) * STEPS_PER_QUARTER)))
        for pitch in element.pitches:
            roll[start:end, pitch.midi] = True
            if start < steps:
                struck[start, pitch.midi] = True
    return roll, struck


def score_to_parts(score) -> tuple:
    """(sounding, struck), each (4, steps, 128), from a score with exactly four parts, in score order (top part
    first): see `part_roll`."""
    parts = list(score.parts)
    if len(parts) != PARTS:
        raise ValueError(f"{len(parts)} parts, not {PARTS}")
    steps = int(round(float(score.highestTime) * STEPS_PER_QUARTER))
    rolls = [part_roll(part, steps) for part in parts]
    return np.stack([roll for roll, _ in rolls]), np.stack([struck for _, struck in rolls])


def score_bars(score) -> tuple:
    """(meter, lead, changes) of a score, read from its first part's measures: its first time signature (4/4 if
    it has none), the 16ths its first bar lacks (a pickup's rests; 0 for a whole first bar), and each later
    measure that starts off the bar lines before it, as (step from the score's start, meter, the 16ths its bar
    lacks): a new meter, a movement's pickup, the second half of a bar split at a repeat sign."""
    from music21 import meter as music21_meter

    from keycomposer.models.bars import meter_steps

    def steps(quarters) -> int:
        return int(round(float(quarters) * STEPS_PER_QUARTER))

    part = score.parts[0]
    signature = part.recurse().getElementsByClass(music21_meter.TimeSignature).first()
    found = (signature.numerator, signature.denominator) if signature is not None else (4, 4)
    measures = list(part.getElementsByClass("Measure"))
    if not measures:
        return found, 0, ()
    lead = steps(measures[0].paddingLeft)
    meter = running = found
    line, length = -lead, meter_steps(found)  # a bar line of the bars now running, and their length
    changes = []
    for measure in measures[1:]:
        if measure.timeSignature is not None:
            meter = (measure.timeSignature.numerator, measure.timeSignature.denominator)
        try:
            bar = meter_steps(meter)
        except ValueError:
            continue  # a meter the models cannot read in 16ths: its bars are read on in the meter before it
        start, skipped = steps(measure.offset), steps(measure.paddingLeft)
        if measure.timeSignature is not None and not skipped and steps(measure.duration.quarterLength) < bar:
            skipped = bar - steps(measure.duration.quarterLength)  # a new section's pickup bar
        if meter == running and (start - skipped - line) % length == 0:
            continue  # on the bar lines already running
        skipped = skipped if 0 <= skipped < bar else 0
        changes.append((start, meter, skipped))
        running, line, length = meter, start - skipped, bar
    return found, lead, tuple(changes)


def parse_cached(name: str, path: str, folder: str):
    """(parts, struck, meter, lead, changes) of one corpus file, parsed once and kept in folder/parsed/ (None:
    not four parts). A file cached before its onsets were kept is parsed again."""
    key = hashlib.sha256(path.split("corpus/")[-1].encode()).hexdigest()[:16]
    cached = os.path.join(folder, "parsed", key + ".npz")
    if os.path.exists(cached):
        stored = np.load(cached)
        if "struck" in stored:
            parts = stored["parts"]
            return None if parts.size == 0 else (parts, stored["struck"], tuple(int(n) for n in stored["meter"]),
                                                 int(stored["lead"]), _changes(stored["changes"]))
    from music21 import corpus

    score = corpus.parse(path)
    try:
        parts, struck = score_to_parts(score)
        bars = score_bars(score)
    except ValueError:
        parts = struck = np.zeros((0, 0, MIDI_PITCHES), dtype=bool)
        bars = ((4, 4), 0, ())
    os.makedirs(os.path.dirname(cached), exist_ok=True)
    np.savez_compressed(cached, parts=parts, struck=struck, name=name, meter=np.array(bars[0]), lead=bars[1],
                        changes=_change_rows(bars[2]))
    return None if parts.size == 0 else (parts, struck, *bars)


def _change_rows(changes) -> np.ndarray:
    """Bar changes as stored: one row (step, numerator, denominator, skipped) each."""
    return np.array([(step, *meter, skipped) for step, meter, skipped in changes], dtype=np.int64).reshape(-1, 4)


def _changes(rows) -> tuple:
    return tuple((int(step), (int(numerator), int(denominator)), int(skipped))
                 for step, numerator, denominator, skipped in rows)


def prepare(style: str, folder: str) -> str:
    """Parses every corpus file of ``style`` (each cached on its own) into FOLDER/STYLE.npz, written beside as
    partial-STYLE.npz and renamed into place, so a stopped run leaves no half cache."""
    files = corpus_files(style)
    pieces, rolls, strucks, sources, meters, leads, changes = [], [], [], [], [], [], []
    skipped = []
    started = time.monotonic()
    for done, (piece, path) in enumerate(files, 1):
        parsed = parse_cached(piece, path, folder)
        if parsed is None:
            skipped.append(path)
        else:
            pieces.append(piece)
            rolls.append(parsed[0])
            strucks.append(parsed[1])
            meters.append(parsed[2])
            leads.append(parsed[3])
            changes.append(_change_rows(parsed[4]))
            sources.append(path.split("corpus/")[-1])
        if done % 25 == 0 or done == len(files) or style == "quartet":
            print(f"parsed {done}/{len(files)} files in {time.monotonic() - started:.0f} s ({path.split('corpus/')[-1]})",
                  flush=True)
    lengths = np.array([r.shape[1] for r in rolls], dtype=np.int64)
    out = os.path.join(folder, f"{style}.npz")
    partial = os.path.join(folder, f"partial-{style}.npz")
    os.makedirs(folder, exist_ok=True)
    np.savez_compressed(
        partial,
        pieces=np.array(pieces),
        sources=np.array(sources),
        offsets=np.concatenate([[0], np.cumsum(lengths)]),
        rolls=np.packbits(np.concatenate(rolls, axis=1), axis=2),
        struck=np.packbits(np.concatenate(strucks, axis=1), axis=2),
        meters=np.array(meters, dtype=np.int64).reshape(-1, 2),
        leads=np.array(leads, dtype=np.int64),
        changes=np.concatenate(changes + [np.zeros((0, 4), dtype=np.int64)]),
        change_offsets=np.concatenate([[0], np.cumsum([len(rows) for rows in changes], dtype=np.int64)]),
    )
    os.replace(partial, out)
    print(f"wrote {out}: {len(pieces)} files, {lengths.sum()} steps; skipped {len(skipped)} without four parts")
    return out


def load(style: str, folder: str, barred: bool = False) -> dict:
    """{'train': [Piece, ...], 'valid': [...], 'test': [...]}: parts (4, steps, 128) bool as the score has them
    or, ``barred``, after the rests its first bar lacks (its bars then start at step 0). Each piece's split comes
    from the split rules as they are now, not from when the cache was written. A cache written before meters
    were kept reads every piece as 4/4 from its first step, as everything read it then; one written before bar
    changes were kept reads each piece in its first meter throughout."""
    path = os.path.join(folder, f"{style}.npz")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run `python -m tools.gan.data --style {style}` first")
    cache = np.load(path)
    rolls = np.unpackbits(cache["rolls"], axis=2)[:, :, :MIDI_PITCHES].astype(bool)
    if "struck" in cache:
        strucks = np.unpackbits(cache["struck"], axis=2)[:, :, :MIDI_PITCHES].astype(bool)
    else:  # a cache written before onsets were kept: a note starts where its pitch starts sounding
        strucks = rolls & ~np.pad(rolls, ((0, 0), (1, 0), (0, 0)))[:, :-1]
    offsets = cache["offsets"]
    count = len(cache["pieces"])
    meters = cache["meters"] if "meters" in cache else np.full((count, 2), 4)
    leads = cache["leads"] if "leads" in cache else np.zeros(count, dtype=np.int64)
    change_offsets = cache["change_offsets"] if "change_offsets" in cache else np.zeros(count + 1, dtype=np.int64)
    change_rows = cache["changes"] if "changes" in cache else np.zeros((0, 4), dtype=np.int64)
    out = {name: [] for name, _ in SPLIT_SHARES}
    for k, piece in enumerate(cache["pieces"]):
        parts = rolls[:, offsets[k]:offsets[k + 1]]
        struck = strucks[:, offsets[k]:offsets[k + 1]]
        changes = _changes(change_rows[change_offsets[k]:change_offsets[k + 1]])
        if barred and leads[k]:
            lead = np.zeros((PARTS, int(leads[k]), MIDI_PITCHES), dtype=bool)
            parts, struck = np.concatenate([lead, parts], axis=1), np.concatenate([lead, struck], axis=1)
            changes = tuple((step + int(leads[k]), meter, skipped) for step, meter, skipped in changes)
        out[split_of_piece(style, str(piece))].append(
            Piece(str(piece), parts, tuple(int(n) for n in meters[k]), changes, struck))
    return out


def composition_piece(name: str, composition) -> tuple:
    """(Piece, None) of a piece of the person's: its four highest pitched tracks (keycomposer.trainers.
    folder_voices), the highest as the melody and the next three as the parts, each one voice, in the bars of
    its time signatures; or (None, reason) when it has fewer than four pitched tracks."""
    from keycomposer.models.bars import Bars
    from keycomposer.trainers.folder_voices import highest_voices

    voices, found = highest_voices(composition, PARTS)
    if voices is None:
        return None, f"{found} pitched tracks with notes; the GAN learns a melody and three parts under it"
    steps = max(end for notes in voices for _, end, _ in notes)
    parts = np.zeros((PARTS, steps, MIDI_PITCHES), dtype=bool)
    struck = np.zeros_like(parts)
    for part, notes in enumerate(voices):
        for start, end, pitch in notes:
            parts[part, start:end, pitch] = True
            struck[part, start, pitch] = True
    try:
        changes = Bars.of_composition(composition).changes
    except ValueError:  # a meter not in 16ths: the windows start on beats all the same, only Piece.bars needs it
        changes = Bars().changes
    return Piece(name, parts, changes[0][1], tuple(changes[1:]), struck), None

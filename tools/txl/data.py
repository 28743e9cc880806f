"""Classical pieces from the music21 corpus as timed notes: parse once, cache, split by piece.

    .venv-train/bin/python -m tools.txl.data            # writes out/txl/notes.npz (minutes: music21 is slow)

Every part of a piece is merged into one performance stream (a keyboard reduction): a quartet or a chorale
becomes what one pianist would play. Times are seconds, from the piece's first metronome mark with a number
(and its later changes), or DEFAULT_BPM when it has none (the chorales). The corpus has no performed
velocities: a note takes its `volume.velocity` when the file sets one, else DEFAULT_VELOCITY.

The split is decided by a hash of the piece's corpus path, so it never changes between runs or machines and
no test piece can drift into training. Movements of one work are split apart (each is a piece here).
"""

import argparse
import hashlib
import itertools
import os
import signal
import sys
import time

import numpy as np

DEFAULT_BPM = 100.0
DEFAULT_VELOCITY = 80
SPLIT_SHARES = (("train", 80), ("valid", 10), ("test", 10))  # percent, in hash order
DEFAULT_CACHE = os.path.join("out", "txl", "notes.npz")
# Keyboard music and ensemble works the corpus ships (music21 10.5). Quartets come as .mxl; their .krn twins
# are left out so no movement appears twice.
KEYBOARD = (
    "joplin/maple_leaf_rag.mxl",
    "chopin/mazurka06-2.krn",
    "mozart/k545/movement1_exposition.mxl",
    "cpebach/h186.mxl",
    "schumann_clara/polonaise_op1n1.mxl",
    "schumann_clara/polonaise_op1n2.mxl",
    "schumann_clara/polonaise_op1n3.mxl",
    "schumann_clara/polonaise_op1n4.mxl",
    "schoenberg/opus19/movement2.mxl",
    "schoenberg/opus19/movement6.mxl",
)
QUARTET_COMPOSERS = ("haydn", "mozart", "beethoven")
SLOW_TO_PARSE = ("beethoven/opus133.mxl",)  # the Grosse Fuge: music21 needs many minutes for it


def split_of(piece_id: str) -> str:
    """train / valid / test for one piece, from the first bytes of sha256(id): stable everywhere."""
    bucket = int.from_bytes(hashlib.sha256(piece_id.encode()).digest()[:4], "big") % 100
    for name, share in SPLIT_SHARES:
        if bucket < share:
            return name
        bucket -= share
    raise AssertionError("split shares must add up to 100")


def piece_ids(max_quartet_movements: int) -> list:
    """Corpus paths: the 371 chorales, the keyboard pieces, then up to N quartet movements (.mxl)."""
    from music21 import corpus

    ids = [_relative(p) for p in corpus.chorales.Iterator(returnType="filename")]
    ids += list(KEYBOARD)
    by_composer = []
    for composer in QUARTET_COMPOSERS:
        names = sorted(_relative(str(p)) for p in corpus.getComposer(composer))
        by_composer.append([n for n in names if n.endswith(".mxl") and n not in KEYBOARD + SLOW_TO_PARSE])
    # one movement of each composer in turn, so a cap keeps all three composers
    quartets = [n for group in itertools.zip_longest(*by_composer) for n in group if n is not None]
    return ids + quartets[:max_quartet_movements]


def _relative(path: str) -> str:
    path = str(path)
    return path.split("/corpus/", 1)[1] if "/corpus/" in path else path


def _seconds_of(boundaries):
    """offset (quarters) -> seconds, over music21's metronome-mark boundaries [(start, end, mark), ...]."""
    spans = []
    elapsed = 0.0
    for start, end, mark in boundaries:
        bpm = mark.getQuarterBPM() if mark is not None and mark.number is not None else None
        seconds_per_quarter = 60.0 / (bpm or DEFAULT_BPM)
        spans.append((float(start), float(end), elapsed, seconds_per_quarter))
        elapsed += (float(end) - float(start)) * seconds_per_quarter

    def seconds(offset: float) -> float:
        for start, end, at, per in spans:
            if offset <= end:
                return at + (offset - start) * per
        start, end, at, per = spans[-1]
        return at + (offset - start) * per

    return seconds


def score_to_notes(score) -> np.ndarray:
    """(n, 4) float64 rows of start s, end s, pitch, velocity: every sounding note of every part, ties joined.
    Grace notes (zero length) are left out."""
    score = score.stripTies()
    flat = score.flatten()
    try:
        boundaries = flat.metronomeMarkBoundaries()
    except Exception:  # music21 raises plain exceptions on odd marks; fall back to the default tempo
        boundaries = [(0.0, float(flat.highestTime), None)]
    has_number = any(mark is not None and mark.number is not None for _, _, mark in boundaries)
    seconds = _seconds_of(boundaries if has_number else [(0.0, float(flat.highestTime) or 1.0, None)])
    rows = []
    for element in flat.notes:
        length = float(element.quarterLength)
        if length <= 0:
            continue
        offset = float(element.offset)
        velocity = element.volume.velocity if element.volume.velocity is not None else DEFAULT_VELOCITY
        for pitch in element.pitches:
            rows.append((seconds(offset), seconds(offset + length), pitch.midi, velocity))
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


class PieceTimeout(Exception):
    pass


def _out_of_time(signum, frame):
    raise PieceTimeout()


def prepare(path: str, max_quartet_movements: int, max_seconds_per_piece: float, piece_timeout: int) -> None:
    """Parse and cache; a piece that takes longer than `piece_timeout` s (music21 needs minutes for the
    longest quartets, e.g. Beethoven op. 132) is skipped and listed in the cache as skipped."""
    from music21 import corpus

    names = piece_ids(max_quartet_movements)
    ids, notes, skipped = [], [], []
    started = time.monotonic()
    for done, name in enumerate(names, 1):
        began = time.monotonic()
        signal.signal(signal.SIGALRM, _out_of_time)
        signal.alarm(piece_timeout)
        try:
            piece = score_to_notes(corpus.parse(name))
        except PieceTimeout:
            skipped.append(f"{name}: not parsed within {piece_timeout} s")
            continue
        except Exception as error:  # a file music21 cannot read is reported and left out, not fatal
            skipped.append(f"{name}: {type(error).__name__}: {error}")
            continue
        finally:
            signal.alarm(0)
        if len(piece):
            ids.append(name)
            notes.append(piece)
        took = time.monotonic() - began
        if done % 25 == 0 or done == len(names) or took > 10:
            print(f"parsed {done}/{len(names)} pieces in {time.monotonic() - started:.0f} s ({name}: {took:.1f} s)", flush=True)
        if time.monotonic() - started > max_seconds_per_piece * len(names):
            print("parse budget spent: stopping early", flush=True)
            break
    counts = np.array([len(n) for n in notes], dtype=np.int64)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    np.savez_compressed(
        path,
        ids=np.array(ids),
        splits=np.array([split_of(i) for i in ids]),
        offsets=np.concatenate([[0], np.cumsum(counts)]),
        notes=np.concatenate(notes),
        skipped=np.array(skipped, dtype=str),
    )
    for line in skipped:
        print("skipped", line)
    print(f"wrote {path}: {len(ids)} pieces, {counts.sum()} notes")


def load(path: str = DEFAULT_CACHE) -> dict:
    """{'train': [(id, notes), ...], 'valid': [...], 'test': [...]} from the cache `prepare` wrote."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run `python -m tools.txl.data` first")
    cache = np.load(path)
    offsets = cache["offsets"]
    out = {name: [] for name, _ in SPLIT_SHARES}
    for k, (piece_id, split) in enumerate(zip(cache["ids"], cache["splits"])):
        out[str(split)].append((str(piece_id), cache["notes"][offsets[k]:offsets[k + 1]]))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_CACHE, help="where to write the cache (default %(default)s)")
    parser.add_argument("--quartet-movements", type=int, default=60, help="how many quartet movements to add")
    parser.add_argument("--budget-seconds-per-piece", type=float, default=3.0, help="stop parsing past this average")
    parser.add_argument("--piece-timeout", type=int, default=90, help="skip a piece that takes longer to parse (s)")
    args = parser.parse_args(argv)
    prepare(args.out, args.quartet_movements, args.budget_seconds_per_piece, args.piece_timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

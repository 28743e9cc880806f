"""Bach chorales as binary piano rolls: parse the music21 corpus once, cache it, split it by chorale.

    .venv-train/bin/python -m tools.arcnn.data            # writes out/arcnn/chorales.npz (a few minutes)

A roll is (time steps, 128 MIDI pitches), bool, one step per 16th note, all four voices merged (the
roll DeepComposer's AR-CNN reads). The split is decided by a hash of the chorale's corpus name, so it
never changes between runs or machines and no test chorale can drift into training.
"""

import argparse
import hashlib
import os
import sys
import time

import numpy as np

STEPS_PER_QUARTER = 4  # 16th notes
MIDI_PITCHES = 128
SPLIT_SHARES = (("train", 60), ("valid", 20), ("test", 20))  # percent, in hash order
DEFAULT_CACHE = os.path.join("out", "arcnn", "chorales.npz")


def split_of(chorale_id: str) -> str:
    """train / valid / test for one chorale, from the first bytes of sha256(id): stable everywhere."""
    bucket = int.from_bytes(hashlib.sha256(chorale_id.encode()).digest()[:4], "big") % 100
    for name, share in SPLIT_SHARES:
        if bucket < share:
            return name
        bucket -= share
    raise AssertionError("split shares must add up to 100")


def chorale_ids() -> list:
    """The corpus names of the 371 chorales of `corpus.chorales.Iterator()` ('bach/bwv269', ...)."""
    from music21 import corpus

    return list(corpus.chorales.Iterator(returnType="filename"))


def score_to_roll(score) -> np.ndarray:
    """All notes of all parts, one step per 16th; a note covers [onset, onset + duration) rounded to steps.
    Grace notes (zero duration) are left out: they have no length in a grid."""
    notes = []
    for element in score.flatten().notes:
        length = float(element.quarterLength)
        if length <= 0:
            continue
        start = int(round(float(element.offset) * STEPS_PER_QUARTER))
        end = max(start + 1, int(round((float(element.offset) + length) * STEPS_PER_QUARTER)))
        for pitch in element.pitches:
            notes.append((start, end, pitch.midi))
    steps = max(end for _, end, _ in notes)
    roll = np.zeros((steps, MIDI_PITCHES), dtype=bool)
    for start, end, midi in notes:
        roll[start:end, midi] = True
    return roll


def first_time_signature(score) -> str:
    signatures = score.flatten().getElementsByClass("TimeSignature")
    return signatures[0].ratioString if len(signatures) else "4/4"


def prepare(path: str) -> None:
    from music21 import corpus

    ids, rolls, signatures = [], [], []
    names = chorale_ids()
    started = time.monotonic()
    for done, name in enumerate(names, 1):
        score = corpus.parse(name)
        ids.append(name)
        rolls.append(score_to_roll(score))
        signatures.append(first_time_signature(score))
        if done % 25 == 0 or done == len(names):
            print(f"parsed {done}/{len(names)} chorales in {time.monotonic() - started:.0f} s", flush=True)
    lengths = np.array([len(r) for r in rolls], dtype=np.int64)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    np.savez_compressed(
        path,
        ids=np.array(ids),
        splits=np.array([split_of(i) for i in ids]),
        time_signatures=np.array(signatures),
        offsets=np.concatenate([[0], np.cumsum(lengths)]),
        rolls=np.packbits(np.concatenate(rolls), axis=1),
    )
    print(f"wrote {path}: {len(ids)} chorales, {lengths.sum()} steps")


def load(path: str = DEFAULT_CACHE) -> dict:
    """{'train': [(id, roll), ...], 'valid': [...], 'test': [...]} from the cache `prepare` wrote."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run `python -m tools.arcnn.data` first")
    cache = np.load(path)
    rolls = np.unpackbits(cache["rolls"], axis=1)[:, :MIDI_PITCHES].astype(bool)
    offsets = cache["offsets"]
    out = {name: [] for name, _ in SPLIT_SHARES}
    for k, (chorale_id, split) in enumerate(zip(cache["ids"], cache["splits"])):
        out[str(split)].append((str(chorale_id), rolls[offsets[k]:offsets[k + 1]]))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_CACHE, help="where to write the cache (default %(default)s)")
    args = parser.parse_args(argv)
    prepare(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Bach chorales as four voices of notes: parse the music21 corpus once, cache it, split it by chorale.

    .venv-train/bin/python -m tools.arcnn.data            # writes out/arcnn/voices.npz (a few minutes)

Each chorale of `corpus.chorales.Iterator()` with exactly four parts (soprano, alto, tenor, bass, top to
bottom as the score orders them) is kept as notes (voice, start step, end step, MIDI pitch), one step per
16th note, ties joined, so a repeated note stays two notes. The split is the one the earlier binary-roll
AR-CNN used, decided by a hash of the chorale's corpus name: it never changes between runs or machines and
no test chorale can drift into training.
"""

import argparse
import hashlib
import os
import sys
import time

import numpy as np

STEPS_PER_QUARTER = 4  # 16th notes
VOICE_COUNT = 4
SPLIT_SHARES = (("train", 60), ("valid", 20), ("test", 20))  # percent, in hash order
DEFAULT_CACHE = os.path.join("out", "arcnn", "voices.npz")


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


def part_notes(part) -> list:
    """(start step, end step, MIDI pitch) of one part, ties joined; of a chord, its top note; grace notes
    (no length on a grid) left out."""
    notes = []
    for element in part.stripTies().flatten().notes:
        length = float(element.quarterLength)
        if length <= 0:
            continue
        start = int(round(float(element.offset) * STEPS_PER_QUARTER))
        end = max(start + 1, int(round((float(element.offset) + length) * STEPS_PER_QUARTER)))
        notes.append((start, end, max(p.midi for p in element.pitches)))
    return notes


def score_voices(score):
    """The four parts' notes, or None when the score does not have exactly four parts with notes."""
    parts = [part_notes(part) for part in score.parts]
    parts = [notes for notes in parts if notes]
    return parts if len(parts) == VOICE_COUNT else None


def prepare(path: str) -> None:
    from music21 import corpus

    ids, rows, skipped = [], [], []
    names = chorale_ids()
    started = time.monotonic()
    for done, name in enumerate(names, 1):
        voices = score_voices(corpus.parse(name))
        if voices is None:
            skipped.append(name)
        else:
            for voice, notes in enumerate(voices):
                rows.extend((len(ids), voice, start, end, midi) for start, end, midi in notes)
            ids.append(name)
        if done % 25 == 0 or done == len(names):
            print(f"parsed {done}/{len(names)} chorales in {time.monotonic() - started:.0f} s", flush=True)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    np.savez_compressed(path, ids=np.array(ids), splits=np.array([split_of(i) for i in ids]),
                        notes=np.array(rows, dtype=np.int32).reshape(-1, 5))
    print(f"wrote {path}: {len(ids)} four-part chorales, {len(rows)} notes; "
          f"{len(skipped)} left out (not four parts): {' '.join(skipped)}")


class Chorale:
    """One chorale: its corpus name and its notes per voice, as (start step, end step, MIDI pitch) lists."""

    def __init__(self, chorale_id: str, voices: list):
        self.id = chorale_id
        self.voices = voices

    @property
    def steps(self) -> int:
        return max(end for notes in self.voices for _, end, _ in notes)

    def classes(self, start: int, steps: int, shift: int = 0) -> np.ndarray:
        """(4, steps) classes of the window [start, start + steps), transposed by `shift` semitones; rests
        past the end. A note that began before the window starts it at its first step."""
        from keycomposer.models.voice_grid import voice_classes

        return np.stack([voice_classes([(max(s - start, 0), e - start, m + shift) for s, e, m in notes
                                        if e > start], steps) for notes in self.voices])

    def pitch_range(self) -> tuple:
        pitches = [m for notes in self.voices for _, _, m in notes]
        return min(pitches), max(pitches)


def load(path: str = DEFAULT_CACHE) -> dict:
    """{'train': [Chorale, ...], 'valid': [...], 'test': [...]} from the cache `prepare` wrote."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run `python -m tools.arcnn.data` first "
                                "(keycomposer train arcnn builds its own)")
    cache = np.load(path)
    rows = cache["notes"]
    out = {name: [] for name, _ in SPLIT_SHARES}
    for k, (chorale_id, split) in enumerate(zip(cache["ids"], cache["splits"])):
        mine = rows[rows[:, 0] == k]
        voices = [[tuple(int(v) for v in row[2:]) for row in mine[mine[:, 1] == voice]]
                  for voice in range(VOICE_COUNT)]
        out[str(split)].append(Chorale(str(chorale_id), voices))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_CACHE, help="where to write the cache (default %(default)s)")
    args = parser.parse_args(argv)
    prepare(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def composition_voices(composition):
    """(voices, None) of a piece of the person's: its four highest pitched tracks as soprano, alto, tenor and
    bass (keycomposer.trainers.folder_voices); or (None, reason) when it does not fit."""
    from keycomposer.models.voice_grid import in_range
    from keycomposer.trainers.folder_voices import highest_voices

    voices, found = highest_voices(composition, VOICE_COUNT)
    if voices is None:
        return None, f"{found} pitched tracks with notes; the AR-CNN learns from four voices"
    for notes in voices:
        outside = [pitch for _, _, pitch in notes if not in_range(pitch)]
        if outside:
            return None, f"pitch {outside[0]} is outside the AR-CNN's range (MIDI 28..91)"
    return voices, None

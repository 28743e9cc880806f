"""What the Transformer-XL learns from: windows of transposed melodies, drawn at random for training and
cut in fixed order for validation.

Each example is a random window of one training melody, transposed by a random shift in -5..+6 semitones
(kept inside the pitch tokens), cut into `segments` segments of `segment` tokens that are fed in order with
the memory carried (gradients stop at the memory, as in the paper). Half the examples are classical, half
folk (`classical_share`), so the smaller classical set is not drowned.
"""

import numpy as np

from keycomposer.models.melody_tokens import HIGHEST_PITCH, LOWEST_PITCH, PAD, Melody, encode

TRANSPOSE = (-5, 6)
STYLE_IDS = {"classical": 0, "folk": 1}


def transposed(melody: Melody, rng: np.random.Generator) -> Melody:
    """The melody moved by a random shift in TRANSPOSE, narrowed so every note stays on the pitch tokens."""
    low, high = int(melody.notes[:, 2].min()), int(melody.notes[:, 2].max())
    lowest, highest = max(TRANSPOSE[0], LOWEST_PITCH - low), min(TRANSPOSE[1], HIGHEST_PITCH - high)
    shift = int(rng.integers(lowest, highest + 1)) if lowest <= highest else 0
    notes = melody.notes.copy()
    notes[:, 2] += shift
    return Melody(notes, melody.bars)


def window(tokens, length: int, rng: np.random.Generator) -> np.ndarray:
    """A random run of `length` tokens (padded with PAD where the melody is shorter)."""
    out = np.full(length, PAD, dtype=np.int32)
    start = int(rng.integers(0, max(1, len(tokens) - length + 1)))
    part = tokens[start:start + length]
    out[: len(part)] = part
    return out


class Batches:
    """Random windows of transposed training melodies with their style ids; within a style a melody is drawn
    in proportion to its note count, and a row is classical with probability `classical_share`."""

    def __init__(self, pieces, batch: int, length: int, seed: int, classical_share: float = 0.5):
        self.by_style = {}
        for _, style, melody in pieces:
            self.by_style.setdefault(STYLE_IDS[style], []).append(melody)
        self.weights = {k: np.array([len(m.notes) for m in v], float) / sum(len(m.notes) for m in v)
                        for k, v in self.by_style.items()}
        self.share = classical_share if len(self.by_style) == 2 else None
        self.batch, self.length = batch, length
        self.rng = np.random.default_rng(seed)

    def __next__(self) -> tuple:
        rows, styles = [], []
        for _ in range(self.batch):
            if self.share is None:
                style = next(iter(self.by_style))
            else:
                style = STYLE_IDS["classical"] if self.rng.random() < self.share else STYLE_IDS["folk"]
            melodies = self.by_style[style]
            melody = melodies[self.rng.choice(len(melodies), p=self.weights[style])]
            rows.append(window(encode(transposed(melody, self.rng)), self.length, self.rng))
            styles.append(style)
        return np.stack(rows), np.array(styles, dtype=np.int32)


def fixed_windows(pieces, length: int, limit: int, short_melodies: bool = False) -> tuple:
    """Validation windows: each melody, untransposed, cut into consecutive windows; `limit` of them drawn
    evenly from each style (seed 0), with their style ids. A window under 32 tokens is left out (a short tail
    says too little to score), unless it is a melody's first and `short_melodies` is set (a folder's pieces may
    all be that short)."""
    rows, styles = [], []
    for _, style, melody in pieces:
        tokens = encode(melody)
        for start in range(0, max(1, len(tokens) - 1), length - 1):
            part = tokens[start:start + length]
            if len(part) < min(32, length) and not (short_melodies and start == 0 and len(part) > 1):
                break
            row = np.full(length, PAD, dtype=np.int32)
            row[: len(part)] = part
            rows.append(row)
            styles.append(STYLE_IDS[style])
    if not rows:
        raise ValueError(f"no validation melody has {min(32, length)} tokens to score")
    rows, styles = np.stack(rows), np.array(styles, dtype=np.int32)
    rng = np.random.default_rng(0)
    chosen = []
    present = sorted(set(styles.tolist()))
    for style in present:
        where = np.flatnonzero(styles == style)
        chosen += list(rng.permutation(where)[: limit // len(present)])
    chosen = np.array(sorted(chosen))
    return rows[chosen], styles[chosen]

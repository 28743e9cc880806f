"""What the Transformer-XL being trained writes now: its continuation of one fixed melody, for the live picture.

The network runs as the shipped file will (`TransformerXL.step_ring`, one token at a time with the memory as a
ring), and tokens are drawn by the runtime's own sampler and grammar (`keycomposer.models.txl.generate_tokens`),
with a fixed seed, so the pictures of successive evaluations differ only by what the network learnt.
"""

import numpy as np

from keycomposer.models import melody_tokens as tokens_
from keycomposer.models.txl import DEFAULT_TEMPERATURE, DEFAULT_TOP_P, generate_tokens, prefix_of

GIVEN_BARS, MORE_BARS = 4, 4
SAMPLE_SEED = 0


class TensorFlowStep:
    """`reset()` and `feed(token, style)` over the network's step in TensorFlow, as `keycomposer.models.txl.StepModel`
    does over the TFLite file: the rings live here, the step returns only the new key and value rows."""

    def __init__(self, model):
        import tensorflow as tf

        s = model.shape
        self.memory = s.memory
        specs = [tf.TensorSpec([1], tf.int32)] * 3 + [tf.TensorSpec([s.memory, s.width], tf.float32)] * (2 * s.layers)
        self._step = tf.function(model.step_ring, input_signature=specs)
        self.rings = [np.zeros((s.memory, s.width), np.float32) for _ in range(2 * s.layers)]
        self.reset()

    def reset(self) -> None:
        self.position = 0
        for ring in self.rings:
            ring.fill(0.0)

    def feed(self, token: int, style: int = 0) -> np.ndarray:
        logits, *rows = self._step(np.array([token], np.int32), np.array([self.position], np.int32),
                                   np.array([style], np.int32), *self.rings)
        slot = self.position % self.memory
        for ring, row in zip(self.rings, rows):
            ring[slot] = row.numpy()[0]
        self.position += 1
        return logits.numpy()[0]


def sample_melody(pieces):
    """(id, style id, melody) of the first piece with at least GIVEN_BARS + MORE_BARS bars (else the longest)."""
    from keycomposer.trainers.txl.windows import STYLE_IDS

    long_enough = [p for p in pieces if len(p[2].bars) >= GIVEN_BARS + MORE_BARS]
    piece_id, style, melody = long_enough[0] if long_enough else max(pieces, key=lambda p: len(p[2].bars))
    return piece_id, STYLE_IDS[style], melody


def continuation(step, melody: tokens_.Melody, style: int) -> list:
    """The melody's first GIVEN_BARS bars (part 0) and the step's next MORE_BARS bars (part 1), as
    (start, end, pitch, part) in 16ths from the first bar."""
    given = min(GIVEN_BARS, len(melody.bars))
    end = int(melody.bars[given - 1].sum())
    notes = melody.notes[melody.notes[:, 0] < end].copy()
    notes[:, 1] = np.minimum(notes[:, 1], end - notes[:, 0])
    opening = tokens_.Melody(notes, melody.bars[:given])
    prefix, bar_start = prefix_of(opening)
    grammar = tokens_.Grammar(bar_length=int(opening.bars[-1, 1]))
    for token in prefix:
        grammar.push(token)
    last_onset = int(notes[-1, 0]) if len(notes) else int(melody.bars[0, 0]) - 1
    first_free = int(notes[-1, 0] + notes[-1, 1]) if len(notes) else int(melody.bars[0, 0])
    until = end + MORE_BARS * int(opening.bars[-1, 1])
    generated = generate_tokens(step, prefix, np.random.default_rng(SAMPLE_SEED), grammar, bar_start, first_free,
                                until, style=style, temperature=DEFAULT_TEMPERATURE, top_p=DEFAULT_TOP_P)
    written = tokens_.decode(prefix + generated, bar_start=bar_start).notes
    origin = int(melody.bars[0, 0])
    out = [(int(a) - origin, int(a + n) - origin, int(p), 0) for a, n, p in notes]
    out += [(int(a) - origin, int(min(a + n, until)) - origin, int(p), 1)
            for a, n, p in written if a > last_onset]
    return out

"""What the AR-CNN learns from, the Coconet way: hide some voice cells of an 8-bar window, learn to fill them in.

Each example is an 8-bar window of a training piece (four voices, one class per voice per 16th step:
keycomposer.models.voice_grid), transposed to a random key that fits the range. A share r ~ U(0, 1) of the
alto, tenor and bass cells is masked (Coconet's masks), in 40 % of examples by whole beats (4 steps, the
blocks the sampler rewrites at once), else cell by cell; in 30 % of examples the soprano's cells are masked at
the same rate too (what the sampler does where removal is allowed), and in 20 % the three lower voices are
masked whole (where a harmonization starts). The loss is the cross-entropy of the masked cells, averaged per
example over its masked cells. Shared by `keycomposer train arcnn` and tools/arcnn/train.py; TensorFlow is
passed in or imported inside the functions that need it.
"""

import numpy as np

from keycomposer.models import voice_grid
from keycomposer.trainers.arcnn import chorales as data, network as arcnn_model

STEPS = arcnn_model.STEPS
WINDOW_START_GRID = 4  # windows start on a beat
SOPRANO_MASKED_SHARE = 0.3
WHOLE_VOICES_MASKED_SHARE = 0.2
BEAT_MASKED_SHARE = 0.4  # of all examples: lower voices hidden by whole beats, else by single cells
STEPS_PER_BEAT = 4
LOWEST = voice_grid.LOWEST_PITCH
HIGHEST = voice_grid.LOWEST_PITCH + voice_grid.PITCHES - 1


def key_shifts(chorale) -> np.ndarray:
    """The transpositions -6..+5 that keep the chorale inside the network's pitch range."""
    low, high = chorale.pitch_range()
    return np.arange(max(-6, LOWEST - low), min(5, HIGHEST - high) + 1)


def corruption_mask(rng, steps_sounding: int, steps: int = STEPS) -> np.ndarray:
    """(4, steps) bool: the cells to hide, as the module docstring describes; never past the piece's end."""
    masked = np.zeros((4, steps), dtype=bool)
    draw = rng.random()
    if draw < WHOLE_VOICES_MASKED_SHARE:
        masked[1:] = True
    else:
        rate = rng.random()
        if draw < WHOLE_VOICES_MASKED_SHARE + BEAT_MASKED_SHARE:
            masked[1:] = beat_mask(rng, (3, steps), rate)
        else:
            masked[1:] = rng.random((3, steps)) < rate
        if rng.random() < SOPRANO_MASKED_SHARE:
            masked[0] = rng.random(steps) < rate
    masked[:, steps_sounding:] = False
    if not masked.any():
        masked[1 + rng.integers(3), rng.integers(max(steps_sounding, 1))] = True
    return masked


def beat_mask(rng, shape, rate: float) -> np.ndarray:
    """Whole beats of each voice hidden with probability `rate`, the beats' grid shifted by a random 0..3
    steps: the blocks the sampler rewrites at once (keycomposer.models.arcnn), so it learns to fill them."""
    voices, steps = shape
    offset = int(rng.integers(STEPS_PER_BEAT))
    blocks = rng.random((voices, steps // STEPS_PER_BEAT + 2)) < rate
    return np.repeat(blocks, STEPS_PER_BEAT, axis=1)[:, offset:offset + steps]


class ExampleSampler:
    """Draws (network input, target classes, masked cells) from chorales: (STEPS, inputs), (4, STEPS), (4, STEPS)."""

    def __init__(self, chorales, rng, transpose: bool = True):
        self.rng = rng
        self.chorales = [c for c in chorales if len(key_shifts(c))]
        self.transpose = transpose
        starts = np.array([max(c.steps - STEPS // 2, 0) // WINDOW_START_GRID + 1 for c in self.chorales], float)
        self.weights = starts / starts.sum()

    def example(self):
        chorale = self.chorales[self.rng.choice(len(self.chorales), p=self.weights)]
        start = WINDOW_START_GRID * self.rng.integers(0, max(chorale.steps - STEPS // 2, 0) // WINDOW_START_GRID + 1)
        shift = int(self.rng.choice(key_shifts(chorale))) if self.transpose else 0
        classes = chorale.classes(start, STEPS, shift)
        masked = corruption_mask(self.rng, min(chorale.steps - start, STEPS))
        return voice_grid.network_input(classes, masked), classes, masked

    def batch(self, size):
        examples = [self.example() for _ in range(size)]
        return tuple(np.stack([e[k] for e in examples]) for k in range(3))


def fixed_examples(chorales, count, seed, transpose=False):
    return ExampleSampler(chorales, np.random.default_rng(seed), transpose).batch(count)


def masked_cross_entropy(tf, classes, masked, logits):
    """Per example: mean over its masked cells of -log p(true class). (batch,) tensor."""
    per_cell = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=classes, logits=logits)  # (B, T, 4)
    weight = tf.cast(masked, per_cell.dtype)
    return tf.reduce_sum(per_cell * weight, axis=[1, 2]) / tf.reduce_sum(weight, axis=[1, 2])


def cosine(peak: float, progress: float, floor: float = 0.05) -> float:
    """The learning rate at `progress` (0..1) of the run: cosine decay from `peak` to `floor` x peak."""
    progress = min(max(progress, 0.0), 1.0)
    return peak * (floor + (1 - floor) * 0.5 * (1 + np.cos(np.pi * progress)))


JUDGING = (  # how the card's test figures were read and the music judged
    "figures comes from one reading of the test split with the shipped model; the creative risk, the blocks "
    "Gibbs rewrites and the part-writing rule were chosen on the validation sopranos "
    "(figures.selection_on_valid). The generated music is judged beside Bach's own alto, tenor and bass, on "
    "the test chorales' sopranos and on 30 melodies no training or selection saw "
    "(tools/bench/unseen_melodies.py): the added notes per bar, their mean length and share one step long, "
    "their share in the melody's key, parallel fifths and octaves per 100 moves and voice crossings, each "
    "with the part-writing rule on and off; piano rolls of sample melodies were looked at."
)


def model_card(training: dict) -> dict:
    """The card's fixed parts; convert.py adds file, sha256 and tensors, the benchmark adds figures."""
    settings = training["settings"]
    return {
        "name": "arcnn_bach",
        "technique": ("AR-CNN (DeepComposer's parameters) sampled as Coconet: a convolutional network scores every "
                      "voice's class at every 16th step; blocked Gibbs sampling with an annealed mask fills in the "
                      "alto, tenor and bass under the person's melody"),
        "trained_by": "keycomposer: tools/arcnn/train.py, then tools/arcnn/convert.py",
        "quantization": "full int8 (weights and activations), float32 input and output",
        "grid": {
            "steps": STEPS,
            "steps_per_quarter": data.STEPS_PER_QUARTER,
            "voices": list(voice_grid.VOICES),
            "lowest_pitch": voice_grid.LOWEST_PITCH,
            "pitches": voice_grid.PITCHES,
            "classes": ("per voice per step: 0 rest, 1 + i pitch lowest_pitch + i struck, 1 + pitches + i the same "
                        "pitch held (keycomposer.models.voice_grid)"),
            "input": "(1, steps, 4 * classes + 4): each voice's one-hot class (zeros where masked), then 4 mask flags",
            "output": "(1, steps, 4, classes) logits: a softmax per voice per step",
            "why_this_range": ("The chorales use MIDI 36..88; E1 (28) to G6 (91) lets training transpose almost each "
                               "of them to all 12 keys (shifts -6..+5 that keep it inside) and covers the keyboard's "
                               "C3..G5 with an octave shift either way."),
        },
        "data": training["data"],
        "training": settings,
        "architecture": training["architecture"],
        "sampling": ("keycomposer.models.arcnn: blocked Gibbs with Coconet's annealed mask (share of the written "
                     "voices resampled falls linearly from 100 % to 5 % over 3/4 of the iterations), after the first "
                     "step by whole beats of a voice (blocks of 4 steps on a grid shifted at random, drawn in time "
                     "order), soprano clamped to the person's melody; the part-writing rule: after each draw, a note "
                     "written on either side of a parallel fifth or octave gets another pitch from its first cell's "
                     "softmax, keeping its length. Iterations = Gibbs steps, creative risk = temperature, max notes "
                     "to add = cap on the added voices' notes (the most probable kept), max % removed = share of the "
                     "melody's notes the sampler may rewrite (the least probable under the harmony; 0 by default, the "
                     "melody kept as played). Default creative risk 0.3 and blocks of 4, chosen on the validation "
                     "sopranos: figures.selection_on_valid."),
        "curves": "arcnn_bach_curves.png beside this card",
        "judging": JUDGING,
    }


SAMPLE_ITERATIONS = 30  # Gibbs steps for the picture's harmonization: enough to see voices form, a second or two
SAMPLE_RISK = 0.3  # the shipped default creative risk


def plot_curves(history: list, path: str, sample=None) -> None:
    """The run's picture (keycomposer.trainers.live_picture): its losses and, given, ``sample`` (notes, label)."""
    from keycomposer.trainers import live_picture

    live_picture.save(path, title="AR-CNN (Coconet-style voices)", history=history,
                      panels=[("nats per masked voice cell", ["train_loss", "valid_loss"])], sample=sample)


def harmonization_sample(predict, chorale) -> list:
    """(start, end, MIDI pitch, voice) notes: the chorale's soprano over its first window and the alto, tenor and
    bass that keycomposer.models.arcnn's sampler writes under it with ``predict`` (fixed seed, SAMPLE_ITERATIONS)."""
    from keycomposer.models.arcnn import SamplingSettings, harmonize

    soprano = [(start, min(end, STEPS), pitch) for start, end, pitch in chorale.voices[0] if start < STEPS]
    steps = max(end for _, end, _ in soprano)
    settings = SamplingSettings(iterations=SAMPLE_ITERATIONS, temperature=SAMPLE_RISK, seed=0)
    harmony = harmonize(soprano, steps, predict, settings, window=STEPS)
    return [(start, end, pitch, voice) for voice, notes in enumerate(harmony.voices) for start, end, pitch in notes]

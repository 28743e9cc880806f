"""AR-CNN sampling: edit a piano roll cell by cell the way DeepComposer's AR-CNN does.

Each sampling iteration flips one cell of the roll: the network scores every cell, the scores are divided by
the creative risk (temperature), cells the budgets forbid are masked, and one cell is drawn from the softmax
of the rest. One network call serves `flips_per_pass` iterations (cells drawn without replacement). The budgets, as in DeepComposer, count cells of the 16th-note roll:

- an empty cell switched on is a note added (at most `max_notes_to_add`);
- a cell of the input switched off is a note removed (at most `max_remove_percent` of the input's cells);
- undoing either (switching an added cell off, a removed cell back on) gives the budget back.

The network sees 8 bars (128 steps) of the pitches its card names. A longer piece is edited window by window:
each window after the first overlaps the edited part before it by `OVERLAP_STEPS`, reads that part as
context without changing it, and gets the iterations and the add budget pro rata to the steps it edits, so a
16-bar piece gets about twice the edits of an 8-bar one. A shorter piece is edited as one padded window with
the full parameters and comes back at its own length. Notes outside the model's pitch range pass through.

Rolls here are numpy arrays (time steps, 128 MIDI pitches), one step per 16th note, True where a note sounds.
"""

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from keycomposer.models import runtime

MODEL_NAME = "arcnn_bach"
MIDI_PITCHES = 128
OVERLAP_STEPS = 32  # two bars of context carried into the next window
STEPS_PER_BEAT = 4
Predict = Callable[[np.ndarray], np.ndarray]  # (steps, pitches) bool -> (steps, pitches) logits


@dataclass(frozen=True)
class SamplingSettings:
    """DeepComposer's four AR-CNN parameters, its defaults, and a seed (same seed, same result)."""

    max_notes_to_add: int = 500
    max_remove_percent: float = 100.0
    iterations: int = 100
    temperature: float = 1.0  # "creative risk"
    seed: Optional[int] = None
    # Cells flipped per network call. DeepComposer flips one; two halve the time of a generation, and the
    # benchmark (tools/bench/arcnn_bench.py) shows the same quality: see the model card's figures.
    flips_per_pass: int = 2

    def __post_init__(self):
        if not isinstance(self.max_notes_to_add, int) or self.max_notes_to_add < 0:
            raise ValueError(f"max_notes_to_add must be a whole number >= 0, got {self.max_notes_to_add!r}")
        if not 0 <= self.max_remove_percent <= 100:
            raise ValueError(f"max_remove_percent must be in 0..100, got {self.max_remove_percent!r}")
        if not isinstance(self.iterations, int) or self.iterations < 0:
            raise ValueError(f"iterations must be a whole number >= 0, got {self.iterations!r}")
        if not (isinstance(self.temperature, (int, float)) and math.isfinite(self.temperature) and self.temperature > 0):
            raise ValueError(f"temperature (creative risk) must be a number > 0, got {self.temperature!r}")
        if not isinstance(self.flips_per_pass, int) or self.flips_per_pass < 1:
            raise ValueError(f"flips_per_pass must be a whole number >= 1, got {self.flips_per_pass!r}")


def edit_roll(
    roll: np.ndarray,
    predict: Predict,
    settings: SamplingSettings,
    lowest_pitch: int,
    pitches: int,
    steps: int = 128,
) -> np.ndarray:
    """The roll after AR-CNN sampling with `predict` (a network over (steps, pitches) windows of the pitch
    range starting at `lowest_pitch`). Returns a new (time, 128) bool array; the input is not changed."""
    roll = _checked_roll(roll)
    if lowest_pitch < 0 or pitches < 1 or lowest_pitch + pitches > MIDI_PITCHES:
        raise ValueError(f"pitch range {lowest_pitch}..{lowest_pitch + pitches - 1} is not inside MIDI 0..127")
    result = roll.copy()
    length = len(roll)
    if length == 0:
        return result
    rng = np.random.default_rng(settings.seed)
    band = result[:, lowest_pitch:lowest_pitch + pitches]  # a view: edits land in `result`
    edited_until = 0
    for start in window_starts(length, steps):
        first_editable = max(start, edited_until)
        end = min(start + steps, length)
        share = 1.0 if edited_until == 0 else (end - first_editable) / steps
        window = np.zeros((steps, pitches), dtype=bool)
        window[:end - start] = band[start:end]
        editable = np.zeros((steps, pitches), dtype=bool)
        editable[first_editable - start:end - start] = True
        edited = _sample_window(
            window,
            editable,
            predict,
            settings,
            iterations=round(settings.iterations * share),
            max_add=round(settings.max_notes_to_add * share),
            rng=rng,
        )
        band[first_editable:end] = edited[first_editable - start:end - start]
        edited_until = end
    return result


def window_starts(length: int, steps: int = 128) -> list:
    """Where each window begins: every steps - OVERLAP_STEPS, the last one as near the end of the piece as
    a beat allows (the network was trained on windows that start on a beat)."""
    if length <= steps:
        return [0]
    hop = steps - OVERLAP_STEPS
    last = -(-(length - steps) // STEPS_PER_BEAT) * STEPS_PER_BEAT  # rounded up: the window may overhang
    return list(range(0, last, hop)) + [last]


def _sample_window(window, editable, predict, settings, iterations, max_add, rng) -> np.ndarray:
    """Flips `iterations` cells of `window` (fewer if the budgets run out), only where `editable`.

    Drawing uses the Gumbel-max trick: argmax(logits / T + Gumbel noise) over the allowed cells is a draw
    from their softmax, and later draws of the same pass, from the same noise over the cells still allowed,
    sample without replacement, so a pass never flips one cell twice."""
    state = window.copy()
    addable = editable & ~window  # empty in the input: switching one on adds a note
    removable = editable & window  # a note of the input: switching it off removes one
    max_remove = math.floor(settings.max_remove_percent / 100 * np.count_nonzero(removable))
    added = removed = 0
    flips_left = iterations
    while flips_left > 0:
        logits = np.asarray(predict(state), dtype=np.float64).reshape(state.shape)
        scores = logits / settings.temperature - np.log(rng.standard_exponential(size=state.shape))  # + Gumbel(0, 1)
        drawn = np.zeros_like(state)
        for _ in range(min(settings.flips_per_pass, flips_left)):
            undo = (addable & state) | (removable & ~state)  # undoing an edit gives its budget back
            allowed = undo
            if added < max_add:
                allowed = allowed | (addable & ~state)
            if removed < max_remove:
                allowed = allowed | (removable & state)
            if not allowed.any():
                return state  # the budgets forbid every edit: nothing more can change
            allowed &= ~drawn
            if not allowed.any():
                break  # only this pass's own flips could be undone: score the roll again first
            cell = int(np.argmax(np.where(allowed, scores, -np.inf)))
            drawn.flat[cell] = True
            on = not state.flat[cell]
            state.flat[cell] = on
            if addable.flat[cell]:
                added += 1 if on else -1
            else:
                removed += -1 if on else 1
            flips_left -= 1
    return state


def _checked_roll(roll) -> np.ndarray:
    roll = np.asarray(roll)
    if roll.ndim != 2 or roll.shape[1] != MIDI_PITCHES:
        raise ValueError(f"a piano roll must be (time steps, {MIDI_PITCHES} pitches), got shape {roll.shape}")
    if roll.dtype != bool:
        if not np.isin(roll, (0, 1)).all():
            raise ValueError("a piano roll must hold only 0/1 or True/False")
        roll = roll.astype(bool)
    return roll


class ArcnnBach:
    """The shipped Bach-chorale AR-CNN: `edit(roll, settings)` returns the edited roll."""

    def __init__(self, model: "runtime.TFLiteModel"):
        roll = model.card["roll"]
        self.model = model
        self.steps = int(roll["steps"])
        self.lowest_pitch = int(roll["lowest_pitch"])
        self.pitches = int(roll["pitches"])

    @classmethod
    def load(cls, folder=None, runtime_name=None, threads: int = runtime.DEFAULT_THREADS) -> "ArcnnBach":
        return cls(runtime.load_model(MODEL_NAME, folder=folder, runtime=runtime_name, threads=threads))

    def logits(self, window: np.ndarray) -> np.ndarray:
        """The network's flip logits for one (steps, pitches) window."""
        x = window.astype(np.float32).reshape(1, self.steps, self.pitches, 1)
        return self.model(x).reshape(self.steps, self.pitches)

    def edit(self, roll: np.ndarray, settings: SamplingSettings = SamplingSettings()) -> np.ndarray:
        return edit_roll(roll, self.logits, settings, self.lowest_pitch, self.pitches, self.steps)

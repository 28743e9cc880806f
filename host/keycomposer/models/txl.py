"""Transformer-XL continuation: extend a composition by up to 30 s in the style of the classical corpus.

DeepComposer's recipe: the input becomes performance events (`performance_events`), its last 100 tokens
are the prefix, then tokens are drawn one by one (nucleus sampling, p 0.95, temperature 0.95 by default)
until the continuation lasts the asked time. The shipped TFLite file is a one-token step: it takes the
token, how many tokens came before it (its position), and each layer's keys and values of the last `memory`
tokens kept as a ring (token t's row in slot t mod memory), and returns the logits and only this token's
key and value rows. `StepModel` owns the rings and writes those rows in, so no step recomputes or copies
the past.

Input rules: drum tracks and notes outside 21..108 (the 88 keys the vocabulary knows) are dropped; an input
with nothing left is an error. The continuation is a new track with the program and channel of the input's
main track (the one with the most notes), starting where the input's last note ends.
"""

from __future__ import annotations

import numpy as np

from keycomposer.models import performance_events as events
from keycomposer.models.runtime import ModelFileError, TFLiteModel, load_model
from keycomposer.music.composition import Composition

MODEL_NAME = "txl_classical"
PREFIX_TOKENS = 100
MAX_SECONDS = 30.0
MAX_TOKENS = 4000  # stops a model that never moves time on (about 2.5 times DeepComposer's 1500)
DEFAULT_TEMPERATURE = 0.95
DEFAULT_TOP_P = 0.95
NEVER_SAMPLED = (events.START, events.PAD)


class ContinuationError(ValueError):
    """The input or the options cannot be continued; the message says which and why."""


class StepModel:
    """The TFLite step with its memory: `feed(token)` returns that token's logits over the next token.
    Each layer's keys and values live in a preallocated ring; `position` counts the tokens fed so far."""

    def __init__(self, model: TFLiteModel):
        self.model = model
        card = model.card
        try:
            tensors = card["tensors"]
            self.memory = int(card["shape"]["memory"])
            self.width = int(card["shape"]["width"])
            self.layers = int(card["shape"]["layers"])
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"model card of {card.get('name', '?')!r} lacks the step's tensors or shape: {error}") from error
        self._input_order = self._order(model.inputs, [t["name"] for t in tensors["inputs"]], "input")
        self._output_order = self._order(model.outputs, [t["name"] for t in tensors["outputs"]], "output")
        rows = [tuple(model.outputs[i]["shape"]) for i in self._output_order[1:]]
        if len(rows) != 2 * self.layers or any(r != (1, self.width) for r in rows):
            raise ModelFileError(
                f"{card.get('name', '?')!r} is not a ring step: it should return the logits and, per layer, one key row "
                f"and one value row of shape (1, {self.width}); it returns {rows}"
            )
        self.rings = [np.zeros((self.memory, self.width), np.float32) for _ in range(2 * self.layers)]
        self.reset()

    @staticmethod
    def _order(details, names, what):
        """Position in the interpreter's list of each tensor the card names, in the card's order."""
        found = [d["name"] for d in details]
        try:
            return [found.index(name) for name in names]
        except ValueError as error:
            raise ModelFileError(f"the model's {what} tensors {found} do not match its card's {names}") from error

    def reset(self) -> None:
        """Forget the past. Slots not yet written are masked by the step, but zeroing them keeps each run
        bit for bit the same whatever came before."""
        self.position = 0
        for ring in self.rings:
            ring.fill(0.0)

    def feed(self, token: int) -> np.ndarray:
        card_inputs = [np.array([token], np.int32), np.array([self.position], np.int32), *self.rings]
        arrays = [None] * len(card_inputs)
        for card_position, interpreter_position in enumerate(self._input_order):
            arrays[interpreter_position] = card_inputs[card_position]
        results = self.model(*arrays)
        slot = self.position % self.memory
        for ring, output in zip(self.rings, self._output_order[1:]):
            ring[slot] = results[output][0]
        self.position += 1
        return results[self._output_order[0]][0]


def load_step_model(name: str = MODEL_NAME, folder=None, runtime=None, threads: int = 1) -> StepModel:
    """The shipped step model, checked against its card (ModelNotTrained when the project has none)."""
    return StepModel(load_model(name, folder=folder, runtime=runtime, threads=threads))


def sample_token(logits, rng: np.random.Generator, temperature=DEFAULT_TEMPERATURE, top_k=None, top_p=DEFAULT_TOP_P) -> int:
    """One token drawn from softmax(logits / temperature), restricted to the top_k most likely tokens and to
    the smallest set whose probability reaches top_p (nucleus). Start and pad are never drawn."""
    scaled = np.asarray(logits, np.float64) / temperature
    scaled[list(NEVER_SAMPLED)] = -np.inf
    order = np.argsort(-scaled, kind="stable")
    if top_k is not None:
        order = order[:top_k]
    chosen = scaled[order]
    probabilities = np.exp(chosen - chosen.max())
    probabilities /= probabilities.sum()
    if top_p is not None and top_p < 1.0:
        keep = int(np.searchsorted(np.cumsum(probabilities), top_p) + 1)
        order, probabilities = order[:keep], probabilities[:keep] / probabilities[:keep].sum()
    return int(order[rng.choice(len(order), p=probabilities)])


def _check_options(seconds, tokens, temperature, top_k, top_p):
    if tokens is None:
        if not 0 < seconds <= MAX_SECONDS:
            raise ContinuationError(f"seconds must be in range (0, {MAX_SECONDS:g}], got {seconds}")
    elif not isinstance(tokens, int) or not 1 <= tokens <= MAX_TOKENS:
        raise ContinuationError(f"tokens must be an integer in range 1..{MAX_TOKENS}, got {tokens!r}")
    if not temperature > 0:
        raise ContinuationError(f"temperature must be above 0, got {temperature}")
    if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
        raise ContinuationError(f"top_k must be a whole number of at least 1, got {top_k!r}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ContinuationError(f"top_p must be in range (0, 1], got {top_p}")


def prefix_tokens(composition: Composition, length: int = PREFIX_TOKENS) -> list[int]:
    """The input's last `length` event tokens (with the start token when the whole input fits)."""
    notes = events.composition_notes(composition)
    if len(notes) == 0:
        raise ContinuationError("the input has no notes to continue (drum tracks do not count)")
    on_keys = (notes[:, 2] >= events.LOWEST_PITCH) & (notes[:, 2] <= events.HIGHEST_PITCH)
    if not on_keys.any():
        raise ContinuationError(
            f"every note of the input lies outside MIDI {events.LOWEST_PITCH}..{events.HIGHEST_PITCH}, the 88 keys the model knows"
        )
    tokens = events.encode_notes(notes[on_keys], start_token=True)
    return tokens if len(tokens) <= length else tokens[-length:]


def generate_tokens(step: StepModel, prefix, rng, seconds=None, tokens=None, **sampling) -> list[int]:
    """Tokens after the prefix: `tokens` of them, or until their time shifts add up to `seconds`."""
    step.reset()
    logits = None
    for token in prefix:
        logits = step.feed(token)
    out: list[int] = []
    elapsed_steps = 0
    limit = tokens if tokens is not None else MAX_TOKENS
    target_steps = None if seconds is None else int(round(seconds / events.GRID_SECONDS))
    while len(out) < limit:
        token = sample_token(logits, rng, **sampling)
        if token in events.TIME_SHIFT:
            elapsed_steps += token - events.TIME_SHIFT.first + 1
            if target_steps is not None and elapsed_steps >= target_steps:
                out.append(events.TIME_SHIFT.first + (token - events.TIME_SHIFT.first) - (elapsed_steps - target_steps))
                break
        out.append(token)
        if len(out) < limit:
            logits = step.feed(token)
    return out


def _main_track(composition: Composition):
    tracks = [t for t in composition.tracks if not t.is_drum and t.notes]
    return max(tracks, key=lambda t: len(t.notes))


def continue_composition(
    composition: Composition,
    seconds: float = MAX_SECONDS,
    tokens: int | None = None,
    temperature: float = DEFAULT_TEMPERATURE,
    top_k: int | None = None,
    top_p: float | None = DEFAULT_TOP_P,
    seed: int | None = None,
    step: StepModel | None = None,
) -> Composition:
    """The composition with a continuation track appended: `seconds` more music (at most 30), or exactly
    `tokens` generated events when given. Same seed, same input, same model: same result."""
    _check_options(seconds, tokens, temperature, top_k, top_p)
    prefix = prefix_tokens(composition)
    step = step or load_step_model()
    rng = np.random.default_rng(seed)
    generated = generate_tokens(
        step, prefix, rng, seconds=None if tokens is not None else seconds, tokens=tokens,
        temperature=temperature, top_k=top_k, top_p=top_p,
    )
    velocity = [t for t in prefix if t in events.VELOCITY][-1:]  # the velocity in force where the input ends
    notes = events.decode_tokens(velocity + generated)
    if seconds is not None and tokens is None and len(notes):
        notes[:, 1] = np.minimum(notes[:, 1], max(seconds, events.GRID_SECONDS))
        notes = notes[notes[:, 1] > notes[:, 0]]
    offset = events.composition_notes(composition)[:, 1].max()
    offset = round(offset / events.GRID_SECONDS) * events.GRID_SECONDS
    main = _main_track(composition)
    track = events.notes_to_track(
        composition, notes, offset_seconds=offset, program=main.program, channel=main.channel, name="Transformer-XL continuation"
    )
    return composition.with_tracks(composition.tracks + (track,))

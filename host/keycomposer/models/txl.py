"""Transformer-XL continuation: extend a melody by up to 30 s, in its meter and key, as a melody.

The input's main track is read as one line on the 16th grid (`melody_line`) and spelled in melody tokens
(`melody_tokens`: bars, positions, pitches, durations; a note carries its own length, so none can be left
sounding). Its last PREFIX_TOKENS tokens, from a bar line, are the prefix; then tokens are drawn one by one
(nucleus sampling) among those the token grammar allows: positions rise inside a bar, every bar has the
input's last bar's length (the continuation keeps the meter), and the continuation starts where the input's
last note ends. It stops when the asked time is filled.

The shipped TFLite file is a one-token step: it takes the token, how many tokens came before it (its
position), the style, and each layer's keys and values of the last `memory` tokens kept as a ring (token t's
row in slot t mod memory), and returns the logits and only this token's key and value rows. `StepModel`
owns the rings and writes those rows in, so no step recomputes or copies the past.

The continuation is a new track with the program and channel of the input's main track. `accompanied` puts
the accompaniment GAN under the whole piece (the input's melody and its continuation read as one line).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from keycomposer.models import melody_tokens as tokens_
from keycomposer.models.melody_line import MelodyError, main_track_index, melody_of, notes_to_track
from keycomposer.models.runtime import ModelFileError, TFLiteModel, load_model
from keycomposer.music.composition import Composition

MODEL_NAME = "txl_melody"
STYLES = ("classical", "folk")  # the style ids the model was trained with, in order
PREFIX_TOKENS = 240
MAX_SECONDS = 30.0
MAX_TOKENS = 3000  # a guard: 30 s of 32nd-note-dense melody is about 1,000 tokens
DEFAULT_TEMPERATURE = 0.7  # chosen on the validation melodies among 0.5, 0.7 and 0.9 (tools/bench/txl_bench.py)
DEFAULT_TOP_P = 0.95


class ContinuationError(ValueError):
    """The input or the options cannot be continued; the message says which and why."""


class StepModel:
    """The TFLite step with its memory: `feed(token, style)` returns that token's logits over the next token.
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

    def feed(self, token: int, style: int = 0) -> np.ndarray:
        card_inputs = [np.array([token], np.int32), np.array([self.position], np.int32), np.array([style], np.int32),
                       *self.rings]
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
    """The shipped step model, checked against its card (ModelNotTrained when the project has none). It runs
    on the built-in kernels, so the same seed gives the same continuation in ai-edge-litert and tflite-runtime."""
    return StepModel(load_model(name, folder=folder, runtime=runtime, threads=threads, same_in_every_runtime=True))


def sample_token(logits, rng: np.random.Generator, allowed=None, temperature=DEFAULT_TEMPERATURE, top_k=None,
                 top_p=DEFAULT_TOP_P) -> int:
    """One token drawn from softmax(logits / temperature) over the `allowed` tokens (default: all but start
    and pad), restricted to the top_k most likely and to the smallest set whose probability reaches top_p."""
    scaled = np.asarray(logits, np.float64) / temperature
    if allowed is None:
        allowed = np.ones(len(scaled), dtype=bool)
        allowed[[tokens_.START, tokens_.PAD]] = False
    scaled = np.where(allowed, scaled, -np.inf)
    order = np.argsort(-scaled, kind="stable")[: int(allowed.sum())]
    if top_k is not None:
        order = order[:top_k]
    chosen = scaled[order]
    probabilities = np.exp(chosen - chosen.max())
    probabilities /= probabilities.sum()
    if top_p is not None and top_p < 1.0:
        keep = int(np.searchsorted(np.cumsum(probabilities), top_p) + 1)
        order, probabilities = order[:keep], probabilities[:keep] / probabilities[:keep].sum()
    return int(order[rng.choice(len(order), p=probabilities)])


def _check_options(seconds, temperature, top_k, top_p, style):
    if not 0 < seconds <= MAX_SECONDS:
        raise ContinuationError(f"seconds must be in range (0, {MAX_SECONDS:g}], got {seconds}")
    if not temperature > 0:
        raise ContinuationError(f"temperature must be above 0, got {temperature}")
    if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
        raise ContinuationError(f"top_k must be a whole number of at least 1, got {top_k!r}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ContinuationError(f"top_p must be in range (0, 1], got {top_p}")
    if style not in STYLES:
        raise ContinuationError(f"style must be one of {', '.join(STYLES)}, got {style!r}")


def read_melody(composition: Composition) -> tokens_.Melody:
    """The input's melody on the grid, or ContinuationError saying why there is none."""
    try:
        melody = melody_of(composition)
    except MelodyError as error:
        raise ContinuationError(str(error)) from error
    pitches = melody.notes[:, 2]
    if pitches.min() < tokens_.LOWEST_PITCH or pitches.max() > tokens_.HIGHEST_PITCH:
        raise ContinuationError(f"the melody goes outside MIDI {tokens_.LOWEST_PITCH}..{tokens_.HIGHEST_PITCH} "
                                f"(it spans {pitches.min()}..{pitches.max()}), the range the model knows")
    return melody


def prefix_of(melody: tokens_.Melody, length: int = PREFIX_TOKENS) -> tuple:
    """(tokens, first bar's start): the melody's tokens from the earliest bar line that leaves at most `length`
    of them (the start token too when the whole melody fits)."""
    tokens = tokens_.encode(melody, start_token=True)
    if len(tokens) <= length:
        return tokens, int(melody.bars[0, 0])
    bar_at = [i for i, t in enumerate(tokens) if t in tokens_.BAR]
    first = next((i for i in bar_at if len(tokens) - i <= length), bar_at[-1])
    bars_before = bar_at.index(first)
    return tokens[first:], int(melody.bars[bars_before, 0])


def generate_tokens(step: StepModel, prefix, rng, grammar: tokens_.Grammar, bar_start: int, first_free: int,
                    until: int, style: int = 0, **sampling) -> list[int]:
    """Tokens after the prefix until the music reaches 16th `until` (a bar or a note starting there ends it).
    `first_free`: the first 16th after the input's last note; the grammar holds the prefix's state."""
    step.reset()
    logits = None
    for token in prefix:
        logits = step.feed(token, style)
    lengths = [tokens_.BAR.value(t) for t in prefix if t in tokens_.BAR]
    bar = bar_start + sum(lengths[:-1])  # where the bar the prefix ends in starts
    out: list[int] = []
    while len(out) < MAX_TOKENS:
        allowed = grammar.allowed()
        # a new note may start only after the input's last note has ended
        allowed[tokens_.POS.first:tokens_.POS.first + max(0, min(first_free - bar, tokens_.MAX_BAR))] = False
        token = sample_token(logits, rng, allowed, **sampling)
        if token in tokens_.BAR:
            bar += grammar.length  # the bar the grammar is in ends here
            if bar >= until:
                break
        elif token in tokens_.POS and bar + tokens_.POS.value(token) >= until:
            break
        grammar.push(token)
        out.append(token)
        logits = step.feed(token, style)
    return out


def continue_composition(
    composition: Composition,
    seconds: float = MAX_SECONDS,
    temperature: float = DEFAULT_TEMPERATURE,
    top_k: int | None = None,
    top_p: float | None = DEFAULT_TOP_P,
    seed: int | None = None,
    style: str = "classical",
    step: StepModel | None = None,
) -> Composition:
    """The composition with a continuation track appended: `seconds` more music (at most 30) after the input's
    last note. Same seed, same input, same model: same result."""
    _check_options(seconds, temperature, top_k, top_p, style)
    melody = read_melody(composition)
    prefix, bar_start = prefix_of(melody)
    step = step or load_step_model()
    rng = np.random.default_rng(seed)
    grammar = tokens_.Grammar(bar_length=int(melody.bars[-1, 1]))
    for token in prefix:
        grammar.push(token)
    last_onset = int(melody.notes[-1, 0])
    first_free = int(melody.notes[-1, 0] + melody.notes[-1, 1])
    bpm = composition.tempos[-1].bpm
    until = first_free + max(1, int(round(seconds * bpm / 60 * 4)))
    generated = generate_tokens(step, prefix, rng, grammar, bar_start, first_free, until,
                                style=STYLES.index(style), temperature=temperature, top_k=top_k, top_p=top_p)
    whole = tokens_.decode(prefix + generated, bar_start=bar_start)
    notes = whole.notes[whole.notes[:, 0] > last_onset].copy()
    notes[:, 1] = np.minimum(notes[:, 1], until - notes[:, 0])
    main = composition.tracks[main_track_index(composition)]
    track = notes_to_track(composition, notes, program=main.program, channel=main.channel,
                           name="Transformer-XL continuation")
    return composition.with_tracks(composition.tracks + (track,))


def accompanied(result: Composition, style: str, seed: int | None) -> Composition:
    """`result` (a continued composition: the continuation is its last track) with the accompaniment GAN's parts
    of `style` under the input's melody and the continuation together, read as one line (top notes)."""
    from keycomposer.models.gan import accompany

    main = result.tracks[main_track_index(result.with_tracks(result.tracks[:-1]))]
    line = replace(main, notes=main.notes + result.tracks[-1].notes, name="melody and continuation")
    with_parts = accompany(result.with_tracks((line,) + result.tracks), style=style, seed=seed or 0, chords="top")
    return result.with_tracks(result.tracks + with_parts.tracks[len(result.tracks) + 1:])

"""AR-CNN sampling, Coconet's way: blocked Gibbs with an annealed mask over four voices under the melody.

The network (models_tflite/arcnn_bach) reads four voices on a 16th-note grid (keycomposer.models.voice_grid)
with some cells masked and gives, for every voice at every step, a softmax over rest, struck pitch and held
pitch. The person's melody is the soprano. Sampling (Huang et al. 2017, "Counterpoint by Convolution"):

- the cells to write are the alto, tenor and bass under the melody, plus, where removal is allowed, the
  melody notes the network finds least likely under the harmony (`max_remove_percent` of them at most: a
  released note may come back as it was);
- Gibbs step n of N masks a random share max(5 %, 1 - n / (0.75 N)) of those cells (all of them first),
  scores the grid once, and draws each masked cell from its softmax at temperature `temperature` (the
  "creative risk"), in time order, a hold only continuing the pitch just drawn before it, so that notes have
  lengths; a hold that ends up after another pitch is read as a new note. After the first step the cells are
  masked by whole beats of a voice (BLOCK_STEPS, on a grid shifted at random each step): a cell redrawn alone
  inside a note mostly cut it into a one-step fragment. The network was trained on such masks too;
- the part-writing rule, one rule stated here rather than learnt: cells drawn from one network pass do not
  see each other, and made parallel fifths and octaves (about 5 per 100 moves; Bach's chorales about 0).
  After each draw, a note written on either side of a parallel move gets another pitch (or a rest) from its
  first cell's softmax, keeping its length and leaving out the pitches that would make parallels into or
  out of it (`parallel_pitches`);
- at the end, if the added voices hold more than `max_notes_to_add` notes, the least probable (mean log
  probability of their cells when last drawn) become rests.

DeepComposer's four parameters keep their meaning: iterations are Gibbs steps, creative risk is the
temperature, max notes to add caps what is added, max % removed caps how much of the melody may change.
With iterations 0, no notes to add, or no removal, the melody comes back exactly as played.

A piece longer than 8 bars is sampled window by window: each window after the first overlaps the part
before it by OVERLAP_STEPS, reads that part as context without changing it, and gets the iterations and the
add budget pro rata to the steps it writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from keycomposer.models import runtime, voice_grid
from keycomposer.models.voice_grid import CLASSES, PITCHES, REST
from keycomposer.music.voice_leading import is_parallel

MODEL_NAME = "arcnn_bach"
OVERLAP_STEPS = 32  # two bars of context carried into the next window
STEPS_PER_BEAT = 4
SOPRANO = 0
LOWEST_MASK_SHARE = 0.05  # Coconet's annealing: pmin 0.05, pmax 1, over eta = 3/4 of the steps
ANNEALED_PART = 0.75
BLOCK_STEPS = 4  # steps of a voice Gibbs rewrites at once after the first step (a beat; 1 would be Coconet's cells)
Predict = Callable[[np.ndarray], np.ndarray]  # (steps, 4 * CLASSES + 4) float32 -> (steps, 4, CLASSES) logits


@dataclass(frozen=True)
class SamplingSettings:
    """DeepComposer's four AR-CNN parameters and a seed (same seed, same result).

    Removal is off by default (DeepComposer offered 0..100 %): the person's melody comes back as played. The
    creative risk's default, 0.3, was chosen on the validation chorales (the model card's "sampling"): at 1.0
    the added voices break into 16th-note dots (mean length 1.3 sixteenths, 83 % one step long)."""

    max_notes_to_add: int = 500
    max_remove_percent: float = 0.0
    iterations: int = 100
    temperature: float = 0.3  # "creative risk"
    seed: Optional[int] = None

    def __post_init__(self):
        if not isinstance(self.max_notes_to_add, int) or self.max_notes_to_add < 0:
            raise ValueError(f"max_notes_to_add must be a whole number >= 0, got {self.max_notes_to_add!r}")
        if not 0 <= self.max_remove_percent <= 100:
            raise ValueError(f"max_remove_percent must be in 0..100, got {self.max_remove_percent!r}")
        if not isinstance(self.iterations, int) or self.iterations < 0:
            raise ValueError(f"iterations must be a whole number >= 0, got {self.iterations!r}")
        temperature = self.temperature
        if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
            raise ValueError(f"temperature (creative risk) must be a number > 0, got {self.temperature!r}")


@dataclass
class Harmony:
    """What sampling made of a melody: each voice's (start step, end step, MIDI pitch) notes, soprano first,
    and which of the melody's notes (by index in the list given) the soprano keeps as played."""

    voices: list
    kept: list = field(default_factory=list)


def harmonize(melody, steps: int, predict: Predict, settings: SamplingSettings, window: int = 128,
              block_steps: int = BLOCK_STEPS, part_writing: bool = True) -> Harmony:
    """Alto, tenor and bass for `melody` ((start step, end step, MIDI pitch) notes of one voice, `steps` long),
    sampled with `predict`, and the soprano: the melody, with released notes rewritten where removal is allowed.
    Melody notes outside the network's range are kept and not read."""
    melody = [tuple(int(v) for v in note) for note in melody]
    readable = [k for k, (_, _, midi) in enumerate(melody) if voice_grid.in_range(midi)]
    grid = np.zeros((4, steps), dtype=np.int64)
    grid[SOPRANO] = voice_grid.voice_classes([melody[k] for k in readable], steps)
    released = np.zeros(len(melody), dtype=bool)
    if settings.iterations == 0 or steps == 0 or (settings.max_notes_to_add == 0 and settings.max_remove_percent == 0):
        return Harmony([melody, [], [], []], kept=list(range(len(melody))))
    rng = np.random.default_rng(settings.seed)
    written_until = 0
    for start in window_starts(steps, window):
        first = max(start, written_until)
        end = min(start + window, steps)
        share = 1.0 if written_until == 0 else (end - first) / window
        part = np.zeros((4, window), dtype=np.int64)
        part[:, :end - start] = grid[:, start:end]
        writable = np.zeros((4, window), dtype=bool)
        writable[1:, first - start:end - start] = True
        own = [k for k in readable if first <= melody[k][0] < end]
        budget = math.floor(settings.max_remove_percent / 100 * len(own))
        sampler = GibbsSampler(predict, settings.temperature, rng, block_steps, part_writing)
        part = sampler.run(part, writable, round(settings.iterations * share),
                           releasable=[(melody[k][0] - start, melody[k][1] - start) for k in own], budget=budget,
                           max_add=round(settings.max_notes_to_add * share))
        for k, was_released in zip(own, sampler.released):
            released[k] = was_released
        grid[:, first:end] = part[:, first - start:end - start]
        written_until = end
    voices = [voice_grid.class_notes(grid[v]) for v in range(4)]
    rewritten = np.zeros(steps, dtype=bool)
    for k in np.flatnonzero(released):
        rewritten[melody[k][0]:melody[k][1]] = True
    kept = [k for k in range(len(melody)) if not released[k]]
    # The kept notes exactly as played (overlaps and notes out of range included), and what was written
    # where released notes were.
    voices[SOPRANO] = sorted([melody[k] for k in kept] + [n for n in voices[SOPRANO] if rewritten[n[0]]])
    return Harmony(voices, kept=kept)


def window_starts(length: int, steps: int = 128) -> list:
    """Where each window begins: every steps - OVERLAP_STEPS, the last one as near the end of the piece as
    a beat allows (the network was trained on windows that start on a beat)."""
    if length <= steps:
        return [0]
    hop = steps - OVERLAP_STEPS
    last = -(-(length - steps) // STEPS_PER_BEAT) * STEPS_PER_BEAT  # rounded up: the window may overhang
    return list(range(0, last, hop)) + [last]


class GibbsSampler:
    """Blocked Gibbs with an annealed mask over one window's (4, steps) classes (the module docstring)."""

    def __init__(self, predict: Predict, temperature: float, rng, block_steps: int = BLOCK_STEPS,
                 part_writing: bool = True):
        self.predict = predict
        self.temperature = temperature
        self.rng = rng
        self.block_steps = block_steps
        self.part_writing = part_writing
        self.released = []

    def run(self, grid, writable, iterations, releasable=(), budget=0, max_add=None) -> np.ndarray:
        grid = grid.copy()
        writable = writable.copy()
        grid[writable] = REST
        logp = np.zeros(grid.shape)
        self.released = [False] * len(releasable)
        if iterations <= 0 or not writable.any():
            return grid
        for n in range(iterations):
            if n == 1 and budget > 0:
                self._release(grid, writable, releasable, budget)
            share = 1.0 if n == 0 else max(LOWEST_MASK_SHARE, 1.0 - n / (ANNEALED_PART * iterations))
            masked = writable & self._blocks(grid.shape, share) if n else writable.copy()
            if not masked.any():
                continue
            logits = self._logits(grid, masked)
            if n == 0 or self.block_steps > 1:
                self._draw_in_time_order(grid, masked, logits, logp)
                grid[:] = voice_grid.repaired(grid)
            else:
                self._draw(grid, masked, logits, logp)
            if self.part_writing:
                self._redraw_parallels(grid, writable, logits, logp)
        if max_add is not None:
            self._cap_added(grid, writable, logp, max_add)
        return grid

    def _blocks(self, shape, share) -> np.ndarray:
        """(voices, steps) bool: each voice's blocks of `block_steps` chosen with probability `share`, the
        blocks' grid shifted by a random offset, so that a note is redrawn whole more often than cut."""
        voices, steps = shape
        size = self.block_steps
        offset = int(self.rng.integers(size))
        chosen = self.rng.random((voices, steps // size + 2)) < share
        return np.repeat(chosen, size, axis=1)[:, offset:offset + steps]

    def _logits(self, grid, masked) -> np.ndarray:
        scores = np.asarray(self.predict(voice_grid.network_input(grid, masked)), dtype=np.float64)
        return scores.reshape(grid.shape[1], 4, CLASSES).transpose(1, 0, 2) / self.temperature

    def _release(self, grid, writable, releasable, budget):
        """Mask the whole melody once, score its notes under the harmony drawn so far, and let the sampler
        rewrite the `budget` least likely of them."""
        if not releasable:
            return
        masked = np.zeros_like(writable)
        masked[SOPRANO, :] = grid[SOPRANO] != REST
        logits = self._logits(grid, masked)
        logp = _log_softmax(logits[SOPRANO])
        steps = grid.shape[1]
        scores = []
        for start, end in releasable:
            cells = np.arange(max(start, 0), min(end, steps))
            scores.append(np.mean(logp[cells, grid[SOPRANO, cells]]) if len(cells) else np.inf)
        for k in np.argsort(scores, kind="stable")[:budget]:
            start, end = releasable[k]
            writable[SOPRANO, max(start, 0):min(end, steps)] = True
            self.released[k] = True

    def _allowed(self, previous_pitch) -> np.ndarray:
        """(cells, CLASSES) bool: rest and every struck pitch always; a held pitch only after that pitch."""
        allowed = np.zeros((len(previous_pitch), CLASSES), dtype=bool)
        allowed[:, :1 + PITCHES] = True
        sounding = previous_pitch >= 0
        allowed[np.flatnonzero(sounding), 1 + PITCHES + previous_pitch[sounding] - voice_grid.LOWEST_PITCH] = True
        return allowed

    def _draw(self, grid, masked, logits, logp):
        """Every masked cell from its own softmax; a hold whose step before came out another pitch is then
        read as the note starting there (`voice_grid.repaired`)."""
        voice, step = np.nonzero(masked)
        grid[voice, step], logp[voice, step] = _sample(logits[voice, step], self.rng)
        grid[:] = voice_grid.repaired(grid)

    def _draw_in_time_order(self, grid, masked, logits, logp):
        """Each run of masked cells of a voice is drawn from its first cell on, so a hold can continue only
        the pitch drawn just before it; the k-th cells of all runs are drawn together."""
        steps = np.arange(grid.shape[1])
        last_seen = np.maximum.accumulate(np.where(masked, -1, steps), axis=1)
        place = steps - last_seen - 1  # of a masked cell in its run
        for k in range(int(place[masked].max()) + 1 if masked.any() else 0):
            voice, step = np.nonzero(masked & (place == k))
            before = np.where(step > 0, voice_grid.sounding_pitch(grid[voice, step - 1]), -1)
            scores = np.where(self._allowed(before), logits[voice, step], -np.inf)
            grid[voice, step], logp[voice, step] = _sample(scores, self.rng)

    def _redraw_parallels(self, grid, writable, logits, logp):
        """The part-writing rule: cells drawn from one network pass, each unaware of what the others drew, make
        parallel fifths and octaves. For each parallel move, in time order, a note the sampler wrote on either
        side of it is given another pitch (or a rest) from its first cell's softmax, keeping its length and
        leaving out the pitches that would make parallels into or out of it."""
        for _ in range(grid.size):
            lines = voice_grid.sounding_pitch(grid)
            cells = [(at, voice) for step, i, j in parallel_moves(lines) for at in (step, step - 1) for voice in (i, j)
                     if writable[voice, at]]
            if not cells:
                return
            step, voice = min(cells)
            start, end = step, step + 1  # the written cells of the note around it
            while start > 0 and writable[voice, start - 1] and grid[voice, start] > PITCHES \
                    and lines[voice, start - 1] == lines[voice, start]:
                start -= 1
            while end < grid.shape[1] and writable[voice, end] and grid[voice, end] > PITCHES \
                    and lines[voice, end] == lines[voice, step]:
                end += 1
            before = lines[voice, start - 1] if start else -1
            allowed = self._allowed(np.array([before]))[0]  # a hold joins the note before
            forbidden = (parallel_pitches(lines, voice, start, out_of=False)
                         | parallel_pitches(lines, voice, end - 1, into=False))
            allowed[1:1 + PITCHES] &= ~forbidden
            allowed[1 + PITCHES:] &= ~forbidden
            drawn, drawn_logp = _sample(np.where(allowed, logits[voice, start], -np.inf)[None], self.rng)
            grid[voice, start] = drawn[0]
            held = drawn[0] if drawn[0] > PITCHES else drawn[0] + PITCHES
            grid[voice, start + 1:end] = held if drawn[0] != REST else REST
            logp[voice, start:end] = drawn_logp[0]
            grid[:] = voice_grid.repaired(grid)

    @staticmethod
    def _cap_added(grid, writable, logp, max_add):
        """Rests in place of the least probable added notes beyond `max_add` (the melody's are not counted)."""
        notes = [(float(np.mean(logp[voice, start:end])), voice, start, end)
                 for voice in range(1, 4) for start, end, _ in voice_grid.class_notes(grid[voice])
                 if writable[voice, start]]
        if len(notes) <= max_add:
            return
        notes.sort(key=lambda note: -note[0])
        for _, voice, start, end in notes[max_add:]:
            grid[voice, start:end] = REST


def parallel_pitches(lines: np.ndarray, voice: int, step: int, into: bool = True, out_of: bool = True) -> np.ndarray:
    """(PITCHES,) bool: the pitches `voice` may not sound at `step` because with another voice they would move
    in parallel fifths or octaves (voice_leading.is_parallel) into the step or out of it. `lines`: (voices,
    steps) sounding MIDI pitch, -1 at rests (voice_grid.sounding_pitch); the voice's own cell at `step` is not
    read."""
    candidates = np.arange(voice_grid.LOWEST_PITCH, voice_grid.LOWEST_PITCH + PITCHES)
    forbidden = np.zeros(PITCHES, dtype=bool)
    for other in range(len(lines)):
        here = lines[other, step]
        if other == voice or here < 0:
            continue
        if into and step > 0 and min(lines[voice, step - 1], lines[other, step - 1]) >= 0:
            forbidden |= is_parallel(lines[voice, step - 1], lines[other, step - 1], candidates, here)
        if out_of and step + 1 < lines.shape[1] and min(lines[voice, step + 1], lines[other, step + 1]) >= 0:
            forbidden |= is_parallel(candidates, here, lines[voice, step + 1], lines[other, step + 1])
    return forbidden


_PAIRS = np.array([(i, j) for i in range(4) for j in range(i + 1, 4)])


def parallel_moves(lines: np.ndarray) -> list:
    """(step, voice, voice) of every parallel fifth or octave in (4, steps) `lines` whose two voices sound on
    both sides of the move; `step` is the step the move arrives on."""
    a, b = lines[_PAIRS[:, 0]], lines[_PAIRS[:, 1]]
    sounding = (a[:, :-1] >= 0) & (b[:, :-1] >= 0) & (a[:, 1:] >= 0) & (b[:, 1:] >= 0)
    pair, step = np.nonzero(sounding & is_parallel(a[:, :-1], b[:, :-1], a[:, 1:], b[:, 1:]))
    return [(int(t) + 1, int(_PAIRS[k, 0]), int(_PAIRS[k, 1])) for k, t in zip(pair, step)]


def _sample(scores: np.ndarray, rng) -> tuple:
    """One class per row of (cells, CLASSES) `scores` drawn from its softmax (by inverse CDF), and its log
    probability."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    cumulative = np.cumsum(weights, axis=1)
    total = cumulative[:, -1]
    drawn = np.minimum((cumulative < (rng.random(len(total)) * total)[:, None]).sum(axis=1), scores.shape[1] - 1)
    return drawn, shifted[np.arange(len(drawn)), drawn] - np.log(total)


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    top = np.max(scores, axis=-1, keepdims=True)
    shifted = scores - top
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


class ArcnnBach:
    """The shipped Bach-chorale AR-CNN: `harmonize(melody, steps, settings)` samples voices under a melody."""

    def __init__(self, model: "runtime.TFLiteModel"):
        name = model.card.get("name", MODEL_NAME)
        try:  # a card the person's training wrote is read as strictly as the shipped one
            grid = model.card["grid"]
            pitch_range, steps = (grid["lowest_pitch"], grid["pitches"]), int(grid["steps"])
        except (KeyError, TypeError, ValueError) as error:
            raise runtime.ModelFileError(f"model card of {name!r} lacks the grid (lowest_pitch, pitches, steps): "
                                         f"{error}") from error
        if pitch_range != (voice_grid.LOWEST_PITCH, voice_grid.PITCHES):
            raise runtime.ModelFileError(f"{name}: its card's pitch range is not the one this code reads")
        self.model = model
        self.steps = steps

    @classmethod
    def load(cls, folder=None, runtime_name=None, threads: int = runtime.DEFAULT_THREADS,
             name: str = MODEL_NAME) -> "ArcnnBach":
        """The shipped model, or the model ``name`` in ``folder`` (one the person trained), checked alike."""
        return cls(runtime.load_model(name, folder=folder, runtime=runtime_name, threads=threads))

    def logits(self, grid_input: np.ndarray) -> np.ndarray:
        """The network's (steps, 4, CLASSES) logits for one (steps, 4 * CLASSES + 4) input."""
        return self.model(grid_input[None].astype(np.float32)).reshape(self.steps, 4, CLASSES)

    def harmonize(self, melody, steps: int, settings: SamplingSettings = SamplingSettings(),
                  block_steps: int = BLOCK_STEPS, part_writing: bool = True) -> Harmony:
        return harmonize(melody, steps, self.logits, settings, self.steps, block_steps, part_writing)


ADDED_VOICES = voice_grid.VOICES[1:]


def melody_track_index(composition) -> int:
    """The track AR-CNN harmonizes: the first one with notes that is not drums; ValueError when none is."""
    if not composition.tracks or composition.note_count == 0:
        raise ValueError("AR-CNN needs a melody with notes; the input is empty")
    for index, track in enumerate(composition.tracks):
        if track.notes and not track.is_drum:
            return index
    raise ValueError("AR-CNN harmonizes a melody; the input has only drum notes (MIDI channel 10)")


def harmonize_composition(composition, predict: Predict, settings: SamplingSettings, window: int = 128):
    """The composition with alto, tenor and bass tracks (those with notes) added under its melody
    (`melody_track_index`), every other track kept as it was. The melody track keeps the person's notes as
    played; where removal is allowed, the released notes are replaced by what was sampled in their place."""
    from dataclasses import replace

    from keycomposer.music.composition import DRUM_CHANNEL, Note, Track
    from keycomposer.music.pianoroll import tick_to_step

    index = melody_track_index(composition)
    track = composition.tracks[index]
    resolution = composition.resolution
    notes = sorted(track.notes, key=lambda n: (n.start, n.pitch))
    def step(tick):
        return tick_to_step(tick, resolution, STEPS_PER_BEAT)

    steps_of = [(step(n.start), max(step(n.end), step(n.start) + 1), n.pitch) for n in notes]
    steps = max(end for _, end, _ in steps_of)
    harmony = harmonize(steps_of, steps, predict, settings, window)
    velocity = int(np.median([n.velocity for n in notes]))

    def as_notes(voice_notes):
        return tuple(Note(start * resolution // STEPS_PER_BEAT, pitch, (end - start) * resolution // STEPS_PER_BEAT,
                          velocity) for start, end, pitch in voice_notes)

    kept = {steps_of[k] for k in harmony.kept}
    rewritten = [n for n in harmony.voices[SOPRANO] if n not in kept]
    melody = tuple(notes[k] for k in harmony.kept) + as_notes(rewritten)
    tracks = list(composition.tracks)
    tracks[index] = replace(track, notes=tuple(sorted(melody, key=lambda n: (n.start, n.pitch))))
    free = [c for c in range(16) if c != DRUM_CHANNEL and c not in {t.channel for t in tracks}]
    for voice, name in enumerate(ADDED_VOICES, start=1):
        if not harmony.voices[voice]:
            continue  # nothing was added (no iterations, no notes to add): no empty track either
        channel = free[voice - 1] if len(free) >= voice else track.channel
        tracks.append(Track(notes=as_notes(harmony.voices[voice]), program=track.program, channel=channel, name=name))
    return replace(composition, tracks=tuple(tracks))

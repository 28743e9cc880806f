"""How one accompaniment part's probabilities become one voice: the part's decoding, described as data.

The GAN's generator gives, per step, how likely each pitch of a part sounds. Both corpora write every part as
one voice, so a part becomes one pitch or a rest per step (`PartDecoding.voice`):
- a bar where the generator barely hears the part (`bar_presence` under ``bar_rest``) is left silent, as
  string parts sit out whole bars; a per-step threshold alone cannot tell a tacet bar from a quiet one;
- with ``relative``, ``threshold`` and ``bar_rest`` count in the part's level in this melody (`part_level`):
  the generator is surer of itself on some melodies than on others, and a fixed threshold makes a part rest
  more wherever it is less sure overall, rather than where it hears the part less than around it;
- elsewhere, decoder "path": the most likely path through a hidden Markov chain where a step scores p for
  each pitch and ``threshold`` for a rest, and every change of pitch (or between pitch and rest) costs
  ``change_penalty`` nats (`voice_path`);
- or decoder "sample": the voice rests where the most likely pitch is under ``threshold`` and its pitches
  are drawn from such a chain, its weights raised to ``sharpness`` (`voice_sample`), on a grid of ``grain``
  steps (2: the shortest note is an 8th). Where the generator is unsure, its probability spreads over
  several pitches and rhythms: the most likely path then holds one note through them, a drawn voice moves
  about as often as the spread says;
- or decoder "notes": the voice is drawn note by note (`voice_notes`), each note or rest a segment whose
  steps weigh p ** ``sharpness`` for a pitch, ``threshold`` ** ``sharpness`` for a rest; its length and place
  in the bar weigh what they weigh in the style (``note_lengths``, ``rest_lengths``, ``onsets``, raised to
  ``rhythm_weight``), a move from note to note weighs how often the style moves by that interval
  (``intervals``, raised to ``interval_weight``), and each note but a first costs ``change_penalty`` nats.
  Drawn step by step, a voice flickers to a neighbour for one 16th wherever the generator hesitates and leaps
  between the chord tones it favours; drawn note by note, it moves with the style's rhythm and intervals;
- whatever the decoder, ``register`` leans the voice up or down: per step a pitch weighs e ** ``register``
  more for each octave it lies above the part's mean pitch in this melody (`register_bias`). Decoded without
  it, the quartet's cello sat 2.45 semitones under the training quartets' on the validation melodies, where
  the generator's own probability-weighted mean is 0.55 under;
- drawn note by note, ``pace`` makes each note cost more where the melody is calmer than the style's melodies
  (``melody_notes_per_bar``) and less where it is busier: ``pace`` nats per e-fold of the melody's notes per bar
  around the step (`melody_pace`). The generator's output carries the parts' harmony but hardly their rhythm:
  decoded without it, the quartet's parts wrote as many notes under a slow movement's melody as under a fast
  one (slope of a part's notes per bar on the melody's, over 8-bar stretches of the training pieces, 0.02 to
  0.26 where the quartets' own parts have 0.30 to 0.38);
- drawn note by note, ``opening`` makes each note cost that many nats more in the melody's first bar, less and
  less until bar OPENING_BARS (`opening_fade`): a movement's parts start calm and grow busier (the training
  quartets' parts play about 2.3 notes per bar in bars 1 to 4 and reach their whole movements' 3.5 to 4.3 by
  bars 21 to 24; their melodies grow busier less), and a melody someone brings is mostly an opening.
The numbers per part are in the model card, set on validation melodies by tools/gan/calibrate.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from keycomposer.models.bars import COMMON_TIME, STEPS_PER_QUARTER, Bars, meter_name, meter_steps, parse_meter
from keycomposer.music.metrics import line_runs

BAR_STEPS = 16  # the models read 16th notes, 16 of them to a 4/4 bar
REST = -1
DECODERS = ("path", "sample", "notes")
LONGEST = 64  # steps: the longest note or rest the "notes" decoder draws as one (longer ones join)
WIDEST = 24  # semitones: the "notes" decoder weighs moves from -WIDEST to +WIDEST; wider ones as the widest
PACE_WINDOW = 32  # steps: the melody's notes per bar are counted over the 2 bars around each step
CALMEST_PACE = 0.5  # notes per bar: a melody holding one note through the window counts as this calm, not as 0
MINIMUM_LEVEL = 1e-6
OPENING_BARS = 24  # bars over which `opening` fades out: the training quartets' parts are as busy as anywhere by then
RELATIVE_HIGHEST = 10  # a relative threshold or bar level above 10 times the part's level silences it all


@dataclass(frozen=True)
class PartDecoding:
    """How one part becomes one voice (see above): one entry of a card's `decoding` list."""

    threshold: float
    change_penalty: float = 0.0
    bar_rest: float = 0.0
    decoder: str = "path"
    sharpness: float = 1.0
    grain: int = 1  # a drawn voice changes only every `grain` steps: 2 makes its shortest note an 8th
    # The "notes" decoder's rhythm: weights of a note (a rest) lasting 1, 2, ... steps, of a note starting on
    # each 16th of a 4/4 bar (`onsets`) or of a bar of another meter the style has (`meter_onsets`: ("3/4",
    # weights) pairs), and the power they are raised to.
    note_lengths: tuple = ()
    rest_lengths: tuple = ()
    onsets: tuple = ()
    meter_onsets: tuple = ()
    rhythm_weight: float = 1.0
    # ... and of a move from one note to the next by -WIDEST .. +WIDEST semitones (none: every move alike)
    intervals: tuple = ()
    interval_weight: float = 1.0
    # threshold and bar_rest as multiples of the part's level in the melody decoded (`part_level`)
    relative: bool = False
    register: float = 0.0  # nats per octave above the part's mean pitch (`register_bias`)
    # "notes" decoder: nats a note costs more per e-fold the melody around it is calmer than the style's melodies,
    # whose notes per bar are `melody_notes_per_bar` (`melody_pace`)
    pace: float = 0.0
    melody_notes_per_bar: float = 0.0
    opening: float = 0.0  # "notes" decoder: nats a note costs more in the melody's first bar (`opening_fade`)

    def __post_init__(self):
        problems = []
        # A relative threshold may lie above the part's level: it then rests more often than it sounds.
        highest = RELATIVE_HIGHEST if self.relative else 1
        if not 0 < self.threshold <= highest:
            problems.append(f"threshold {self.threshold!r} is not in (0, {highest}]")
        if not self.change_penalty >= 0:
            problems.append(f"change_penalty {self.change_penalty!r} is below 0")
        if not 0 <= self.bar_rest <= highest:
            problems.append(f"bar_rest {self.bar_rest!r} is not in [0, {highest}]")
        if not (isinstance(self.register, (int, float)) and math.isfinite(self.register)):
            problems.append(f"register {self.register!r} is not a finite number")
        if not (isinstance(self.pace, (int, float)) and math.isfinite(self.pace)):
            problems.append(f"pace {self.pace!r} is not a finite number")
        elif self.pace and self.decoder != "notes":
            problems.append("pace follows the melody in the notes decoder only")
        elif self.pace and not (math.isfinite(self.melody_notes_per_bar) and self.melody_notes_per_bar > 0):
            problems.append(f"pace needs the style's melody_notes_per_bar above 0, has {self.melody_notes_per_bar!r}")
        if not (isinstance(self.opening, (int, float)) and math.isfinite(self.opening)):
            problems.append(f"opening {self.opening!r} is not a finite number")
        elif self.opening and self.decoder != "notes":
            problems.append("opening costs notes in the notes decoder only")
        if not isinstance(self.relative, bool):
            problems.append(f"relative {self.relative!r} is not true or false")
        if self.decoder not in DECODERS:
            problems.append(f"decoder {self.decoder!r} is not one of {', '.join(DECODERS)}")
        if not self.sharpness > 0:
            problems.append(f"sharpness {self.sharpness!r} is not above 0")
        if self.grain not in (1, 2, 4):
            problems.append(f"grain {self.grain!r} is not 1, 2 or 4 steps")
        if self.decoder == "notes":
            for name, most in (("note_lengths", LONGEST), ("rest_lengths", LONGEST), ("onsets", BAR_STEPS)):
                weights = getattr(self, name)
                if not 0 < len(weights) <= most or (name == "onsets" and len(weights) != BAR_STEPS):
                    size = f"{BAR_STEPS}" if name == "onsets" else f"1 to {most}"
                    problems.append(f"{name} needs {size} weights, has {len(weights)}")
                elif not all(math.isfinite(w) and w > 0 for w in weights):
                    problems.append(f"{name} weights must all be above 0")
            for name, weights in self.meter_onsets:
                try:
                    steps = meter_steps(parse_meter(name))
                except ValueError as error:
                    problems.append(f"meter_onsets: {error}")
                    continue
                if len(weights) != steps:
                    problems.append(f"meter_onsets {name} needs {steps} weights, has {len(weights)}")
                elif not all(math.isfinite(w) and w > 0 for w in weights):
                    problems.append(f"meter_onsets {name} weights must all be above 0")
            if self.intervals and len(self.intervals) != 2 * WIDEST + 1:
                problems.append(f"intervals needs {2 * WIDEST + 1} weights, has {len(self.intervals)}")
            elif not all(math.isfinite(w) and w > 0 for w in self.intervals):
                problems.append("intervals weights must all be above 0")
            for name in ("rhythm_weight", "interval_weight"):
                if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0):
                    problems.append(f"{name} {getattr(self, name)!r} is below 0")
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def from_card(cls, entry: dict) -> "PartDecoding":
        unknown = set(entry) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown decoding fields {', '.join(sorted(unknown))}")
        try:
            numbers = {name: float(entry[name]) for name in ("threshold", "change_penalty", "bar_rest", "sharpness")
                       if name in entry}
        except (TypeError, ValueError) as error:
            raise ValueError(f"decoding numbers must be numbers: {error}") from None
        if "threshold" not in numbers:
            raise ValueError("a part's decoding needs a threshold")
        grain = entry.get("grain", 1)
        if isinstance(grain, bool) or not isinstance(grain, int):
            raise ValueError(f"grain {grain!r} is not 1, 2 or 4 steps")
        rhythm = {}
        for name in ("note_lengths", "rest_lengths", "onsets", "intervals"):
            if name in entry:
                weights = entry[name]
                if not isinstance(weights, list) or not all(
                        isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights):
                    raise ValueError(f"{name} must be a list of numbers")
                rhythm[name] = tuple(float(w) for w in weights)
        if "meter_onsets" in entry:
            meters = entry["meter_onsets"]
            if not isinstance(meters, dict) or not all(
                    isinstance(weights, list) and all(isinstance(w, (int, float)) and not isinstance(w, bool)
                                                      for w in weights) for weights in meters.values()):
                raise ValueError("meter_onsets must map meters (\"3/4\") to lists of numbers")
            rhythm["meter_onsets"] = tuple((str(name), tuple(float(w) for w in weights))
                                           for name, weights in sorted(meters.items()))
        for name in ("rhythm_weight", "interval_weight", "register", "pace", "melody_notes_per_bar", "opening"):
            if name in entry:
                try:
                    rhythm[name] = float(entry[name])
                except (TypeError, ValueError):
                    raise ValueError(f"{name} {entry[name]!r} is not a number") from None
        return cls(decoder=entry.get("decoder", "path"), grain=grain, relative=entry.get("relative", False),
                   **numbers, **rhythm)

    def to_card(self) -> dict:
        """The card entry `from_card` reads back: a drawn voice's own numbers only where it is drawn."""
        entry = {"decoder": self.decoder, "threshold": round(self.threshold, 6), "change_penalty": self.change_penalty,
                 "bar_rest": round(self.bar_rest, 6)}
        if self.relative:
            entry["relative"] = True
        if self.register:
            entry["register"] = self.register
        if self.decoder == "sample":
            entry.update(sharpness=self.sharpness, grain=self.grain)
        if self.decoder == "notes":
            entry.update(sharpness=self.sharpness, rhythm_weight=self.rhythm_weight,
                         note_lengths=[round(w, 6) for w in self.note_lengths],
                         rest_lengths=[round(w, 6) for w in self.rest_lengths],
                         onsets=[round(w, 6) for w in self.onsets])
            if self.meter_onsets:
                entry["meter_onsets"] = {name: [round(w, 6) for w in weights] for name, weights in self.meter_onsets}
            if self.intervals:
                entry.update(interval_weight=self.interval_weight, intervals=[round(w, 6) for w in self.intervals])
            if self.pace:
                entry.update(pace=self.pace, melody_notes_per_bar=round(self.melody_notes_per_bar, 6))
            if self.opening:
                entry["opening"] = self.opening
        return entry

    def onsets_for(self, meter=COMMON_TIME) -> tuple:
        """The weight of a note starting on each 16th of a bar of ``meter`` ((numerator, denominator)): the
        style's own for 4/4 and the meters in `meter_onsets`; for a meter its pieces never have, each 16th
        weighs what the 4/4 weights say of its place in the quarter note (their mean over the four beats),
        and the bar's first 16th what a 4/4 downbeat weighs."""
        name = meter_name(meter)
        if name == meter_name(COMMON_TIME):
            return self.onsets
        found = dict(self.meter_onsets).get(name)
        if found is not None:
            return found
        in_beat = np.asarray(self.onsets, dtype=np.float64).reshape(-1, STEPS_PER_QUARTER).mean(axis=0)
        weights = np.resize(in_beat, meter_steps(meter))
        weights[0] = self.onsets[0]
        return tuple(float(w) for w in weights)

    def voice(self, probability: np.ndarray, seed=0, melody=None, bars: Bars = Bars()) -> np.ndarray:
        """The part's (steps, pitches) probabilities as one voice: per step a pitch index or REST. A drawn
        voice is drawn from ``seed`` (an int or a tuple of ints): the same seed, the same voice. ``melody`` (per
        step a pitch or REST, at least as many steps) is read for the ``pace``, and before its first note the
        voice rests: there is nothing to accompany yet (no chorale part sings before its soprano, and the
        generator, given no melody, has nothing to write an introduction from). ``bars`` are the melody's
        (`keycomposer.models.bars`): the part sits out whole ones, and its notes start where the style starts
        them in a bar of each one's meter."""
        voice = self._voice(probability, seed, melody, bars)
        if melody is not None:
            sounding = np.flatnonzero(np.asarray(melody)[:len(voice)] >= 0)
            voice[:sounding[0] if len(sounding) else len(voice)] = REST
        return voice

    def _voice(self, probability: np.ndarray, seed, melody, bars) -> np.ndarray:
        note_cost = self.change_penalty
        if self.pace:
            if melody is None:
                raise ValueError("this part's decoding follows the melody's pace: it needs the melody")
            calm = np.log(self.melody_notes_per_bar / melody_pace(np.asarray(melody)[:len(probability)]))
            note_cost = self.change_penalty + self.pace * np.pad(calm, (0, len(probability) - len(calm)))
        if self.opening:
            note_cost = note_cost + self.opening * opening_fade(bars, len(probability))
        level = part_level(probability) if self.relative else 1.0
        threshold, bar_rest = min(1.0, self.threshold * level), self.bar_rest * level
        starts = bars.starts(len(probability))
        quiet = np.repeat(bar_presence(probability, bars) < bar_rest, np.diff(np.append(starts, len(probability))))
        bias = register_bias(probability, self.register) if self.register else None
        probability = np.where(quiet[:, None], 0.0, probability)
        if self.decoder == "path":
            return voice_path(probability, threshold, self.change_penalty, bias)
        if self.decoder == "notes":
            power = self.rhythm_weight
            intervals = np.power(self.intervals, self.interval_weight) if self.intervals else None
            return voice_notes(probability, threshold, np.random.default_rng(seed), self.sharpness,
                               np.power(self.note_lengths, power), np.power(self.rest_lengths, power),
                               np.power(bars.by_place(self.onsets_for, len(probability)), power), intervals, note_cost,
                               bias)
        # Drawn on a coarser grid, each position weighs its steps' mean probabilities.
        steps = len(probability)
        padded = np.zeros((-(-steps // self.grain) * self.grain, probability.shape[1]))
        padded[:steps] = probability
        coarse = padded.reshape(-1, self.grain, probability.shape[1]).mean(axis=1)
        voice = voice_sample(coarse, threshold, self.change_penalty, np.random.default_rng(seed), self.sharpness, bias)
        return np.repeat(voice, self.grain)[:steps]


def voice_roll(voice: np.ndarray, lowest: int) -> np.ndarray:
    """A voice (per step a pitch index in the model's band, or REST) as a (steps, 128) bool roll, the band
    starting at MIDI pitch ``lowest``; pitches outside MIDI's 0..127 are dropped."""
    roll = np.zeros((len(voice), 128), dtype=bool)
    sounding = np.nonzero(voice != REST)[0]
    pitch = voice[sounding] + lowest
    keep = (pitch >= 0) & (pitch <= 127)
    roll[sounding[keep], pitch[keep]] = True
    return roll


def melody_pace(melody: np.ndarray) -> np.ndarray:
    """Per step of a melody (per step a pitch or REST), how many notes per bar it plays around that step: the
    notes starting in the PACE_WINDOW steps centred on it (fewer at its ends, counted over the steps there
    are), per bar, and at least CALMEST_PACE."""
    melody = np.asarray(melody)
    if len(melody) == 0:
        return np.zeros(0)
    starts, _, pitches = line_runs(melody)
    onsets = np.zeros(len(melody), dtype=np.int64)
    onsets[starts[pitches >= 0]] = 1
    before = np.concatenate([[0], np.cumsum(onsets)])
    steps = np.arange(len(melody))
    low = np.maximum(steps - PACE_WINDOW // 2, 0)
    high = np.minimum(steps + PACE_WINDOW // 2, len(melody))
    return np.maximum((before[high] - before[low]) * BAR_STEPS / (high - low), CALMEST_PACE)


def opening_fade(bars: Bars, steps: int) -> np.ndarray:
    """Per step, how much of `opening` a note starting there costs: 1 in the first of ``bars``, 1 - k /
    OPENING_BARS in bar k (from 0), 0 from bar OPENING_BARS on."""
    return np.clip(1.0 - bars.index(steps) / OPENING_BARS, 0.0, 1.0)


def register_bias(probability: np.ndarray, register: float) -> np.ndarray:
    """Per pitch of a part's (steps, pitches) probabilities, the log weight ``register`` leans it by: ``register``
    nats per octave above the part's mean pitch over the whole melody (its probabilities' weighted mean), so
    the voice's register moves while its pitches around that mean keep about the weight they had."""
    pitches = np.arange(probability.shape[1])
    total = probability.sum()
    centre = float((probability.sum(axis=0) * pitches).sum() / total) if total > 0 else (len(pitches) - 1) / 2
    return register * (pitches - centre) / 12


def bar_presence(probability: np.ndarray, bars: Bars = Bars()) -> np.ndarray:
    """How strongly a part sounds in each of ``bars`` over its (steps, pitches) probabilities: the mean over the
    bar's steps of the most likely pitch's probability (a last, partial bar over the steps it has)."""
    if len(probability) == 0:
        return np.zeros(0)
    top = probability.max(axis=1)
    starts = bars.starts(len(top))
    return np.add.reduceat(top, starts) / np.diff(np.append(starts, len(top)))


def part_level(probability: np.ndarray) -> float:
    """How strongly the generator hears a part over a whole melody: the median over its (steps, pitches)
    probabilities' steps of the most likely pitch's probability; a part it gives nothing to has the smallest
    level a threshold can be scaled by."""
    if len(probability) == 0:
        return 1.0
    return max(float(np.median(probability.max(axis=1))), MINIMUM_LEVEL)


def voice_path(probability: np.ndarray, threshold: float, change_penalty: float = 0.0, bias=None) -> np.ndarray:
    """One voice through a part's (steps, pitches) probabilities: per step a pitch index or REST.

    The most likely path (Viterbi) where a step scores log p of its pitch, or log ``threshold`` for a rest, and
    every change of pitch or between pitch and rest costs ``change_penalty`` nats. With no penalty each step
    takes its own most likely pitch if that is above the threshold; a penalty keeps a voice on its note through
    the generator's small step-to-step wobbles, as a singer or a bow would, instead of splitting it into 16ths.
    ``bias`` (per pitch, nats) is added to every step's pitch scores (`register_bias`).
    """
    steps, pitches = probability.shape
    if steps == 0:
        return np.zeros(0, dtype=np.int64)
    score = np.log(np.concatenate([np.clip(probability, 1e-9, 1.0), np.full((steps, 1), float(threshold))], axis=1))
    if bias is not None:
        score[:, :pitches] += bias
    best = score[0].copy()
    came_from = np.zeros((steps, pitches + 1), dtype=np.int64)
    states = np.arange(pitches + 1)
    for step in range(1, steps):
        leader = int(best.argmax())
        switch = best[leader] - change_penalty
        stay = best >= switch  # ties stay: no change without a gain
        came_from[step] = np.where(stay, states, leader)
        best = np.where(stay, best, switch) + score[step]
    path = np.empty(steps, dtype=np.int64)
    path[-1] = int(best.argmax())
    for step in range(steps - 1, 0, -1):
        path[step - 1] = came_from[step, path[step]]
    path[path == pitches] = REST
    return path


def voice_sample(probability: np.ndarray, threshold: float, change_penalty: float, rng,
                 sharpness: float = 1.0, bias=None) -> np.ndarray:
    """One voice DRAWN from the part's probabilities: per step a pitch index or REST.

    The voice rests where the step's most likely pitch is under ``threshold`` (as `voice_path` does with no
    penalty) and elsewhere its pitches are drawn from a hidden Markov chain where a step weighs
    p ** ``sharpness`` for each pitch and a change of pitch weighs exp(-``change_penalty``) against staying:
    drawn exactly (forward filtering, backward sampling) with ``rng``. Where the voice rests and how it moves
    are thus set apart, each by its own numbers. A pitch's weight is multiplied by exp(``bias``) (per pitch).
    """
    steps, pitches = probability.shape
    if steps == 0:
        return np.zeros(0, dtype=np.int64)
    sounding = probability.max(axis=1) >= threshold
    weight = np.zeros((steps, pitches + 1))
    weight[:, :pitches] = np.clip(probability, 1e-9, 1.0).astype(np.float64) ** sharpness * sounding[:, None]
    if bias is not None:
        weight[:, :pitches] *= np.exp(bias)
    weight[:, pitches] = ~sounding
    change = float(np.exp(-change_penalty))
    forward = np.empty_like(weight)
    forward[0] = weight[0] / weight[0].sum()
    for step in range(1, steps):
        reached = weight[step] * ((1.0 - change) * forward[step - 1] + change)  # forward[step - 1] sums to 1
        forward[step] = reached / reached.sum()
    draws = rng.random(steps)
    path = np.empty(steps, dtype=np.int64)
    path[-1] = _draw(forward[-1], draws[-1])
    for step in range(steps - 2, -1, -1):
        back = forward[step] * change
        back[path[step + 1]] = forward[step, path[step + 1]]
        path[step] = _draw(back, draws[step])
    path[path == pitches] = REST
    return path


def _draw(weights: np.ndarray, uniform: float) -> int:
    cumulative = np.cumsum(weights)
    return int(min(np.searchsorted(cumulative, uniform * cumulative[-1], side="right"), len(weights) - 1))


def voice_notes(probability: np.ndarray, threshold: float, rng, sharpness: float, note_lengths, rest_lengths,
                onsets, intervals=None, note_cost: float = 0.0, bias=None) -> np.ndarray:
    """One voice DRAWN note by note from the part's (steps, pitches) probabilities: per step a pitch index or REST.

    A hidden semi-Markov chain: the voice is a row of segments, each a pitch or a rest held for some steps. A
    segment weighs the product over its steps of p ** ``sharpness`` (a pitch) or ``threshold`` ** ``sharpness``
    (a rest), times the weight of its length (``note_lengths`` or ``rest_lengths``, from 1 step up) and, for a
    note, of the 16th of the bar it starts on (``onsets``: one weight per 16th of a bar, repeated bar after bar,
    or one per step) and, straight after another note, of the move from it
    (``intervals``: -WIDEST .. +WIDEST semitones; None weighs every move 1), and every note but a first one
    weighs exp(-``note_cost``); each step of a pitch weighs exp(``bias``) of that pitch more. A note is
    followed by another pitch or a rest (the same pitch again would sound as one longer note); a rest may
    follow a rest, so rests longer than the list join. Drawn exactly with ``rng``: forward filtering over
    segment ends, then backward sampling.
    """
    steps, pitches = probability.shape
    if steps == 0:
        return np.zeros(0, dtype=np.int64)
    longest = max(len(note_lengths), len(rest_lengths))
    step_score = np.empty((steps, pitches + 1))
    step_score[:, :pitches] = sharpness * np.log(np.clip(probability, 1e-9, 1.0))
    if bias is not None:
        step_score[:, :pitches] += bias
    step_score[:, pitches] = sharpness * math.log(threshold)
    scores_to = np.vstack([np.zeros(pitches + 1), np.cumsum(step_score, axis=0)])  # row t: the steps before t
    # log weight of a segment lasting row+1 steps, per state (pitches, then the rest)
    length_score = np.full((longest, pitches + 1), -np.inf)
    length_score[:len(note_lengths), :pitches] = np.log(note_lengths)[:, None]
    length_score[:len(rest_lengths), pitches] = np.log(rest_lengths)
    onset_score = np.zeros((len(onsets), pitches + 1))
    onset_score[:, :pitches] = np.log(onsets)[:, None]
    # ending[t, s]: log weight of everything up to step t with a segment of state s ending there
    ending = np.empty((steps, pitches + 1))
    # opening[t]: everything a segment starting at step t brings but its length and its own steps' scores: what
    # came before, where in the bar it starts, less the scores of the steps before it (added back at its end).
    opening = np.empty((steps, pitches + 1))
    opening[0] = onset_score[0]  # the first segment may be anything
    # moving[b, a]: weight of pitch b straight after pitch a (never a itself)
    move = np.subtract.outer(np.arange(pitches), np.arange(pitches))
    moving = (np.ones(2 * WIDEST + 1) if intervals is None else np.asarray(intervals, dtype=np.float64))[
        np.clip(move, -WIDEST, WIDEST) + WIDEST]
    np.fill_diagonal(moving, 0.0)
    entry = np.exp(-np.broadcast_to(np.asarray(note_cost, dtype=np.float64), (steps,)))  # per step a note starts on

    def segments(end: int) -> np.ndarray:
        """log weight of every segment ending at step ``end``, by length (rows: 1, 2, ... steps) and state, with
        what came before."""
        first = max(0, end + 1 - longest)
        return scores_to[end + 1] + length_score[:end + 1 - first] + opening[first:end + 1][::-1]

    after = np.empty(pitches + 1)
    path = np.empty(steps, dtype=np.int64)
    # A state no segment can end in weighs log(0) = -inf. One errstate for the whole draw, not one a step: entering
    # it costs more than a step's arithmetic.
    with np.errstate(divide="ignore"):
        for end in range(steps):
            scores = segments(end)
            top = scores.max()  # finite: a rest of one step is always possible
            by_state = np.exp(scores - top).sum(axis=0)
            total = by_state.sum()
            ending[end] = top + np.log(by_state)
            if end + 1 < steps:
                # a pitch may start after another pitch (weighed by the move) or a rest, a rest after anything
                after[:pitches] = (moving @ by_state[:pitches] + by_state[pitches]) * entry[end + 1]
                after[pitches] = total
                opening[end + 1] = top + np.log(after) + onset_score[(end + 1) % len(onset_score)] - scores_to[end + 1]
        end, following = steps - 1, None
        while end >= 0:
            weights = ending[end].copy()
            if following is not None and following != pitches:  # the note after this one weighs the move to it
                weights[:pitches] += np.log(moving[following])
            state = _draw_log(weights, rng)
            length = 1 + _draw_log(segments(end)[:, state], rng)
            path[end + 1 - length:end + 1] = state
            end, following = end - length, state
    path[path == pitches] = REST
    return path


def _draw_log(scores: np.ndarray, rng) -> int:
    """An index drawn with weights exp(``scores``)."""
    return _draw(np.exp(scores - np.max(scores)), rng.random())

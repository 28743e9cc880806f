"""The accompaniment GAN: the person's melody in, three accompaniment parts out (DeepComposer's GAN technique).

One shipped int8 generator per style (`models_tflite/gan_<style>.tflite`, its card `gan_<style>.json`):
`bach` (soprano -> alto, tenor, bass) and `quartet` (first violin -> second violin, viola, cello). The
generator reads 4 bars of 16th notes (64 steps) of melody over a 64-pitch band plus noise, and writes per
part per 16th the logits of keycomposer.models.voice_grid's classes (rest, pitch struck, pitch held): each
part is a voice by construction. A melody of any length is read window by window, one 4/4 bar apart; the
windows' probabilities are blended where they overlap, and keycomposer.models.gan_decoding draws the three
voices from them at once (a small beam whose cost holds the voice-leading rules). The model runs without the
delegate that rounds int8 differently in each runtime, so the same melody and seed give the same notes in
ai-edge-litert and tflite-runtime. The accompaniment ends with the melody's last bar (keycomposer.models.bars).

What the melody is, and what is refused:
- The melody is every note of every pitched (non-drum) track; drum tracks are kept but not read.
- No note at all: AccompanimentError.
- Two or more notes starting on the same 16th: if they start at the same moment (within a 64th, the spread
  of a chord played by hand) they are a chord, an AccompanimentError by default; `chords="top"` keeps the
  highest note of each chord. If they start one after the other inside the 16th (a grace note, a mordent, a
  turn written in 32nds) they are an ornament: the highest is read as the melody by default, as long as the
  group sounds, and a MelodyNote warning says so. Notes that merely overlap (legato playing) are cut where the next starts.
- A rest inside the melody of a 4/4 bar (16 steps) or more is read by the generator as the note before it
  held (`held_through_rests`): it never learnt from a window with no melody in it. The parts are decoded
  under the melody as played all the same.
- The melody is moved by whole octaves to the range the model was trained on (the card's `melody_range`)
  and the accompaniment moved back, so it sounds with the melody as played. A melody wider than the model's
  64-pitch band: AccompanimentError naming both.
- An unknown style: AccompanimentError listing the styles; a missing, altered or corrupt model file: the
  errors of `keycomposer.models.runtime` (ModelNotTrained, ModelFileError).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from keycomposer.models import voice_grid
from keycomposer.models.bars import Bars, meter_steps
from keycomposer.models.gan_decoding import Decoding, decode
from keycomposer.models.runtime import ModelFileError, load_model
from keycomposer.music.composition import DRUM_CHANNEL, Composition, Note, Track
from keycomposer.music.instruments import program_number
from keycomposer.music.pianoroll import tick_to_step

STYLES = ("bach", "quartet")
STEPS_PER_BEAT = 4  # the models read 16th notes
BAR_STEPS = 16  # a 4/4 bar
HOP_STEPS = BAR_STEPS  # windows start a 4/4 bar apart
# A rest inside the melody this long or longer is read as its last note held (see `held_through_rests`)
HELD_REST_STEPS = BAR_STEPS
ACCOMPANIMENT_VELOCITY = 80  # a little under a played melody's usual 90..110, so the melody stays on top
CHORD_POLICIES = ("error", "top")
CHORD_SPREAD_STEPS = 0.25  # notes starting within a 64th of each other are a chord, not an ornament
_CARD_FIELDS = ("steps", "pitches", "lowest_pitch", "noise_channels", "tracks", "melody_range", "decoding",
                "output_step")


class AccompanimentError(ValueError):
    """The melody or the request cannot be accompanied; the message says what is wrong."""


class MelodyNote(UserWarning):
    """How the melody was read, where it is not as played (an ornament read as its top note)."""


def model_name(style: str) -> str:
    if style not in STYLES:
        raise AccompanimentError(f"unknown accompaniment style {style!r}: choose one of {', '.join(STYLES)}")
    return f"gan_{style}"


@dataclass(frozen=True)
class Melody:
    """A melody as the generator reads it: one pitch or none per 16th step (-1 = rest), where its notes start
    (``struck``, None: where a pitch starts sounding), in ``bars``."""

    pitches: np.ndarray  # (steps,) int
    bars: Bars = Bars()
    struck: np.ndarray = None  # (steps,) bool

    @property
    def used(self) -> np.ndarray:
        return self.pitches[self.pitches >= 0]

    @property
    def onsets(self) -> np.ndarray:
        if self.struck is not None:
            return self.struck
        before = np.concatenate([[-1], self.pitches[:-1]])
        return (self.pitches >= 0) & (self.pitches != before)


def melody_of(composition: Composition, chords: str = "error") -> Melody:
    """The single voice the generator reads from every pitched track of ``composition`` (see module doc)."""
    if chords not in CHORD_POLICIES:
        raise AccompanimentError(f"chords must be one of {', '.join(CHORD_POLICIES)}, got {chords!r}")
    per_step = composition.resolution / STEPS_PER_BEAT

    def step(tick: int) -> int:
        return tick_to_step(tick, composition.resolution, STEPS_PER_BEAT)

    notes = sorted(
        ((step(note.start), max(step(note.end), step(note.start) + 1), note.pitch, note.start)
         for track in composition.tracks if not track.is_drum for note in track.notes),
        key=lambda note: (note[0], -note[2]),  # by onset, the highest note of a chord first
    )
    if not notes:
        raise AccompanimentError("the melody is empty: there is no pitched note to accompany")
    for signature in composition.time_signatures:
        try:
            meter_steps((signature.numerator, signature.denominator))
        except ValueError as error:
            raise AccompanimentError(f"the melody's meter at beat {signature.tick / composition.resolution + 1:g}: "
                                     f"{error}; the GAN reads bars of 16th notes") from None
    bars = Bars.of_composition(composition)
    chosen: list[tuple[int, int, int]] = []
    ornaments = []
    for start in sorted({note[0] for note in notes}):
        group = [note for note in notes if note[0] == start]  # highest first
        pitches = {pitch for _, _, pitch, _ in group}  # the same note twice (a doubled track) is one note
        if len(pitches) > 1:
            bar, sixteenth, (_, denominator) = bars.place(start)
            beat = sixteenth * denominator // (4 * STEPS_PER_BEAT)  # in the meter's own beats: 8ths in 6/8
            ticks = [tick for _, _, _, tick in group]
            if max(ticks) - min(ticks) >= CHORD_SPREAD_STEPS * per_step:
                ornaments.append(f"bar {bar}, beat {beat + 1}")
            elif chords == "error":
                raise AccompanimentError(
                    f"the melody has a chord at bar {bar}, beat {beat + 1} (pitches {group[0][2]} and "
                    f"{group[1][2]} start together): the GAN accompanies a single voice; `--chords top` "
                    "(chords='top' in Python) keeps each chord's highest note"
                )
        # The highest note of a chord or an ornament, sounding as long as the group does.
        chosen.append((start, max(end for _, end, _, _ in group), group[0][2]))
    if ornaments:
        shown = ", ".join(ornaments[:3]) + (f" and {len(ornaments) - 3} more" if len(ornaments) > 3 else "")
        warnings.warn(MelodyNote(f"the melody has ornaments (notes one after the other inside one 16th) at {shown}: "
                                 "the highest note of each was read as the melody"), stacklevel=2)
    steps = max(end for _, end, _ in chosen)
    pitches = np.full(steps, -1, dtype=np.int64)
    struck = np.zeros(steps, dtype=bool)
    for index, (start, end, pitch) in enumerate(chosen):
        until = min(end, chosen[index + 1][0]) if index + 1 < len(chosen) else end  # legato: cut at the next onset
        pitches[start:until] = pitch
        struck[start] = True
    return Melody(pitches, bars, struck)


def melody_features(pitches: np.ndarray, struck: np.ndarray, lowest: int, pitches_in_band: int = 64) -> np.ndarray:
    """The generator's melody input (steps, band + 1) float32: the sounding pitch one-hot over the band
    [lowest, lowest + band) (all zero at a rest), then 1 where a note starts. Pitches already in the band."""
    pitches = np.asarray(pitches)
    features = np.zeros((len(pitches), pitches_in_band + 1), dtype=np.float32)
    sounding = np.flatnonzero(pitches >= 0)
    features[sounding, pitches[sounding] - lowest] = 1.0
    features[:, -1] = np.asarray(struck, dtype=np.float32) * (pitches >= 0)
    return features


def held_through_rests(pitches: np.ndarray, shortest: int) -> np.ndarray:
    """The melody (per step a pitch or -1) as the generator reads it: every rest of ``shortest`` steps or more
    between two of its notes holds the note before it (0: none). The generator learnt from windows whose melody
    sounds, and where the first violin rests a whole bar the quartets' parts often sit out too (the earlier
    piano-roll generator left them 69 to 92 % silent there); under a person's melody a bar of silence is more
    often a held breath than a cue for the band to stop. Shorter rests it has heard often and reads as they are."""
    pitches = np.asarray(pitches)
    read = pitches.copy()
    if shortest <= 0:
        return read
    sounding = np.flatnonzero(pitches >= 0)
    if len(sounding) == 0:
        return read
    rests = np.flatnonzero(np.diff(sounding) > shortest)  # sounding steps d apart: a rest of d - 1 steps
    for index in rests:
        before = sounding[index]
        read[before + 1:sounding[index + 1]] = pitches[before]
    return read


def octave_shift(used: np.ndarray, lowest: int, pitches: int, trained: Sequence[int]) -> int:
    """The shift in semitones (a multiple of 12) that puts the melody inside the band [lowest, lowest+pitches)
    and as far inside the trained melody range as it goes; AccompanimentError when no octave fits the band."""
    low, high = int(used.min()), int(used.max())
    highest = lowest + pitches - 1
    if high - low > highest - lowest:
        raise AccompanimentError(
            f"the melody spans {high - low} semitones (MIDI {low}..{high}); this model reads at most "
            f"{pitches} pitches (MIDI {lowest}..{highest})"
        )
    fitting = [octaves * 12 for octaves in range(-10, 11) if lowest <= low + octaves * 12 and high + octaves * 12 <= highest]
    centre = (trained[0] + trained[1]) / 2
    return min(fitting, key=lambda shift: (abs((low + high) / 2 + shift - centre), abs(shift)))


class Accompanist:
    """One generator, loaded and checked once; `roll` and `compose` may be called many times. By default the
    shipped model of ``style``; with ``name`` the model of that name in ``folder`` (one the person trained, whose
    card names its tracks: ``style`` then only labels the tracks it writes)."""

    def __init__(self, style: str = "bach", folder=None, runtime=None, threads: int = 1, name: str | None = None):
        self.style = style
        name = name or model_name(style)
        # Without the XNNPACK delegate, which rounds int8 differently in each runtime: same seed, same notes.
        self.model = load_model(name, folder=folder, runtime=runtime, threads=threads, same_in_every_runtime=True)
        card = self.model.card
        missing = [field for field in _CARD_FIELDS if field not in card]
        if missing:
            raise ModelFileError(f"model card of {name} lacks {', '.join(missing)}")
        self.steps, self.pitches, self.lowest = int(card["steps"]), int(card["pitches"]), int(card["lowest_pitch"])
        self.noise_channels = int(card["noise_channels"])
        self.output_step = float(card["output_step"])
        self.tracks = [(str(track["name"]), int(track["program"])) for track in card["tracks"]]
        self.melody_range = [int(p) for p in card["melody_range"]]
        try:
            self.decoding = Decoding.from_card(card["decoding"])
        except (TypeError, ValueError) as error:
            raise ModelFileError(f"model card of {name}: {error}") from None
        # The file must take a melody window and a noise tensor of the card's shapes, in either order.
        shapes = sorted(tuple(int(n) for n in detail["shape"][1:]) for detail in self.model.inputs)
        expected = sorted([(self.steps, self.pitches + 1), (self.steps, self.noise_channels)])
        if shapes != expected:
            raise ModelFileError(f"{name} has inputs {shapes}, its card describes {expected}")

    def roll(self, melody: Melody, seed: int = 0) -> np.ndarray:
        """The accompaniment as a bool roll (tracks, steps, 128), steps = the melody to the end of its last bar.
        The same melody and seed give the same roll."""
        voices = self.voices(melody, seed)
        roll = np.zeros((len(self.tracks), melody.bars.end(len(melody.pitches)), 128), dtype=bool)
        for track, voice in enumerate(voices):
            for start, end, pitch in voice:
                roll[track, start:end, pitch] = True
        return roll

    def voices(self, melody: Melody, seed: int = 0) -> list:
        """Each part's notes (start step, end step, MIDI pitch), top part first, at the melody's pitch as played
        (a note past MIDI 0..127, which only a melody at the keyboard's very edge asks for, is left out)."""
        log_probability, shift = self.log_probability(melody, seed)
        first = int(np.flatnonzero(melody.pitches >= 0)[0])
        log_probability[:first] = np.where(np.arange(voice_grid.CLASSES) == voice_grid.REST, 0.0, -np.inf)  # the
        # parts come in with the melody: a chorale's parts never sing before its soprano
        read = np.where(melody.pitches >= 0, melody.pitches + shift, -1)
        classes = decode(log_probability, read, seed=(seed, 1), decoding=self.decoding)
        return [[(start, end, pitch - shift) for start, end, pitch in voice_grid.class_notes(part)
                 if 0 <= pitch - shift < 128] for part in classes]

    def log_probability(self, melody: Melody, seed: int = 0, hold_rests: int = HELD_REST_STEPS) -> tuple:
        """(log-probability (steps, tracks, CLASSES) of each part's class per step over the melody's whole bars,
        the octave shift the melody was read at): the windows' probabilities blended where they overlap. Past
        its last note the melody is read as holding it to the end of the last window (the pieces end on a held
        note, never by falling silent inside a window); the accompaniment stops with the melody's last bar."""
        shift = octave_shift(melody.used, self.lowest, self.pitches, self.melody_range)
        end = melody.bars.end(len(melody.pitches))
        steps = max(self.steps, self.steps + -(-max(0, end - self.steps) // HOP_STEPS) * HOP_STEPS)
        read = held_through_rests(melody.pitches, hold_rests)
        struck = np.zeros(steps, dtype=bool)
        struck[:len(read)] = melody.onsets[:len(read)] & (melody.pitches >= 0)
        last = np.flatnonzero(read >= 0)[-1]
        read = np.concatenate([read[:last + 1], np.full(steps - last - 1, read[last])])
        features = melody_features(read + shift, struck, self.lowest, self.pitches)
        rng = np.random.default_rng(seed)
        # Each window's output counts most at its middle and least at its edges, so neighbours hand over smoothly.
        weight = np.minimum(np.arange(self.steps) + 1, self.steps - np.arange(self.steps)).astype(np.float32)
        total = np.zeros((steps, len(self.tracks), voice_grid.CLASSES), dtype=np.float64)
        weights = np.zeros(steps)
        for start in range(0, steps - self.steps + 1, HOP_STEPS):
            noise = rng.standard_normal((1, self.steps, self.noise_channels)).astype(np.float32)
            logits = self._generate(features[None, start:start + self.steps], noise)[0].astype(np.float64)
            logits -= logits.max(axis=-1, keepdims=True)
            probability = np.exp(logits)
            probability /= probability.sum(axis=-1, keepdims=True)
            total[start:start + self.steps] += probability * weight[:, None, None]
            weights[start:start + self.steps] += weight
        blended = total / weights[:, None, None]
        return np.log(np.maximum(blended[:end], 1e-30)), shift

    def _generate(self, melody_window: np.ndarray, noise: np.ndarray) -> np.ndarray:
        # TFLite may list the inputs in either order: the melody is the one of the melody's shape.
        melody_first = tuple(self.model.inputs[0]["shape"][1:]) == melody_window.shape[1:]
        logits = self.model(*((melody_window, noise) if melody_first else (noise, melody_window)))
        # Back onto the int8 grid the logits were computed on: runtimes dequantize them one float ulp apart.
        return np.rint(logits / self.output_step).astype(np.float32) * np.float32(self.output_step)

    def compose(self, composition: Composition, seed: int = 0, programs=None, chords: str = "error") -> Composition:
        """``composition`` with the generated tracks added after its own (which are kept as they are)."""
        melody = melody_of(composition, chords)
        programs = self.programs(programs)
        voices = self.voices(melody, seed)
        free = [channel for channel in range(16)
                if channel != DRUM_CHANNEL and channel not in {track.channel for track in composition.tracks}]
        if len(free) < len(self.tracks):
            raise AccompanimentError(f"only {len(free)} MIDI channels are free in the composition (channel 10 is "
                                     f"for drums): the accompaniment needs {len(self.tracks)}")
        added = [
            Track(_notes(voices[index], composition.resolution), programs[index], free[index], f"{name} (GAN {self.style})")
            for index, (name, _) in enumerate(self.tracks)
        ]
        title = f"{composition.name} + {self.style} accompaniment" if composition.name else f"{self.style} accompaniment"
        return Composition(composition.tracks + tuple(added), composition.resolution, composition.tempos,
                           composition.time_signatures, title)

    def programs(self, programs=None) -> list:
        """The General MIDI program of each generated track: the card's defaults, or one per track (number or
        name) as given."""
        if programs is None:
            return [program for _, program in self.tracks]
        programs = list(programs)
        if len(programs) != len(self.tracks):
            names = ", ".join(name for name, _ in self.tracks)
            raise AccompanimentError(f"give {len(self.tracks)} programs, one for each of {names}; got {len(programs)}")
        try:
            return [program_number(program) for program in programs]
        except ValueError as error:
            raise AccompanimentError(str(error)) from error


def _notes(voice, resolution: int) -> tuple:
    """A part's (start step, end step, MIDI pitch) notes as Notes, steps turned into ticks."""
    def tick(step):
        return (int(step) * resolution + STEPS_PER_BEAT // 2) // STEPS_PER_BEAT

    return tuple(Note(tick(start), pitch, max(1, tick(end) - tick(start)), ACCOMPANIMENT_VELOCITY)
                 for start, end, pitch in voice)


def accompany(composition: Composition, style: str = "bach", seed: int = 0, programs=None, chords: str = "error",
              folder=None, runtime=None, model: str | None = None) -> Composition:
    """The composition with ``style``'s three accompaniment tracks added (melody first, as it was).

    ``programs``: None for the style's defaults, else three General MIDI programs (numbers or names), top
    track first. ``chords``: "error" (default) or "top" (see the module doc). ``model``: the name of a model in
    ``folder`` (one the person trained) instead of the style's shipped one; its card names its tracks, and
    ``style`` only labels them. The same input and seed give the same result. The composition given is never
    changed; nothing is written anywhere.
    """
    if model is None:
        model_name(style)  # an unknown style is a user error, reported before any file is touched
    return Accompanist(style, folder=folder, runtime=runtime, name=model).compose(composition, seed, programs, chords)

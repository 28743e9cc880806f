"""The accompaniment GAN: the person's melody in, three accompaniment tracks out (DeepComposer's GAN technique).

One shipped int8 generator per style (`models_tflite/gan_<style>.tflite`, its card `gan_<style>.json`):
`bach` (soprano -> alto, tenor, bass) and `quartet` (first violin -> second violin, viola, cello). The
generator reads 2 bars of 16th notes (32 steps) of melody over a 64-pitch band plus noise; a melody of any
length is read window by window, one bar apart, and the overlapping windows' outputs are blended before
any note is chosen, so the accompaniment runs on across window edges instead of restarting every 2 bars.
Each part is then decoded as one voice, as the card's `decoding` for it says (keycomposer.models.voicing), in
the melody's own bars, drawn by every time signature of the composition (keycomposer.models.bars): a 3/4
melody's bars are 12 16ths, a part sits out whole 3/4 bars, its notes start where the style's start them in a
3/4 bar, the bars change where the signature does, a pickup bar is read as the end of a whole bar, and the
accompaniment ends with the melody's last bar.

What the melody is, and what is refused:
- The melody is every note of every pitched (non-drum) track; drum tracks are kept but not read.
- No note at all: AccompanimentError.
- Chords (two or more notes starting on the same 16th): AccompanimentError by default; `chords="top"` keeps
  the highest note of each chord. Notes that merely overlap (legato playing) are cut where the next starts.
- A rest inside the melody of a 4/4 bar (16 steps) or more is read by the generator as the note before it
  held (`held_through_rests`): it never learnt from a window with no melody in it, and under such a rest the
  parts fell silent with the melody. The parts are decoded under the melody as played all the same.
- The melody is moved by whole octaves to the range the model was trained on (the card's `melody_range`)
  and the accompaniment moved back, so it sounds with the melody as played. A melody wider than the model's
  64-pitch band: AccompanimentError naming both.
- An unknown style: AccompanimentError listing the styles; a missing, altered or corrupt model file: the
  errors of `keycomposer.models.runtime` (ModelNotTrained, ModelFileError).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from keycomposer.models.runtime import ModelFileError, load_model
from keycomposer.models.bars import Bars, meter_steps
from keycomposer.models.voicing import BAR_STEPS, PartDecoding, voice_roll
from keycomposer.music.composition import DRUM_CHANNEL, Composition, Note, Track
from keycomposer.music.instruments import program_number
from keycomposer.music.pianoroll import tick_to_step

STYLES = ("bach", "quartet")
STEPS_PER_BEAT = 4  # the models read 16th notes
HOP_STEPS = BAR_STEPS  # windows start a 4/4 bar apart, so every step but the first and last 16 is read twice
# A rest inside the melody this long or longer is read as its last note held (see `held_through_rests`)
HELD_REST_STEPS = BAR_STEPS
ACCOMPANIMENT_VELOCITY = 80  # a little under a played melody's usual 90..110, so the melody stays on top
CHORD_POLICIES = ("error", "top")
_CARD_FIELDS = ("steps", "pitches", "lowest_pitch", "noise_shape", "tracks", "melody_range")


class AccompanimentError(ValueError):
    """The melody or the request cannot be accompanied; the message says what is wrong."""


def model_name(style: str) -> str:
    if style not in STYLES:
        raise AccompanimentError(f"unknown accompaniment style {style!r}: choose one of {', '.join(STYLES)}")
    return f"gan_{style}"


@dataclass(frozen=True)
class Melody:
    """A melody as the generator reads it: one pitch or none per 16th step (-1 = rest), in ``bars``."""

    pitches: np.ndarray  # (steps,) int
    bars: Bars = Bars()

    @property
    def used(self) -> np.ndarray:
        return self.pitches[self.pitches >= 0]


def melody_of(composition: Composition, chords: str = "error") -> Melody:
    """The single voice the generator reads from every pitched track of ``composition`` (see module doc)."""
    if chords not in CHORD_POLICIES:
        raise AccompanimentError(f"chords must be one of {', '.join(CHORD_POLICIES)}, got {chords!r}")
    def step(tick: int) -> int:
        return tick_to_step(tick, composition.resolution, STEPS_PER_BEAT)

    notes = sorted(
        ((step(note.start), max(step(note.end), step(note.start) + 1), note.pitch)
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
    for start, end, pitch in notes:
        if chosen and chosen[-1][0] == start:
            if chords == "error" and pitch != chosen[-1][2]:  # the same note twice (a doubled track) is no chord
                bar, sixteenth, (_, denominator) = bars.place(start)
                beat = sixteenth * denominator // (4 * STEPS_PER_BEAT)  # in the meter's own beats: 8ths in 6/8
                raise AccompanimentError(
                    f"the melody has a chord at bar {bar}, beat {beat + 1} (pitches {chosen[-1][2]} and {pitch} "
                    "start together): the GAN accompanies a single voice; `--chords top` (chords='top' in Python) "
                    "keeps each chord's highest note"
                )
            continue  # a lower note of a chord whose top note is already kept
        chosen.append((start, end, pitch))
    steps = max(end for _, end, _ in chosen)
    pitches = np.full(steps, -1, dtype=np.int64)
    for index, (start, end, pitch) in enumerate(chosen):
        until = min(end, chosen[index + 1][0]) if index + 1 < len(chosen) else end  # legato: cut at the next onset
        pitches[start:until] = pitch
    return Melody(pitches, bars)


def held_through_rests(pitches: np.ndarray, shortest: int) -> np.ndarray:
    """The melody (per step a pitch or -1) as the generator reads it: every rest of ``shortest`` steps or more
    between two of its notes holds the note before it (0: none). The generator learnt from no window in which
    the melody is silent throughout, and where the first violin rested a whole bar it heard the parts barely:
    they sat out 92, 75 and 69 % of those bars of the training quartets (the quartets' own parts 39, 20 and
    22 %). Shorter rests, a breath between phrases, it has heard often and reads as they are."""
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
    """One style's generator, loaded and checked once; `roll` and `compose` may be called many times."""

    def __init__(self, style: str = "bach", folder=None, runtime=None, threads: int = 1):
        self.style = style
        self.model = load_model(model_name(style), folder=folder, runtime=runtime, threads=threads)
        card = self.model.card
        missing = [field for field in _CARD_FIELDS if field not in card]
        if missing:
            raise ModelFileError(f"model card of {model_name(style)} lacks {', '.join(missing)}")
        self.steps, self.pitches, self.lowest = int(card["steps"]), int(card["pitches"]), int(card["lowest_pitch"])
        self.noise_shape = tuple(int(n) for n in card["noise_shape"])
        self.tracks = [(str(track["name"]), int(track["program"])) for track in card["tracks"]]
        self.melody_range = [int(p) for p in card["melody_range"]]
        self.decoding = _decoding(card, len(self.tracks))
        # The file must take a melody window and a noise tensor of the card's shapes, in either order.
        shapes = [tuple(int(n) for n in detail["shape"][1:]) for detail in self.model.inputs]
        melody_shape = (self.steps, self.pitches, 1)
        if sorted(shapes) != sorted([melody_shape, self.noise_shape]):
            raise ModelFileError(f"{model_name(style)} has inputs {shapes}, its card describes {melody_shape} and "
                                 f"{self.noise_shape}")

    def roll(self, melody: Melody, seed: int = 0) -> np.ndarray:
        """The accompaniment as a bool roll (tracks, steps, 128), steps = the melody to the end of its last bar.
        The same melody and seed give the same roll."""
        probability, shift = self.probability(melody, seed)
        return self.decode(probability, shift, seed=seed, melody=melody.pitches, bars=melody.bars)

    def probability(self, melody: Melody, seed: int = 0, hold_last: bool = True,
                    hold_rests: int = HELD_REST_STEPS) -> tuple:
        """(probability (steps, pitches, tracks) of each accompaniment cell in the model's band over the
        melody's whole bars (to the end of its last bar: the windows are read one 4/4 bar apart whatever its
        bars), the octave
        shift the melody was read at): the windows' outputs blended where they
        overlap. The melody's last note is read as held to the end of the last window (a melody shorter than a
        window is read in one); the accompaniment stops with the melody's last bar all the same.
        ``hold_last=False`` reads it silent there instead (tools/gan/tails.py compares the two). A rest inside
        the melody of ``hold_rests`` steps or more is read as its last note held (`held_through_rests`; 0: every
        rest read as a rest)."""
        shift = octave_shift(melody.used, self.lowest, self.pitches, self.melody_range)
        end = melody.bars.end(len(melody.pitches))
        steps = max(self.steps, -(-end // HOP_STEPS) * HOP_STEPS)
        band = np.zeros((steps, self.pitches), dtype=np.float32)
        read = held_through_rests(melody.pitches, hold_rests)
        sounding = np.nonzero(read >= 0)[0]
        band[sounding, read[sounding] + shift - self.lowest] = 1.0
        # Past its last note the melody is read as holding it to the end of the last window: the pieces the
        # generator learnt from end on a held note, never by falling silent halfway through a window, and read
        # silent there the parts grew busy (a 1-beat melody: 7 notes a bar against the pieces' 2.5 to 4).
        if hold_last:
            last = sounding[-1]
            band[last + 1:, read[last] + shift - self.lowest] = 1.0
        rng = np.random.default_rng(seed)
        # Each window's output counts most at its middle and least at its edges, so neighbours hand over smoothly.
        weight = np.minimum(np.arange(self.steps) + 1, self.steps - np.arange(self.steps)).astype(np.float32)
        total = np.zeros((steps, self.pitches, len(self.tracks)), dtype=np.float32)
        weights = np.zeros(steps, dtype=np.float32)
        for start in range(0, steps - self.steps + 1, HOP_STEPS):
            melody_window = band[start:start + self.steps, :, None][None]
            noise = rng.standard_normal((1,) + self.noise_shape).astype(np.float32)
            total[start:start + self.steps] += self._generate(melody_window, noise)[0] * weight[:, None, None]
            weights[start:start + self.steps] += weight
        return (total / weights[:, None, None])[:end], shift

    def _generate(self, melody_window: np.ndarray, noise: np.ndarray) -> np.ndarray:
        # TFLite may list the inputs in either order: the melody is the one of the melody's shape.
        melody_first = tuple(self.model.inputs[0]["shape"][1:]) == melody_window.shape[1:]
        return self.model(*((melody_window, noise) if melody_first else (noise, melody_window)))

    def decode(self, probability: np.ndarray, shift: int, seed: int = 0, melody=None, bars: Bars = Bars()) -> np.ndarray:
        """Each accompaniment part as one voice, as in both corpora (its card's `PartDecoding`; a drawn voice is
        drawn from ``seed``, its pace follows ``melody``, per step a pitch or -1, in the melody's ``bars``),
        the pitches moved back by the melody's octave shift: a bool roll (tracks, steps, 128)."""
        roll = np.zeros((len(self.tracks), len(probability), 128), dtype=bool)
        for track, decoding in enumerate(self.decoding):
            voice = decoding.voice(probability[:, :, track], seed=(seed, track), melody=melody, bars=bars)
            roll[track] = voice_roll(voice, self.lowest - shift)
        return roll

    def compose(self, composition: Composition, seed: int = 0, programs=None, chords: str = "error") -> Composition:
        """``composition`` with the generated tracks added after its own (which are kept as they are)."""
        melody = melody_of(composition, chords)
        programs = self.programs(programs)
        roll = self.roll(melody, seed)
        free = [channel for channel in range(16)
                if channel != DRUM_CHANNEL and channel not in {track.channel for track in composition.tracks}]
        if len(free) < len(self.tracks):
            raise AccompanimentError(f"only {len(free)} MIDI channels are free in the composition (channel 10 is "
                                     f"for drums): the accompaniment needs {len(self.tracks)}")
        added = [
            Track(_notes(roll[index], composition.resolution), programs[index], free[index], f"{name} (GAN {self.style})")
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


def _decoding(card: dict, tracks: int) -> list:
    """Each track's PartDecoding from the card's `decoding` (one entry per track); cards written before it give
    `threshold` and maybe `change_penalty`, one number or one per track, for the most likely path."""
    name = card.get("name", "the model")
    try:
        if "decoding" in card:
            entries = card["decoding"]
            if not isinstance(entries, list) or len(entries) != tracks or not all(isinstance(e, dict) for e in entries):
                raise ValueError(f"decoding must give one entry per track ({tracks})")
            return [PartDecoding.from_card(entry) for entry in entries]
        if "threshold" not in card:
            raise ValueError("it gives neither decoding nor threshold")
        legacy = {}
        for field in ("threshold", "change_penalty"):
            value = card.get(field, 0.0)
            values = value if isinstance(value, list) else [value] * tracks
            if len(values) != tracks:
                raise ValueError(f"{field} must be one number or one per track ({tracks}), got {value!r}")
            legacy[field] = values
        return [PartDecoding.from_card({field: legacy[field][track] for field in legacy}) for track in range(tracks)]
    except ValueError as error:
        raise ModelFileError(f"model card of {name}: {error}") from None


def _notes(roll: np.ndarray, resolution: int) -> tuple:
    """Every unbroken run of one pitch in a (steps, 128) roll as a Note, steps turned into ticks."""
    padded = np.pad(roll, ((1, 1), (0, 0))).astype(np.int8)
    change = np.diff(padded, axis=0).T  # pitch-major: onsets and offsets pair up in order
    pitch, first = np.nonzero(change > 0)
    _, last = np.nonzero(change < 0)

    def tick(step):
        return (int(step) * resolution + STEPS_PER_BEAT // 2) // STEPS_PER_BEAT

    return tuple(Note(tick(a), int(p), max(1, tick(b) - tick(a)), ACCOMPANIMENT_VELOCITY)
                 for p, a, b in zip(pitch, first, last))


def accompany(composition: Composition, style: str = "bach", seed: int = 0, programs=None, chords: str = "error",
              folder=None, runtime=None) -> Composition:
    """The composition with ``style``'s three accompaniment tracks added (melody first, as it was).

    ``programs``: None for the style's defaults, else three General MIDI programs (numbers or names), top
    track first. ``chords``: "error" (default) or "top" (see the module doc). The same input and seed give
    the same result. The composition given is never changed; nothing is written anywhere.
    """
    model_name(style)  # an unknown style is a user error, reported before any file is touched
    return Accompanist(style, folder=folder, runtime=runtime).compose(composition, seed, programs, chords)

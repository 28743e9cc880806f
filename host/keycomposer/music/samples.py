"""Sample melodies: public-domain tunes to try the studio with no keyboard (``sample:NAME`` inputs).

Each is written in the notation of ``keycomposer.music.notation`` and kept in the range of the
keyboard (C3..G5). A tune with a pickup (anacrusis) starts that many beats before bar 1, so bar
lines fall where a musician expects them; its last bar is short by the same amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from keycomposer.music.composition import Composition, Tempo, TimeSignature, Track
from keycomposer.music.notation import melody_notes


@dataclass(frozen=True)
class SampleMelody:
    name: str
    title: str
    origin: str
    meter: tuple[int, int]
    bpm: float
    melody: str
    pickup_beats: Fraction = Fraction(0)  # in quarter notes
    program: int = 0

    @property
    def beats_per_bar(self) -> Fraction:
        return Fraction(self.meter[0] * 4, self.meter[1])


SAMPLES: dict[str, SampleMelody] = {tune.name: tune for tune in (
    SampleMelody(
        "twinkle", "Twinkle, Twinkle, Little Star", "French folk tune 'Ah! vous dirai-je, maman' (1761)",
        (4, 4), 100,
        "C4:q C4 G4 G4 | A4 A4 G4:h | F4:q F4 E4 E4 | D4 D4 C4:h | "
        "G4:q G4 F4 F4 | E4 E4 D4:h | G4:q G4 F4 F4 | E4 E4 D4:h | "
        "C4:q C4 G4 G4 | A4 A4 G4:h | F4:q F4 E4 E4 | D4 D4 C4:h |",
    ),
    SampleMelody(
        "ode_to_joy", "Ode to Joy", "Beethoven, Symphony No. 9, finale theme (1824), in C",
        (4, 4), 108,
        "E4:q E4 F4 G4 | G4 F4 E4 D4 | C4 C4 D4 E4 | E4:q. D4:e D4:h | "
        "E4:q E4 F4 G4 | G4 F4 E4 D4 | C4 C4 D4 E4 | D4:q. C4:e C4:h |",
    ),
    SampleMelody(
        "new_world", "New World Symphony, Largo", "Dvorak, Symphony No. 9, English horn theme (1893), in C",
        (4, 4), 60,
        "E4:q. G4:e G4:h | E4:q. D4:e C4:h | D4:q. E4:e G4:q. E4:e | D4:w | "
        "E4:q. G4:e G4:h | E4:q. D4:e C4:h | D4:q. E4:e D4:q. C4:e | C4:w |",
        program=69,  # English Horn, as Dvorak scored it
    ),
    SampleMelody(
        "jingle_bells", "Jingle Bells", "James Lord Pierpont (1857), chorus, in C",
        (4, 4), 120,
        "E4:q E4 E4:h | E4:q E4 E4:h | E4:q G4 C4:q. D4:e | E4:w | "
        "F4:q F4 F4:q. F4:e | F4:q E4 E4 E4:e E4 | E4:q D4 D4 E4 | D4:h G4 | "
        "E4:q E4 E4:h | E4:q E4 E4:h | E4:q G4 C4:q. D4:e | E4:w | "
        "F4:q F4 F4 F4 | F4 E4 E4 E4:e E4 | G4:q G4 F4 D4 | C4:w |",
    ),
    SampleMelody(
        "frere_jacques", "Frere Jacques", "French round (18th century), in C",
        (4, 4), 100,
        "C4:q D4 E4 C4 | C4 D4 E4 C4 | E4 F4 G4:h | E4:q F4 G4:h | "
        "G4:e A4 G4 F4 E4:q C4 | G4:e A4 G4 F4 E4:q C4 | C4 G3 C4:h | C4:q G3 C4:h |",
    ),
    SampleMelody(
        "amazing_grace", "Amazing Grace", "hymn tune 'New Britain' (1829), in G",
        (3, 4), 80,
        "D4:q | G4:h B4:e G4 | B4:h A4:q | G4:h E4:q | D4:h D4:q | G4:h B4:e G4 | B4:h A4:q | D5:h.~ | "
        "D5:h B4:q | D5:h B4:e G4 | B4:h A4:q | G4:h E4:q | D4:h D4:q | G4:h B4:e G4 | B4:h A4:q | "
        "G4:h.~ | G4:h |",
        pickup_beats=Fraction(1),
    ),
    SampleMelody(
        "greensleeves", "Greensleeves", "English ballad (16th century), in A minor",
        (6, 8), 90,
        "A4:e | C5:q D5:e E5:e. F5:s E5:e | D5:q B4:e G4:e. A4:s B4:e | C5:q A4:e A4:e. G#4:s A4:e | "
        "B4:q G#4:e E4:q A4:e | C5:q D5:e E5:e. F5:s E5:e | D5:q B4:e G4:e. A4:s B4:e | "
        "C5:e. B4:s A4:e G#4:e. F#4:s G#4:e | A4:q. r:q |",
        pickup_beats=Fraction(1, 2),
    ),
    SampleMelody(
        "happy_birthday", "Happy Birthday to You", "Mildred and Patty Hill, 'Good Morning to All' (1893), in F",
        (3, 4), 100,
        "C4:e. C4:s | D4:q C4 F4 | E4:h C4:e. C4:s | D4:q C4 G4 | F4:h C4:e. C4:s | "
        "C5:q A4 F4 | E4 D4 Bb4:e. Bb4:s | A4:q F4 G4 | F4:h |",
        pickup_beats=Fraction(1),
    ),
)}


def sample_names() -> list[str]:
    return sorted(SAMPLES)


def sample_melody(name: str) -> SampleMelody:
    """The tune called ``name``; KeyError lists the names there are."""
    try:
        return SAMPLES[name]
    except KeyError:
        raise KeyError(f"no sample melody is called {name!r}; there are: {', '.join(sample_names())}") from None


def sample_composition(name: str, resolution: int = 480) -> Composition:
    """The tune called ``name`` as a one-track Composition."""
    return tune_composition(sample_melody(name), resolution)


def tune_composition(tune: SampleMelody, resolution: int = 480) -> Composition:
    """``tune`` as a one-track Composition, its pickup placed before bar 1."""
    name = tune.name
    bar = tune.beats_per_bar * resolution
    start = (bar - tune.pickup_beats * resolution) % bar if tune.pickup_beats else Fraction(0)
    if start.denominator != 1:
        raise ValueError(f"resolution {resolution} cannot place the pickup of {name!r} on a tick")
    notes = melody_notes(tune.melody, resolution, start_tick=int(start))
    return Composition(
        tracks=(Track(notes, tune.program, 0, tune.title),),
        resolution=resolution,
        tempos=(Tempo.from_bpm(tune.bpm),),
        time_signatures=(TimeSignature(0, *tune.meter),),
        name=tune.title,
    )

"""Melodies of our own, written down here, that no training or selection sees: the built-in samples, more
public-domain tunes as we remember them, and tunes we made up. Benchmarks judge the models on them beside the
test split; `tools.txl.data.load` drops every corpus piece that shares one's opening, so they stay unseen.
"""

from __future__ import annotations

from fractions import Fraction

from keycomposer.music.composition import Composition
from keycomposer.music.samples import SAMPLES, SampleMelody, sample_composition, tune_composition

# name, meter, bpm, melody (keycomposer.music.notation), pickup in quarter notes
WRITTEN = (
    ("mary_lamb", (4, 4), 110, "E4:q D4 C4 D4 | E4 E4 E4:h | D4:q D4 D4:h | E4:q G4 G4:h | "
     "E4:q D4 C4 D4 | E4 E4 E4 E4 | D4 D4 E4 D4 | C4:w |", 0),
    ("london_bridge", (4, 4), 110, "G4:q. A4:e G4:q F4 | E4 F4 G4:h | D4:q E4 F4:h | E4:q F4 G4:h | "
     "G4:q. A4:e G4:q F4 | E4 F4 G4:h | D4:h G4 | E4:q C4:h. |", 0),
    ("row_your_boat", (6, 8), 100, "C4:q. C4 | C4:q D4:e E4:q. | E4:q D4:e E4:q F4:e | G4:h. | "
     "C5:e C5 C5 G4 G4 G4 | E4 E4 E4 C4 C4 C4 | G4:q F4:e E4:q D4:e | C4:h. |", 0),
    ("au_clair", (4, 4), 90, "C4:q C4 C4 D4 | E4:h D4 | C4:q E4 D4 D4 | C4:w | D4:q D4 D4 D4 | A3:h A3 | "
     "D4:q C4 B3 A3 | G3:w | C4:q C4 C4 D4 | E4:h D4 | C4:q E4 D4 D4 | C4:w |", 0),
    ("yankee_doodle", (2, 4), 120, "G4:e G4 A4 B4 | G4 B4 A4 D4 | G4 G4 A4 B4 | G4:q F#4 | "
     "G4:e G4 A4 B4 | C5 B4 A4 G4 | F#4 D4 E4 F#4 | G4:q G4 |", 0),
    ("oh_susanna", (4, 4), 110, "C4:e D4 | E4:q G4 G4:q. A4:e | G4:q E4 C4:q. D4:e | E4:q E4 D4 C4 | "
     "D4:h. C4:e D4 | E4:q G4 G4:q. A4:e | G4:q E4 C4:q. D4:e | E4:q E4 D4 D4 | C4:h. |", 1),
    ("brahms_lullaby", (3, 4), 70, "E4:e E4 | G4:q. E4:e E4:q | G4:h E4:e G4 | C5:q B4:q. A4:e | "
     "A4:q G4 D4:e E4 | F4:q D4 D4:e E4 | F4:h D4:e F4 | B4:e A4 G4:q B4 | C5:h |", 1),
    ("auld_lang_syne", (4, 4), 80, "D4:q | G4:q. G4:e G4:q B4 | A4:q. G4:e A4:q B4:e A4 | G4:q. G4:e B4:q D5 | "
     "E5:h. E5:q | D5:q. B4:e B4:q G4 | A4:q. G4:e A4:q B4:e A4 | G4:q. E4:e E4:q D4 | G4:h. |", 1),
    ("hot_cross_buns", (4, 4), 110, "E4:q D4 C4:h | E4:q D4 C4:h | C4:e C4 C4 C4 D4 D4 D4 D4 | "
     "E4:q D4 C4:h |", 0),
    ("minuet_in_g", (3, 4), 110, "D5:q G4:e A4 B4 C5 | D5:q G4 G4 | E5:q C5:e D5 E5 F#5 | G5:q G4 G4 | "
     "C5:q D5:e C5 B4 A4 | B4:q C5:e B4 A4 G4 | F#4:q G4:e A4 B4 G4 | A4:h. |", 0),
    ("nachtmusik", (4, 4), 120, "G4:q r:e D4:e G4:q r:e D4:e | G4:e D4 G4 B4 D5:q r:q | "
     "C5:q r:e A4:e C5:q r:e A4:e | C5:e A4 F#4 A4 D4:q r:q |", 0),
    ("fur_elise", (3, 8), 70, "E5:s D#5 | E5 D#5 E5 B4 D5 C5 | A4:e r:s C4 E4 A4 | B4:e r:s E4 G#4 B4 | "
     "C5:e r:s E4 E5 D#5 | E5 D#5 E5 B4 D5 C5 | A4:e r:s C4 E4 A4 | B4:e r:s E4 C5 B4 | A4:e. r:e |",
     Fraction(1, 2)),
    ("minor_waltz", (3, 4), 120, "D4:q F4 A4 | D5:h C5:q | Bb4:q A4 G4 | A4:h. | G4:q Bb4 D5 | F5:h E5:q | "
     "D5:q C#5 E5 | D5:h. |", 0),
    ("little_march", (2, 4), 110, "F4:e A4 C5 A4 | F4:q C4 | D4:e F4 Bb4 A4 | G4:h | G4:e Bb4 D5 Bb4 | "
     "A4:q F4 | E4:e G4 C5 E4 | F4:h |", 0),
    ("jig_in_d", (6, 8), 110, "D4:e F#4 A4 D5 A4 F#4 | G4 B4 D5 B4 G4 E4 | F#4 A4 D5 A4 F#4 D4 | E4:q. A3:q. | "
     "D4:e F#4 A4 D5 A4 F#4 | G4 B4 D5 E5 D5 B4 | A4 F#4 D4 E4 C#4 E4 | D4:q. D4:q. |", 0),
    ("lament_in_e_minor", (4, 4), 72, "E4:h G4:q B4 | A4:h. G4:q | F#4:q G4 A4 B4 | E4:w | E5:h D5:q B4 | "
     "C5:h. A4:q | B4:q A4 G4 F#4 | E4:w |", 0),
    ("hymn_in_b_flat", (4, 4), 80, "Bb3:q C4 D4 Eb4 | F4:h D4 | Eb4:q D4 C4 C4 | Bb3:w | D4:q Eb4 F4 G4 | "
     "F4:h Eb4 | D4:q C4 Bb3 C4 | Bb3:w |", 0),
    ("scale_song", (4, 4), 100, "C4:e D4 E4 F4 G4:q G4 | A4:e G4 F4 E4 D4:q D4 | E4:e F4 G4 A4 B4:q C5 | "
     "G4:h C5 | C5:e B4 A4 G4 F4:q A4 | G4:e F4 E4 D4 C4:q E4 | D4:e E4 F4 D4 G4:q B3 | C4:w |", 0),
    ("dotted_rag", (4, 4), 120, "G4:e. A4:s G4:e. E4:s C4:q E4 | D4:e. E4:s D4:e. B3:s G3:h | "
     "A3:e. B3:s C4:e. D4:s E4:q G4 | F4:e. E4:s D4:e. C4:s D4:h | G4:e. A4:s G4:e. E4:s C4:q E4 | "
     "D4:e. E4:s D4:e. B3:s G3:h | A3:e. B3:s C4:e. D4:s E4:q D4 | C4:w |", 0),
)


def written_composition(name: str) -> Composition:
    for tune_name, meter, bpm, text, pickup in WRITTEN:
        if tune_name == name:
            return tune_composition(SampleMelody(tune_name, tune_name.replace("_", " "), "written down for the "
                                                 "benchmarks", meter, bpm, text, pickup_beats=Fraction(pickup)))
    raise KeyError(f"no melody of our own is called {name!r}")


def own_compositions() -> list:
    """(name, Composition) of every melody of our own: the samples, then the ones written here."""
    out = [(name, sample_composition(name)) for name in sorted(SAMPLES)]
    out += [(name, written_composition(name)) for name, *_ in WRITTEN]
    return out


def own_melodies() -> list:
    """(name, melody_tokens.Melody) of every melody of our own, read as the Transformer-XL reads its input."""
    from keycomposer.models.melody_line import melody_of

    return [(name, melody_of(composition)) for name, composition in own_compositions()]

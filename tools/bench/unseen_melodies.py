"""Melodies no training or selection saw, for judging what a model writes on tunes outside its data.

Written down here from memory (public-domain folk and children's tunes, a minuet, and a few of our own), in
the notation of keycomposer.music.notation; with the studio's 8 sample melodies they make 30. No model or
sampler setting was chosen on them: they are read by the benchmarks only.
"""

from keycomposer.music.notation import melody_notes
from keycomposer.music.samples import SAMPLES

# name: (meter, melody)
MELODIES = {
    "mary_had_a_little_lamb": ((4, 4), "E4:q D4 C4 D4 | E4 E4 E4:h | D4:q D4 D4:h | E4:q G4 G4:h | "
                                       "E4:q D4 C4 D4 | E4 E4 E4 E4 | D4 D4 E4 D4 | C4:w |"),
    "london_bridge": ((4, 4), "G4:q. A4:e G4:q F4 | E4 F4 G4:h | D4:q E4 F4:h | E4:q F4 G4:h | "
                              "G4:q. A4:e G4:q F4 | E4 F4 G4:h | D4:h G4:h | E4:q C4:h. |"),
    "row_your_boat": ((6, 8), "C4:q. C4:q. | C4:q D4:e E4:q. | E4:q D4:e E4:q F4:e | G4:h. | "
                              "C5:e C5 C5 G4 G4 G4 | E4 E4 E4 C4 C4 C4 | G4:q F4:e E4:q D4:e | C4:h. |"),
    "au_clair_de_la_lune": ((4, 4), "C4:q C4 C4 D4 | E4:h D4 | C4:q E4 D4 D4 | C4:w | "
                                    "C4:q C4 C4 D4 | E4:h D4 | C4:q E4 D4 D4 | C4:w |"),
    "hot_cross_buns": ((4, 4), "E4:h D4 | C4:w | E4:h D4 | C4:w | C4:e C4 C4 C4 D4 D4 D4 D4 | E4:h D4 | C4:w |"),
    "old_macdonald": ((4, 4), "G4:q G4 G4 D4 | E4 E4 D4:h | B4:q B4 A4 A4 | G4:w | "
                              "D4:q G4 G4 G4 | D4 E4 E4 D4 | B4 B4 A4 A4 | G4:w |"),
    "yankee_doodle": ((4, 4), "C4:q C4 D4 E4 | C4 E4 D4 G3 | C4 C4 D4 E4 | C4:h B3 | "
                              "C4:q C4 D4 E4 | F4 E4 D4 C4 | B3 G3 A3 B3 | C4:h C4 |"),
    "lightly_row": ((4, 4), "D5:q B4 B4:h | C5:q A4 A4:h | G4:q A4 B4 C5 | D5 D5 D5:h | "
                            "D5:q B4 B4 B4 | C5 A4 A4 A4 | G4 B4 D5 D5 | G4:w |"),
    "scarborough_fair": ((3, 4), "D4:h D4:q | A4:h A4:q | E4:q. F4:e E4:q | D4:h. | "
                                 "A4:q C5:h | D5:h C5:q | A4:q B4 G4 | A4:h. |"),
    "when_the_saints": ((4, 4), "r:q C4 E4 F4 | G4:w | r:q C4 E4 F4 | G4:w | r:q C4 E4 F4 | G4:h E4 | C4:h E4 | "
                                "D4:w |"),
    "minuet_in_g": ((3, 4), "D5:q G4:e A4 B4 C5 | D5:q G4 G4 | E5:q C5:e D5 E5 F#5 | G5:q G4 G4 | "
                            "C5:q D5:e C5 B4 A4 | B4:q C5:e B4 A4 G4 | F#4:q G4:e A4 B4 G4 | A4:h. |"),
    "drunken_sailor": ((4, 4), "A4:q A4:e A4 A4:q A4:e A4 | A4:q D4 F4 A4 | G4:q G4:e G4 G4:q G4:e G4 | "
                               "G4:q C4 E4 G4 | A4:q A4:e A4 A4:q A4:e A4 | A4:q B4 C5 D5 | C5:q A4 G4 E4 | D4:h D4 |"),
    "camptown_races": ((4, 4), "G4:e G4 E4 G4 A4 G4 E4:q | E4:e D4:q. E4:e D4:q. | G4:e G4 E4 G4 A4 G4 E4:q | "
                               "D4:e E4 D4 C4 C4:h |"),
    "skip_to_my_lou": ((4, 4), "A4:q F4 F4:e F4 A4:q | C5:h. r:q | G4:q E4 E4:e E4 G4:q | Bb4:h. r:q | "
                               "A4:q F4 F4:e F4 A4:q | C5:h. r:q | G4:q A4 Bb4 G4 | F4:h. r:q |"),
    "this_old_man": ((4, 4), "G4:q E4 G4:h | G4:q E4 G4:h | A4:q G4 F4 E4 | D4 E4 F4:h | "
                             "E4:q F4 G4 C4 | C4:e C4 C4:q C4 D4:e E4 | F4:q G4 G4 D4 | F4 E4 D4 C4 |"),
    "pop_goes_the_weasel": ((6, 8), "C4:q E4:e F4:q G4:e | A4:e C5 A4 G4:q E4:e | C4:q E4:e F4:q G4:e | "
                                    "E4:q. C4:q. | C4:q E4:e F4:q G4:e | A4:e C5 A4 G4:q E4:e | C5:q. A4:q D4:e | "
                                    "F4:q E4:e C4:q. |"),
    "own_a_minor": ((4, 4), "A4:q C5 B4 A4 | G#4:h E4 | A4:q B4 C5 D5 | E5:w | F5:q E5 D5 C5 | B4:h A4 | "
                            "G#4:q A4 B4 G#4 | A4:w |"),
    "own_d_major": ((4, 4), "D4:q F#4 A4 D5 | C#5:h A4 | B4:q A4 G4 F#4 | E4:w | F#4:q G4 A4 B4 | A4:h F#4 | "
                            "G4:q F#4 E4 C#4 | D4:w |"),
    "own_e_minor_waltz": ((3, 4), "E4:q G4 B4 | A4:h G4:q | F#4:q A4 F#4 | E4:h. | B4:q C5 B4 | A4:h F#4:q | "
                                  "G4:q F#4 D#4 | E4:h. |"),
    "own_f_major_hymn": ((4, 4), "F4:h A4:q C5 | Bb4:h A4 | G4:q A4 Bb4 G4 | A4:w | C5:h Bb4:q A4 | "
                                 "G4:h F4:q D4 | E4:q F4 G4 E4 | F4:w |"),
    "own_g_major_reel": ((4, 4), "G4:e B4 D5 B4 G4 B4 D5 B4 | A4 C5 E5 C5 A4 C5 E5 C5 | B4 D5 G5 D5 C5 A4 F#4 A4 | "
                                 "G4:h G4 | D5:e C5 B4 A4 G4 A4 B4 G4 | E5 D5 C5 B4 A4 B4 C5 A4 | "
                                 "B4 G4 A4 F#4 G4:q D4 | G4:h r |"),
    "own_c_minor_lament": ((4, 4), "C5:h Bb4:q Ab4 | G4:h. F4:q | Eb4:q F4 G4 Ab4 | G4:w | C5:h D5:q Eb5 | "
                                   "D5:h C5:q B4 | C5:q G4 Ab4 F4 | G4:h C4 |"),
}


def unseen_melodies() -> dict:
    """{name: (meter, [(start step, end step, MIDI pitch), ...])} in 16th-note steps: these and the samples."""
    out = {}
    for name, (meter, text) in MELODIES.items():
        out[name] = (meter, _steps(melody_notes(text, 4)))
    for name, sample in SAMPLES.items():
        out[f"sample_{name}"] = (sample.meter, _steps(melody_notes(sample.melody, 4)))
    return out


def _steps(notes) -> list:
    return [(n.start, n.end, n.pitch) for n in notes]

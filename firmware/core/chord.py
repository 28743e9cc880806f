"""Auto-chord: the notes a key plays when the chord button has chord mode on.

Chords are intervals in semitones above the played root. Diatonic mode harmonises in a major key
(key root configurable, C by default): each scale degree gets its own triad (I ii iii IV V vi vii°);
a root outside the scale gets a major triad.
"""

from core.compat import const

CHORD_MAJOR = const(0)
CHORD_MINOR = const(1)
CHORD_DIATONIC = const(2)
CHORD_SEVENTH = const(3)  # dominant seventh: major triad plus minor seventh
CHORD_MODE_NAMES = ("major", "minor", "diatonic", "seventh")

# bytes: the note tracker reads them in place (core/notes.py hold_chord, viper).
_MAJOR = bytes((0, 4, 7))
_MINOR = bytes((0, 3, 7))
_DIMINISHED = bytes((0, 3, 6))
_SEVENTH = bytes((0, 4, 7, 10))
UNISON = bytes((0,))  # the root alone: a key's note with chord mode off

# Triad by the root's distance in semitones above the key's tonic, in a major key.
_DIATONIC_TRIADS = (
    _MAJOR,  # I
    _MAJOR,  # (not in the scale)
    _MINOR,  # ii
    _MAJOR,  # (not in the scale)
    _MINOR,  # iii
    _MAJOR,  # IV
    _MAJOR,  # (not in the scale)
    _MAJOR,  # V
    _MAJOR,  # (not in the scale)
    _MINOR,  # vi
    _MAJOR,  # (not in the scale)
    _DIMINISHED,  # vii°
)


def chord_intervals(mode, root, key_root):
    """Intervals (bytes, root first) of the chord on MIDI note `root` in chord mode `mode`."""
    if mode == CHORD_MINOR:
        return _MINOR
    if mode == CHORD_SEVENTH:
        return _SEVENTH
    if mode == CHORD_DIATONIC:
        return _DIATONIC_TRIADS[(root - key_root) % 12]
    return _MAJOR

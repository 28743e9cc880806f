"""The order an arpeggio plays its notes in, for each mode, over an octave range.

    pattern.build(mode, played, velocity_of, n_played, octaves)
    note, velocity = pattern.note(i), pattern.velocity(i)   # step i of the cycle, 0 <= i < pattern.length

`played` holds the distinct held notes in the order they were played. The pattern climbs them, then the
same an octave higher, `octaves` times; the octave range shrinks when the top copy would pass MIDI 127.
Example, C E G held, 1 octave:

    up         C E G            down       G E C
    inclusive  C E G G E C      exclusive  C E G E     (the ends are not repeated)
    as played  in the order the keys were pressed
    random     any of C E G at each step (the caller draws i: core/xorshift.py)

Nothing is spelled out note by note: a step's note is worked out when it plays, from the held notes and
the step's place in the cycle, so building costs the same whatever the mode and the octave range (at most
a pass over the span of the held notes), and it happens in a scan tick.
"""

from core.compat import const

MODE_UP = const(0)
MODE_DOWN = const(1)
MODE_INCLUSIVE = const(2)
MODE_EXCLUSIVE = const(3)
MODE_RANDOM = const(4)
MODE_AS_PLAYED = const(5)
MODE_NAMES = ("up", "down", "inclusive", "exclusive", "random", "as played")
MAX_NOTES = const(32)  # distinct held notes the pattern is built from; more are ignored


class Pattern:
    def __init__(self):
        self.length = 0  # steps in one cycle; 0: nothing to play
        self._notes = bytearray(MAX_NOTES)  # one octave, in climbing order (sorted, or as played)
        self._velocities = bytearray(MAX_NOTES)
        self._n = 0
        self._climb = 0  # notes of the up sequence over every octave: _n * octaves
        self._mode = MODE_UP
        self._present = bytearray(128)  # scratch for sorting: which notes are held

    def build(self, mode, played, velocity_of, n_played, octaves):
        """The pattern of played[0:n_played] (distinct MIDI notes) in `mode` over `octaves` (1..4);
        velocity_of[note] is each note's velocity."""
        notes = self._notes
        velocities = self._velocities
        n = n_played if n_played < MAX_NOTES else MAX_NOTES
        if mode == MODE_AS_PLAYED:
            for i in range(n):
                notes[i] = played[i]
        elif n:
            # Sorted by a pass over the span of the held notes (never more than 128 places).
            present = self._present
            lowest = highest = played[0]
            for i in range(n):
                note = played[i]
                present[note] = 1
                if note < lowest:
                    lowest = note
                elif note > highest:
                    highest = note
            i = 0
            for note in range(lowest, highest + 1):
                if present[note]:
                    present[note] = 0
                    notes[i] = note
                    i += 1
        top = 0
        for i in range(n):
            velocities[i] = velocity_of[notes[i]]
            if notes[i] > top:
                top = notes[i]
        while octaves > 1 and top + 12 * (octaves - 1) > 127:
            octaves -= 1
        self._n = n
        self._mode = mode
        climb = n * octaves
        self._climb = climb
        if mode == MODE_INCLUSIVE:
            self.length = 2 * climb
        elif mode == MODE_EXCLUSIVE and climb > 2:
            self.length = 2 * climb - 2
        else:
            self.length = climb

    def _place(self, i):
        """Where step i of the cycle is on the climb (0 = the lowest note's lowest octave)."""
        climb = self._climb
        mode = self._mode
        if mode == MODE_DOWN:
            return climb - 1 - i
        if i < climb:
            return i
        if mode == MODE_INCLUSIVE:
            return 2 * climb - 1 - i  # back down, the top repeated
        return 2 * climb - 2 - i  # exclusive: back down, without the ends

    def note(self, i):
        place = self._place(i)
        return self._notes[place % self._n] + 12 * (place // self._n)

    def velocity(self, i):
        return self._velocities[self._place(i) % self._n]

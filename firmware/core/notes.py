"""Which notes are sounding, and why: note-offs always match the note-ons that were sent.

Each key remembers the notes it SENT (up to MAX_NOTES_PER_KEY, for a seventh chord), and each MIDI note
has a reference count of the keys holding it (QMK does the same). A note-on goes out only when a note's
count goes 0 -> 1 and its note-off only when it goes 1 -> 0. So an octave shift while keys are held,
overlapping chords or two keys sharing a note never leave a note sounding once every key is up.
"""

from core.chord import UNISON
from core.compat import const, micropython

try:
    from core.compat import ptr8  # CPython: a stand-in (MicroPython: a viper builtin)
except ImportError:
    pass

MAX_NOTES_PER_KEY = const(4)
_STATUS_NOTE_OFF = const(0x80)
_STATUS_NOTE_ON = const(0x90)
_STATUS_CONTROL_CHANGE = const(0xB0)
_RELEASE_VELOCITY = const(0x40)  # MIDI 1.0: 64 when release velocity is not sensed
_CC_ALL_NOTES_OFF = const(123)


class NoteTracker:
    def __init__(self, tx, n_keys):
        self._tx = tx
        self.channel = 0
        self.refcount = bytearray(128)
        self._key_notes = bytearray(n_keys * MAX_NOTES_PER_KEY)
        self._key_count = bytearray(n_keys)
        self.n_keys = n_keys
        self._changed = bytearray(MAX_NOTES_PER_KEY)  # the notes a hold or release turns on or off

    def hold(self, key, note, velocity):
        """Key `key` now holds `note` (0..127; others are skipped); sends note-on if nobody else does."""
        self.hold_chord(key, note, UNISON, velocity)

    # hold_chord and release are viper: their bytearrays are read and written in place, not through a
    # runtime call per subscript as in machine code (native), and a chord's notes take one call, not a call
    # each: a seventh chord is four notes in one tick (tools/bench/scan_tick.py). Under CPython the same
    # source runs (core/compat.py's stand-ins).
    @micropython.viper
    def hold_chord(self, key: int, root: int, intervals, velocity: int):
        """Key `key` now holds root + each of `intervals` (bytes, core/chord.py), in order, as hold() would
        one at a time."""
        steps = ptr8(intervals)
        n_steps = int(len(intervals))
        key_count = ptr8(self._key_count)
        key_notes = ptr8(self._key_notes)
        refcount = ptr8(self.refcount)
        changed = ptr8(self._changed)
        n_changed = 0
        first = key * MAX_NOTES_PER_KEY
        step = 0
        while step < n_steps:
            note = root + steps[step]
            step += 1
            if note < 0 or note > 127:
                continue
            count = key_count[key]
            end = first + count
            i = first
            while i < end and key_notes[i] != note:
                i += 1
            if i < end or count >= MAX_NOTES_PER_KEY:
                continue  # this key already holds it, or holds all it can
            key_notes[end] = note
            key_count[key] = count + 1
            held = refcount[note] + 1
            refcount[note] = held
            if held == 1:
                changed[n_changed] = note
                n_changed += 1
        if n_changed:
            self._tx.channel_messages(_STATUS_NOTE_ON | int(self.channel), self._changed, n_changed, velocity)

    @micropython.viper
    def release(self, key: int):
        """Key `key` lets go of every note it holds; sends note-off for those nobody else holds."""
        key_count = ptr8(self._key_count)
        key_notes = ptr8(self._key_notes)
        refcount = ptr8(self.refcount)
        changed = ptr8(self._changed)
        n_changed = 0
        first = key * MAX_NOTES_PER_KEY
        i = first
        end = first + key_count[key]
        while i < end:
            note = key_notes[i]
            held = refcount[note] - 1
            refcount[note] = held
            if not held:
                changed[n_changed] = note
                n_changed += 1
            i += 1
        if n_changed:
            status = _STATUS_NOTE_OFF | int(self.channel)
            self._tx.channel_messages(status, self._changed, n_changed, _RELEASE_VELOCITY)
        key_count[key] = 0

    def holds_any(self, key):
        return self._key_count[key] != 0

    def sounding_count(self):
        total = 0
        for note in range(128):
            if self.refcount[note]:
                total += 1
        return total

    def panic(self):
        """Note-off for every sounding note, then All Notes Off (CC 123); keys forget what they held."""
        for note in range(128):
            if self.refcount[note]:
                self.refcount[note] = 0
                self._tx.channel_message(_STATUS_NOTE_OFF | self.channel, note, _RELEASE_VELOCITY)
        for key in range(self.n_keys):
            self._key_count[key] = 0
        self._tx.channel_message(_STATUS_CONTROL_CHANGE | self.channel, _CC_ALL_NOTES_OFF, 0)

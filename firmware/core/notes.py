"""Which notes are sounding, and why: note-offs always match the note-ons that were sent.

Each key remembers the notes it SENT (up to MAX_NOTES_PER_KEY, for a seventh chord), and each MIDI note
has a reference count of the keys holding it (QMK does the same). A note-on goes out only when a note's
count goes 0 -> 1 and its note-off only when it goes 1 -> 0. So an octave shift while keys are held,
overlapping chords or two keys sharing a note never leave a note sounding once every key is up.
"""

from core.compat import const, micropython

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

    @micropython.native
    def hold(self, key, note, velocity):
        """Key `key` now holds `note` (0..127; others are skipped); sends note-on if nobody else does."""
        if note < 0 or note > 127:
            return
        count = self._key_count[key]
        first = key * MAX_NOTES_PER_KEY
        for i in range(first, first + count):
            if self._key_notes[i] == note:
                return  # this key already holds it
        if count >= MAX_NOTES_PER_KEY:
            return
        self._key_notes[first + count] = note
        self._key_count[key] = count + 1
        self.refcount[note] += 1
        if self.refcount[note] == 1:
            self._tx.channel_message(_STATUS_NOTE_ON | self.channel, note, velocity)

    @micropython.native
    def release(self, key):
        """Key `key` lets go of every note it holds; sends note-off for those nobody else holds."""
        first = key * MAX_NOTES_PER_KEY
        for i in range(first, first + self._key_count[key]):
            note = self._key_notes[i]
            self.refcount[note] -= 1
            if not self.refcount[note]:
                self._tx.channel_message(_STATUS_NOTE_OFF | self.channel, note, _RELEASE_VELOCITY)
        self._key_count[key] = 0

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

"""What the host is owed when it stops reading: the note-offs and controller values that could not wait.

The outgoing queue (core/usbmidi.py TxQueue) holds 64 packets. A packet that finds it full, or that waits
in it while the host has not read for TxQueue's STALE_US, is shed here instead of simply dropped:

- a note-on is dropped, and remembered as unsent, so its note-off is dropped too (the pair never sounds);
- a note-off for a note the host did get is kept (one bit per channel and note) and sent once the host
  reads again: a note-off is never lost, so no note is left sounding;
- the sustain pedal (CC 64), modulation (CC 1), volume (CC 7) and pitch bend keep their latest value per
  channel, sent once the host reads again: no synth is left sustaining or bent;
- anything else (clock, SysEx, other controllers, All Notes Off) is dropped.

Preallocated: 2 x 256 bytes of bits and 64 kept values, whatever the host does.
"""

from array import array

from core.compat import const

_CIN_NOTE_OFF = const(0x8)
_CIN_NOTE_ON = const(0x9)
_CIN_CONTROL_CHANGE = const(0xB)
_CIN_PITCH_BEND = const(0xE)
_RELEASE_VELOCITY = const(0x40)
# The controllers kept, one slot each per channel; the bend is slot _SLOT_BEND.
_CC_SUSTAIN = const(64)
_CC_MODULATION = const(1)
_CC_VOLUME = const(7)
_SLOT_SUSTAIN = const(0)
_SLOT_MODULATION = const(1)
_SLOT_VOLUME = const(2)
_SLOT_BEND = const(3)
_SLOTS = const(4)
_SLOT_CC = bytes((_CC_SUSTAIN, _CC_MODULATION, _CC_VOLUME))
_NONE = const(-1)
_BITMAP_BYTES = const(16 * 128 // 8)  # one bit per channel and note


class Owed:
    def __init__(self):
        self._note_offs = bytearray(_BITMAP_BYTES)  # note-offs the host is owed
        self._unsent_ons = bytearray(_BITMAP_BYTES)  # note-ons shed: their note-offs are shed too
        self._kept = array("h", [_NONE] * (16 * _SLOTS))  # latest value per channel and slot
        self.count = 0  # packets owed: note-offs plus kept values
        self.unsent = 0  # note-ons shed whose note-offs have not come yet

    def shed(self, header, b1, b2, b3):
        """Take a packet that cannot be queued; returns True when it is dropped for good (counted by the
        caller), False when it is kept to be sent later."""
        cin = header & 0xF
        channel = b1 & 0xF
        if cin == _CIN_NOTE_ON and b3:
            at = channel << 4 | b2 >> 3
            bit = 1 << (b2 & 7)
            if not self._unsent_ons[at] & bit:
                self._unsent_ons[at] |= bit
                self.unsent += 1
            return True
        if cin == _CIN_NOTE_OFF or cin == _CIN_NOTE_ON:
            if self.cancels(b1, b2):
                return True
            at = channel << 4 | b2 >> 3
            bit = 1 << (b2 & 7)
            if not self._note_offs[at] & bit:
                self._note_offs[at] |= bit
                self.count += 1
            return False
        if cin == _CIN_PITCH_BEND:
            return self._keep(channel * _SLOTS + _SLOT_BEND, b3 << 7 | b2)
        if cin == _CIN_CONTROL_CHANGE:
            if b2 == _CC_SUSTAIN:
                return self._keep(channel * _SLOTS + _SLOT_SUSTAIN, b3)
            if b2 == _CC_MODULATION:
                return self._keep(channel * _SLOTS + _SLOT_MODULATION, b3)
            if b2 == _CC_VOLUME:
                return self._keep(channel * _SLOTS + _SLOT_VOLUME, b3)
        return True

    def cancels(self, status, note):
        """Whether the note-off for (status's channel, note) ends a note-on that was shed: then it is
        dropped too, queue room or not (forgetting the note-on)."""
        at = (status & 0xF) << 4 | note >> 3
        bit = 1 << (note & 7)
        if not self._unsent_ons[at] & bit:
            return False
        self._unsent_ons[at] &= ~bit
        self.unsent -= 1
        return True

    def _keep(self, slot, value):
        if self._kept[slot] == _NONE:
            self.count += 1
            self._kept[slot] = value
            return False
        self._kept[slot] = value
        return True  # the value it replaces will never be sent

    def pay(self, tx):
        """Queue what is owed into `tx` (its raw `push`, which has room for `tx.free_packets()`), the
        note-offs first; what does not fit stays owed."""
        room = tx.free_packets()
        if not room:
            return
        offs = self._note_offs
        at = 0
        while at < _BITMAP_BYTES and self.count:
            bits = offs[at]
            if bits:
                for b in range(8):
                    if bits & (1 << b):
                        if not room:
                            return
                        tx.push(_CIN_NOTE_OFF, 0x80 | at >> 4, (at & 0xF) << 3 | b, _RELEASE_VELOCITY)
                        offs[at] &= ~(1 << b)
                        self.count -= 1
                        room -= 1
            at += 1
        kept = self._kept
        slot = 0
        while slot < 16 * _SLOTS and self.count:
            value = kept[slot]
            if value != _NONE:
                if not room:
                    return
                channel = slot // _SLOTS
                which = slot % _SLOTS
                if which == _SLOT_BEND:
                    tx.push(_CIN_PITCH_BEND, 0xE0 | channel, value & 0x7F, value >> 7)
                else:
                    tx.push(_CIN_CONTROL_CHANGE, 0xB0 | channel, _SLOT_CC[which], value)
                kept[slot] = _NONE
                self.count -= 1
                room -= 1
            slot += 1

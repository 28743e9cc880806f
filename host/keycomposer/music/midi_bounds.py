"""How much work a MIDI file asks for, read from its bytes before any message is built.

mido builds a Python object for every event of every track before a single limit can be checked, so a
few hundred bytes that declare thousands of tracks, or a note held for days, cost minutes and gigabytes
after parsing. ``check_bounds`` walks the bytes the way mido's reader does (SMF 1.0: a header chunk,
then one ``MTrk`` chunk a track; each event a variable-length delta time, a status byte or running
status, and its data), counting tracks and events and adding up each track's delta times, and refuses
a file past the limits. Where the bytes are broken it stops and leaves the error to mido, whose
messages name the defect.
"""

from __future__ import annotations

import struct

from mido.messages.specs import SPEC_BY_STATUS

MAX_TRACKS = 64  # MIDI tracks in a file (and tracks, one per track and channel, once it is read)
MAX_EVENTS = 500_000  # events in all tracks together: twice MAX_NOTES of note-ons and -offs, and more

# Bytes of each message, status byte included, from mido's own table of specs (so the walk reads as mido reads).
_MESSAGE_LENGTHS = {status: spec["length"] for status, spec in SPEC_BY_STATUS.items()
                    if status not in (0xF0, 0xF7, 0xFF)}


class BoundsError(ValueError):
    """The file asks for more work than an input may; the message says which limit and by how much."""


def check_bounds(data: bytes, max_ticks: int, max_beats: int) -> None:
    """Refuse ``data`` (a whole MIDI file) with more than MAX_TRACKS tracks, MAX_EVENTS events, or a track
    longer than ``max_ticks`` (``max_beats`` beats, for the message). Broken bytes are not judged here."""
    size = len(data)
    if size < 14:
        return
    header_length = struct.unpack_from(">L", data, 4)[0]
    declared = struct.unpack_from(">h", data, 10)[0]
    if declared > MAX_TRACKS:
        raise BoundsError(f"the header declares {declared} tracks, more than the {MAX_TRACKS} an input may have")
    position = 8 + header_length
    events = 0
    for track in range(max(declared, 0)):
        if position + 8 > size or data[position:position + 4] != b"MTrk":
            return
        length = struct.unpack_from(">L", data, position + 4)[0]
        position += 8
        start = position
        ticks = 0
        last_status = None
        while position - start != length:
            # the delta time: 7 bits a byte, the high bit set on all but the last
            delta = 0
            while True:
                if position >= size:
                    return
                byte = data[position]
                position += 1
                delta = (delta << 7) | (byte & 0x7F)
                if byte < 0x80:
                    break
            ticks += delta
            if ticks > max_ticks:
                raise BoundsError(f"track {track} runs past {max_beats} beats, longer than an input may be")
            events += 1
            if events > MAX_EVENTS:
                raise BoundsError(f"more than {MAX_EVENTS} events, more than an input may have")
            if position >= size:
                return
            status = data[position]
            position += 1
            peeked = 0
            if status < 0x80:  # running status: mido has read this byte as the first data byte
                if last_status is None:
                    return
                status, peeked = last_status, 1
            elif status != 0xFF:  # as in mido, a meta event leaves the running status as it was
                last_status = status
            if status in (0xFF, 0xF0, 0xF7):  # meta (a type byte first) and sysex: a length, then data
                position += status == 0xFF
                skip = 0
                while True:
                    if position >= size:
                        return
                    byte = data[position]
                    position += 1
                    skip = (skip << 7) | (byte & 0x7F)
                    if byte < 0x80:
                        break
                position += skip
            elif status in _MESSAGE_LENGTHS:
                position += _MESSAGE_LENGTHS[status] - 1 - peeked
            else:
                return  # mido refuses an undefined status byte
            if position > size:
                return

"""Standard MIDI Files in and out, through mido.

``read_midi`` / ``write_midi`` work on paths, ``from_midi_bytes`` / ``to_midi_bytes`` on bytes, and
``from_mido`` / ``to_mido`` on ``mido.MidiFile`` objects; each pair is the other's inverse for what a
Composition holds (notes, programs, channels, track names, tempos, time signatures).

Names (track names, the composition's title) are written as UTF-8, and read as UTF-8 where their bytes
are valid UTF-8, else as Latin-1.

Every defect in an input file surfaces as one exception type, ``MidiFileError``, whose message names
what is wrong. Documented fallbacks, taken instead of failing:

- a note still sounding at the end of its track ends there;
- a note-off with no matching note-on is ignored; overlapping notes of one pitch pair up first-in,
  first-out; notes of zero length are dropped;
- a channel's program is its first program change (later changes are not modelled);
- a file with no tempo plays at 120 BPM, one with no time signature is in 4/4.

Limits, so no input can exhaust memory or time later (parsing, piano rolls, metrics): at most
``MAX_FILE_BYTES`` (8 MiB, read from regular files, devices and pipes alike), ``MAX_TRACKS`` (64) tracks,
``MAX_EVENTS`` (500 000) events, ``MAX_NOTES`` (200 000) notes and ``MAX_BEATS`` (10 000 beats, about 80
minutes at 120 BPM) a track. Tracks, events and beats are checked on the bytes before mido parses them
(``keycomposer.music.midi_bounds``).
"""

from __future__ import annotations

import io
import os
import struct
from collections import defaultdict, deque
from pathlib import Path

import mido
from mido.midifiles.meta import KeySignatureError

from keycomposer.bounded_read import TooLargeError, read_bounded
from keycomposer.music.composition import Composition, Note, Tempo, TimeSignature, Track
from keycomposer.music.midi_bounds import MAX_TRACKS, BoundsError, check_bounds

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_NOTES = 200_000
MAX_BEATS = 10_000  # about 80 minutes at 120 BPM; keeps piano rolls of any input in memory

# What mido raises on malformed bytes (its parser is not limited to one error type); found by the
# fuzz tests in tests/host/music/test_music_midi_io.py.
_MIDO_PARSE_ERRORS = (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, AttributeError,
                      UnicodeDecodeError, struct.error, KeySignatureError)


class MidiFileError(Exception):
    """An input that is not a usable MIDI file; the message says what is wrong with it."""


def read_midi(path: str | os.PathLike) -> Composition:
    """Read a type 0 or type 1 MIDI file. Inverse of ``write_midi``. Raises MidiFileError."""
    path = Path(path)
    try:
        data = read_bounded(path, MAX_FILE_BYTES)  # a device or a pipe is read within the same bounds
    except TooLargeError as error:
        size = f"more than the {MAX_FILE_BYTES} bytes" if error.size is None else \
            f"{error.size} bytes, more than the {MAX_FILE_BYTES}"
        raise MidiFileError(f"{path}: file is {size} a MIDI input may have") from error
    except OSError as error:
        raise MidiFileError(f"{path}: cannot read: {error.strerror or error}") from error
    try:
        composition = from_midi_bytes(data)
    except MidiFileError as error:
        raise MidiFileError(f"{path}: {error}") from error.__cause__
    if not composition.name:
        composition = Composition(
            composition.tracks, composition.resolution, composition.tempos, composition.time_signatures, path.stem
        )
    return composition


def write_midi(composition: Composition, path: str | os.PathLike, midi_type: int = 1) -> None:
    """Write ``composition`` as a MIDI file of type 1 (default) or 0. Inverse of ``read_midi``."""
    Path(path).write_bytes(to_midi_bytes(composition, midi_type))


def from_midi_bytes(data: bytes) -> Composition:
    """Parse the bytes of a MIDI file. Inverse of ``to_midi_bytes``. Raises MidiFileError."""
    if len(data) == 0:
        raise MidiFileError("file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise MidiFileError(f"file is {len(data)} bytes, more than the {MAX_FILE_BYTES} a MIDI input may have")
    if not data.startswith(b"MThd"):
        raise MidiFileError("not a MIDI file (it does not start with 'MThd')")
    if len(data) < 14:
        raise MidiFileError("truncated: the header chunk is incomplete")
    midi_type, _, division = struct.unpack(">hhh", data[8:14])
    if midi_type == 2:
        raise MidiFileError("type 2 (asynchronous tracks) MIDI files are not supported; use type 0 or 1")
    if midi_type not in (0, 1):
        raise MidiFileError(f"unknown MIDI file type {midi_type} (expected 0 or 1)")
    if division == 0:
        raise MidiFileError("header says zero ticks per beat")
    if division < 0:
        raise MidiFileError("SMPTE time division (frames per second) is not supported; ticks per beat are needed")
    try:
        check_bounds(data, MAX_BEATS * division, MAX_BEATS)  # before mido builds an object per event
    except BoundsError as error:
        raise MidiFileError(str(error)) from error
    try:
        midi_file = mido.MidiFile(file=io.BytesIO(data), clip=False)
    except EOFError as error:
        raise MidiFileError("truncated: the file ends inside a track") from error
    except _MIDO_PARSE_ERRORS as error:
        raise MidiFileError(f"broken MIDI data: {error}") from error
    try:
        return from_mido(midi_file)
    except (ValueError, TypeError) as error:  # a value the model refuses, which a check above missed
        raise MidiFileError(f"invalid MIDI content: {error}") from error


def to_midi_bytes(composition: Composition, midi_type: int = 1) -> bytes:
    """The bytes of a MIDI file holding ``composition``. Inverse of ``from_midi_bytes``."""
    buffer = io.BytesIO()
    to_mido(composition, midi_type).save(file=buffer)
    return buffer.getvalue()


def from_mido(midi_file: mido.MidiFile) -> Composition:
    """Convert a ``mido.MidiFile``. Inverse of ``to_mido``. Raises MidiFileError.

    Each (MIDI track, channel) pair with notes becomes one Track, so a type 0 file is split by channel.
    """
    if midi_file.type not in (0, 1):
        raise MidiFileError(f"MIDI file type {midi_file.type} is not supported; use type 0 or 1")
    resolution = midi_file.ticks_per_beat
    if not isinstance(resolution, int) or resolution <= 0 or resolution > 0x7FFF:
        raise MidiFileError(f"ticks per beat must be in range 1..32767, got {resolution}")
    max_tick = MAX_BEATS * resolution
    tempos: dict[int, int] = {}
    signatures: dict[int, TimeSignature] = {}
    tracks: list[Track] = []
    note_total = 0
    composition_name = ""

    for track_index, midi_track in enumerate(midi_file.tracks):
        track_name = ""
        programs: dict[int, int] = {}
        notes: dict[int, list[Note]] = defaultdict(list)
        sounding: dict[tuple[int, int], deque[tuple[int, int]]] = defaultdict(deque)
        tick = 0
        for message in midi_track:
            tick += message.time
            if tick > max_tick:
                raise MidiFileError(
                    f"track {track_index} runs past {MAX_BEATS} beats, longer than an input may be"
                )
            kind = message.type
            if kind == "note_on" and message.velocity > 0:
                sounding[(message.channel, message.note)].append((tick, message.velocity))
            elif kind == "note_off" or (kind == "note_on" and message.velocity == 0):
                queue = sounding.get((message.channel, message.note))
                if queue:
                    start, velocity = queue.popleft()
                    if tick > start:
                        notes[message.channel].append(Note(start, message.note, tick - start, velocity))
            elif kind == "program_change":
                programs.setdefault(message.channel, message.program)
            elif kind == "set_tempo":
                if message.tempo == 0:
                    raise MidiFileError(f"track {track_index} sets a tempo of 0 microseconds per beat")
                tempos.setdefault(tick, message.tempo)
            elif kind == "time_signature":
                if message.denominator in (1, 2, 4, 8, 16, 32, 64) and message.numerator >= 1:
                    signatures.setdefault(tick, TimeSignature(tick, message.numerator, message.denominator))
            elif kind == "track_name" and not track_name:
                track_name = _from_meta_text(message.name).strip()
        for (channel, pitch), queue in sounding.items():
            for start, velocity in queue:
                if tick > start:
                    notes[channel].append(Note(start, pitch, tick - start, velocity))
        for channel in sorted(notes):
            note_total += len(notes[channel])
            if note_total > MAX_NOTES:
                raise MidiFileError(f"more than {MAX_NOTES} notes, more than an input may have")
            if len(tracks) == MAX_TRACKS:
                raise MidiFileError(f"more than {MAX_TRACKS} tracks with notes (one a MIDI track and channel), "
                                    "more than an input may have")
            name = track_name if len(notes) == 1 else f"{track_name or 'Track'} (channel {channel + 1})"
            tracks.append(Track(tuple(notes[channel]), programs.get(channel, 0), channel, name))
        if track_index == 0 and track_name and (midi_file.type == 0 or not notes):
            composition_name = track_name

    if not tracks:
        raise MidiFileError("contains no notes")
    return Composition(
        tracks=tuple(tracks),
        resolution=resolution,
        tempos=tuple(Tempo(tick, value) for tick, value in sorted(tempos.items())),
        time_signatures=tuple(signatures[tick] for tick in sorted(signatures)),
        name=composition_name,
    )


def to_mido(composition: Composition, midi_type: int = 1) -> mido.MidiFile:
    """Convert to a ``mido.MidiFile`` of type 1 (a conductor track, then one track per Track) or type 0.

    Inverse of ``from_mido``. At equal ticks, note-offs come before note-ons so a repeated note stays two notes.
    """
    if midi_type not in (0, 1):
        raise ValueError(f"MIDI file type must be 0 or 1, got {midi_type}")
    # Events are (tick, order, factory, fields); messages are built once their delta time is known,
    # because building a mido message twice (once, then .copy(time=...)) doubles the cost of big files.
    meta, message = mido.MetaMessage, mido.Message
    conductor: list[tuple] = []
    if composition.name:
        conductor.append((0, 0, meta, {"type": "track_name", "name": _to_meta_text(composition.name)}))
    for tempo in composition.tempos:
        conductor.append((tempo.tick, 1, meta, {"type": "set_tempo", "tempo": tempo.microseconds_per_beat}))
    for signature in composition.time_signatures:
        conductor.append((signature.tick, 1, meta, {"type": "time_signature", "numerator": signature.numerator,
                                                    "denominator": signature.denominator}))

    voice_events = []
    for track in composition.tracks:
        channel = track.channel
        events: list[tuple] = [
            (0, 0, meta, {"type": "track_name", "name": _to_meta_text(track.name)}),
            (0, 1, message, {"type": "program_change", "channel": channel, "program": track.program}),
        ]
        for note in track.notes:
            events.append((note.start, 3, message, {"type": "note_on", "channel": channel, "note": note.pitch,
                                                     "velocity": note.velocity}))
            events.append((note.end, 2, message, {"type": "note_off", "channel": channel, "note": note.pitch}))
        voice_events.append(events)

    midi_file = mido.MidiFile(type=midi_type, ticks_per_beat=composition.resolution)
    if midi_type == 1:
        midi_file.tracks.append(_to_midi_track(conductor))
        midi_file.tracks.extend(_to_midi_track(events) for events in voice_events)
    else:
        merged = conductor + [event for events in voice_events for event in events if event[3]["type"] != "track_name"]
        midi_file.tracks.append(_to_midi_track(merged))
    return midi_file


def _to_meta_text(text: str) -> str:
    """A name as mido must be given it: mido writes text events in Latin-1, one byte a character, so the
    name's UTF-8 bytes are handed over as Latin-1 characters and the file holds UTF-8 (what most tools
    write and read today). Inverse of ``_from_meta_text``. Characters a name cannot hold (a lone
    surrogate from a file name that was not UTF-8) become '?'."""
    return text.encode("utf-8", "replace").decode("latin-1")


def _from_meta_text(text: str) -> str:
    """A text event's bytes read as UTF-8 where they are valid UTF-8, else as the Latin-1 mido read."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def _to_midi_track(events: list) -> mido.MidiTrack:
    """Absolute-tick events (tick, order, factory, fields) to a track of delta times. The sort is stable."""
    track = mido.MidiTrack()
    now = 0
    for tick, _, factory, fields in sorted(events, key=lambda event: (event[0], event[1])):
        fields = dict(fields)
        kind = fields.pop("type")
        track.append(factory(kind, time=tick - now, **fields))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track

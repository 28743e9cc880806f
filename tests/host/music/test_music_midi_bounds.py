"""Tracks, events and beats are bounded on the bytes, before mido builds an object per event."""

import struct

import mido
import pytest

import midi_fixtures as fixtures
from keycomposer.cli import main
from keycomposer.music import MidiFileError, from_midi_bytes, write_midi
from keycomposer.music.midi_bounds import MAX_EVENTS, MAX_TRACKS, check_bounds


def varlen(value: int) -> bytes:
    groups = [value & 0x7F]
    while value > 0x7F:
        value >>= 7
        groups.append(0x80 | (value & 0x7F))
    return bytes(reversed(groups))


def midi_file(tracks: list[bytes], midi_type: int = 1, ticks_per_beat: int = 96) -> bytes:
    chunks = b"".join(b"MTrk" + struct.pack(">L", len(body)) + body for body in tracks)
    return b"MThd" + struct.pack(">LHHH", 6, midi_type, len(tracks), ticks_per_beat) + chunks


def held_note(beats: int, pitch: int = 60, channel: int = 0) -> bytes:
    """One note held ``beats`` beats at 96 ticks per beat: 19 bytes a track."""
    return (bytes([0, 0x90 | channel, pitch, 64]) + varlen(beats * 96) + bytes([0x80 | channel, pitch, 0])
            + b"\x00\xff\x2f\x00")


@pytest.fixture
def mido_must_not_parse(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("mido was asked to parse a file the bounds should have refused")

    monkeypatch.setattr(mido, "MidiFile", refuse)


def test_a_header_declaring_too_many_tracks_is_refused_before_parsing(mido_must_not_parse):
    with pytest.raises(MidiFileError, match=f"declares 65 tracks, more than the {MAX_TRACKS}"):
        from_midi_bytes(fixtures.HEADER_DECLARES_65_TRACKS)


def test_5100_short_tracks_are_refused_before_parsing(mido_must_not_parse):
    with pytest.raises(MidiFileError, match="declares 5100 tracks"):
        from_midi_bytes(midi_file([held_note(1)] * 5100))


def test_a_note_held_past_the_beat_limit_is_refused_before_parsing(mido_must_not_parse):
    with pytest.raises(MidiFileError, match="track 0 runs past 10000 beats"):
        from_midi_bytes(fixtures.NOTE_HELD_PAST_10000_BEATS)


def test_too_many_events_are_refused_before_parsing(mido_must_not_parse):
    running_status = b"\x00\x90\x3c\x40" + b"\x00\x3c\x40" * MAX_EVENTS + b"\x00\xff\x2f\x00"
    with pytest.raises(MidiFileError, match=f"more than {MAX_EVENTS} events"):
        from_midi_bytes(midi_file([running_status], midi_type=0))


def test_events_in_system_messages_and_sysex_are_counted_too(mido_must_not_parse):
    clocks = b"\x00\xf0\x02\x7d\xf7" + b"\x00\xf8" * MAX_EVENTS
    with pytest.raises(MidiFileError, match="events"):
        from_midi_bytes(midi_file([clocks], midi_type=0))


def test_the_walk_reads_events_as_mido_does():
    """Running status, meta events between channel messages, sysex and the last track's events."""
    body = (b"\x00\xff\x03\x01A" b"\x00\x90\x3c\x40" b"\x10\x3c\x00" b"\x00\xff\x01\x02hi" b"\x10\x3e\x40"
            b"\x00\xf0\x03\x01\x02\xf7" b"\x60\x80\x3e\x00" b"\x00\xc0\x05" b"\x00\xff\x2f\x00")
    data = midi_file([body, body])
    parsed = mido.MidiFile(file=__import__("io").BytesIO(data))
    events = sum(len(track) for track in parsed.tracks)
    ticks = max(sum(message.time for message in track) for track in parsed.tracks)
    check_bounds(data, ticks, 1)  # exactly at the limits: accepted
    with pytest.raises(ValueError, match="runs past"):
        check_bounds(data, ticks - 1, 1)
    assert events == 18


def test_tracks_split_by_channel_are_bounded_too():
    """64 MIDI tracks are allowed, but each of notes on two channels would make 128 tracks to measure."""
    two_channels = held_note(1, channel=0)[:-4] + held_note(1, channel=1)
    with pytest.raises(MidiFileError, match=f"more than {MAX_TRACKS} tracks with notes"):
        from_midi_bytes(midi_file([two_channels] * 64))


def test_twenty_notes_held_for_an_hour_import_in_one_go(tmp_path, monkeypatch, capsys):
    """The 417-byte file of issue 29, which took 22 s to import: each of 20 tracks holds a note 9,999 beats."""
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "held.mid"
    path.write_bytes(midi_file([held_note(9_999, pitch=40 + index) for index in range(20)]))
    assert len(path.read_bytes()) < 500
    assert main(["import", str(path)]) == 0
    assert "20 notes, 2500 bars" in capsys.readouterr().out

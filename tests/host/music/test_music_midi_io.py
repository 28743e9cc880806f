"""MIDI files in and out: what is kept, what is refused (always as MidiFileError), and round trips."""

import io

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import midi_fixtures as fixtures
from keycomposer.music import (
    Composition,
    MidiFileError,
    Note,
    Tempo,
    TimeSignature,
    Track,
    from_midi_bytes,
    read_midi,
    sample_composition,
    to_midi_bytes,
    write_midi,
)
from keycomposer.music.midi_io import MAX_FILE_BYTES


def test_type0_file_keeps_note_program_tempo_and_meter():
    composition = from_midi_bytes(fixtures.TYPE0_ONE_NOTE)
    assert composition.resolution == 96
    assert composition.tempos == (Tempo(0, 500_000),)
    assert composition.time_signatures == (TimeSignature(0, 3, 4),)
    (track,) = composition.tracks
    assert track.program == 5 and track.channel == 0
    assert track.notes == (Note(start=0, pitch=60, duration=96, velocity=100),)


def test_type1_file_keeps_tempo_changes_track_names_and_drums():
    composition = from_midi_bytes(fixtures.TYPE1_TWO_TRACKS)
    assert composition.tempos == (Tempo(0, 600_000), Tempo(480, 500_000))
    lead, drums = composition.tracks
    assert lead.name == "Lead" and not lead.is_drum
    assert lead.notes == (Note(0, 64, 480, 80),)  # a note-on with velocity 0 ended it
    assert drums.is_drum and drums.notes == (Note(0, 36, 120, 127),)


def test_a_note_never_switched_off_ends_with_its_track():
    (track,) = from_midi_bytes(fixtures.HANGING_NOTE).tracks
    assert track.notes == (Note(0, 60, 384, 100),)


@pytest.mark.parametrize("data, message", [
    (fixtures.TYPE2, "type 2"),
    (fixtures.ZERO_TICKS_PER_BEAT, "zero ticks per beat"),
    (fixtures.SMPTE_DIVISION, "SMPTE"),
    (fixtures.TRUNCATED, "truncated"),
    (fixtures.NO_NOTES, "no notes"),
    (fixtures.UNDEFINED_STATUS, "undefined status byte 0xf4"),
    (fixtures.TOO_LONG, "beats"),
    (fixtures.BAD_KEY_SIGNATURE, "key"),
    (fixtures.ZERO_TEMPO, "tempo of 0"),
    (b"", "empty"),
    (b"RIFF\x00\x00\x00\x00WAVE", "not a MIDI file"),
    (b"MThd\x00\x00", "truncated"),
])
def test_defective_files_raise_one_error_type_that_names_the_defect(data, message):
    with pytest.raises(MidiFileError, match=message):
        from_midi_bytes(data)


def test_mido_errors_are_chained_not_hidden():
    with pytest.raises(MidiFileError) as caught:
        from_midi_bytes(fixtures.TRUNCATED)
    assert isinstance(caught.value.__cause__, EOFError)


def test_huge_files_are_refused_before_parsing(tmp_path):
    huge = tmp_path / "huge.mid"
    with open(huge, "wb") as handle:
        handle.write(fixtures.TYPE0_ONE_NOTE)
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(MidiFileError, match=r"huge.mid: file is \d+ bytes"):
        read_midi(huge)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(MidiFileError, match="nothing.mid: cannot read"):
        read_midi(tmp_path / "nothing.mid")


def test_file_round_trip_keeps_everything_a_composition_holds(tmp_path):
    original = Composition(
        tracks=(
            Track((Note(0, 60, 240, 90), Note(240, 60, 240, 91), Note(120, 64, 600, 1)), 40, 0, "Violin"),
            Track((Note(0, 36, 60, 127), Note(480, 38, 60, 100)), 0, 9, "Drums"),
        ),
        resolution=240,
        tempos=(Tempo(0, 400_000), Tempo(960, 700_000)),
        time_signatures=(TimeSignature(0, 6, 8), TimeSignature(720, 2, 4)),
        name="Round trip",
    )
    path = tmp_path / "round.mid"
    write_midi(original, path)
    assert read_midi(path) == original


def test_type0_output_reads_back_to_the_same_notes(tmp_path):
    original = sample_composition("greensleeves")
    data = to_midi_bytes(original, midi_type=0)
    assert mido.MidiFile(file=io.BytesIO(data)).type == 0
    again = from_midi_bytes(data)
    assert again.tracks[0].notes == original.tracks[0].notes
    assert again.tempos == original.tempos and again.time_signatures == original.time_signatures


notes = st.builds(Note, start=st.integers(0, 5000), pitch=st.integers(0, 127),
                  duration=st.integers(1, 2000), velocity=st.integers(1, 127))
tracks = st.builds(Track, notes=st.lists(notes, min_size=1, max_size=20).map(tuple),
                   program=st.integers(0, 127), channel=st.integers(0, 15),
                   name=st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=12))


@settings(max_examples=60, deadline=None)
@given(track_list=st.lists(tracks, min_size=1, max_size=4), resolution=st.integers(1, 960),
       tempo=st.integers(1, 0xFFFFFF))
def test_any_composition_survives_a_type1_round_trip(track_list, resolution, tempo):
    # One pitch may not overlap itself on one channel: MIDI cannot say which note-off ends which note.
    track_list = [track for track in track_list if _no_self_overlap(track)]
    if not track_list:
        return
    original = Composition(tuple(track_list), resolution, (Tempo(0, tempo),))
    assert from_midi_bytes(to_midi_bytes(original)) == original


def _no_self_overlap(track):
    ends = {}
    for note in track.notes:
        if note.start < ends.get(note.pitch, 0):
            return False
        ends[note.pitch] = note.end
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300))
def test_random_bytes_only_ever_raise_midi_file_error(data):
    try:
        from_midi_bytes(data)
    except MidiFileError:
        pass


VALID = to_midi_bytes(sample_composition("twinkle"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=6),
       cut=st.integers(0, len(VALID)))
def test_mutated_midi_files_only_ever_raise_midi_file_error(edits, cut):
    data = bytearray(VALID)
    for position, value in edits:
        data[position] = value
    try:
        composition = from_midi_bytes(bytes(data[:cut] if cut > 14 else data))
    except MidiFileError:
        return
    assert composition.note_count > 0


def test_a_type0_file_is_split_into_one_track_per_channel():
    melody, drums = sample_composition("twinkle").tracks[0], Track((Note(0, 36, 120),), channel=9)
    bass = Track((Note(0, 36, 960),), program=32, channel=1)
    again = from_midi_bytes(to_midi_bytes(Composition((melody, bass, drums)), midi_type=0))
    assert [(track.channel, track.program, track.notes) for track in again.tracks] == [
        (0, 0, melody.notes), (1, 32, bass.notes), (9, 0, drums.notes)]

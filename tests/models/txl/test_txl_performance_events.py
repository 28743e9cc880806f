"""The performance-event tokenizer: its vocabulary, and round trips that are exact at the 10 ms grid."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keycomposer.models import performance_events as events
from keycomposer.music.composition import Composition, Note, Tempo, Track


def test_the_vocabulary_is_deepcomposers_310_tokens_in_blocks():
    assert events.VOCAB_SIZE == 310
    assert [(k.name, k.count) for k in events.KINDS.values()] == [
        ("note_on", 88), ("note_off", 88), ("time_shift", 100), ("velocity", 32), ("start", 1), ("pad", 1),
    ]
    assert (events.START, events.PAD) == (308, 309)


def test_tokens_read_as_their_events():
    notes = [(0.0, 0.5, 60, 82), (0.0, 1.0, 64, 82), (2.7, 3.0, 67, 30)]
    described = [events.describe(t) for t in events.encode_notes(notes, start_token=True)]
    assert described == [
        "start", "velocity 82", "note_on 60", "note_on 64", "time_shift 500 ms", "note_off 60",
        "time_shift 500 ms", "note_off 64", "time_shift 1000 ms", "time_shift 700 ms",
        "velocity 30", "note_on 67", "time_shift 300 ms", "note_off 67",
    ]


def test_a_long_silence_takes_several_one_second_shifts():
    tokens = events.encode_notes([(2.55, 2.56, 60, 82)])
    assert [events.describe(t) for t in tokens[:3]] == ["time_shift 1000 ms", "time_shift 1000 ms", "time_shift 550 ms"]


def test_notes_outside_the_88_keys_are_dropped():
    tokens = events.encode_notes([(0, 1, 20, 80), (0, 1, 21, 80), (0, 1, 108, 80), (0, 1, 109, 80)])
    pitches = sorted(events.decode_tokens(tokens)[:, 2].astype(int).tolist())
    assert pitches == [21, 108]


def test_a_key_struck_again_before_release_ends_the_first_note():
    notes = events.decode_tokens(events.encode_notes([(0.0, 1.0, 60, 82), (0.5, 1.5, 60, 82)]))
    assert notes.tolist() == [[0.0, 0.5, 60, 82], [0.5, 1.5, 60, 82]]


def test_any_token_sequence_decodes():
    off_before_on = [events.NOTE_OFF.token(10), events.PAD, events.NOTE_ON.token(39)]  # ends with a held key
    assert events.decode_tokens(off_before_on).tolist() == [[0.0, 0.01, 60, 82]]


def test_tokens_outside_the_vocabulary_are_refused():
    with pytest.raises(ValueError, match="token must be in range 0..309, got 310"):
        events.decode_tokens([310])


@st.composite
def grid_notes(draw):
    """Notes on the 10 ms grid with bin-centre velocities; one key never sounds twice at once."""
    rows = []
    for pitch in draw(st.lists(st.integers(21, 108), min_size=1, max_size=6, unique=True)):
        at = draw(st.integers(0, 300))
        for _ in range(draw(st.integers(1, 4))):
            length = draw(st.integers(1, 250))
            velocity = events.velocity_of_bin(draw(st.integers(0, 31)))
            rows.append((at, at + length, pitch, velocity))
            at += length + draw(st.integers(0, 150))
    return sorted(rows)


@settings(max_examples=200, deadline=None)
@given(grid_notes())
def test_notes_round_trip_exactly_at_the_grid(rows):
    notes = np.array(rows, dtype=np.float64)
    notes[:, :2] *= events.GRID_SECONDS
    back = events.decode_tokens(events.encode_notes(notes))
    assert back[:, 2:].tolist() == notes[:, 2:].tolist()
    assert np.round(back[:, :2] / events.GRID_SECONDS).astype(int).tolist() == [list(r[:2]) for r in rows]


@settings(max_examples=100, deadline=None)
@given(grid_notes(), st.integers(0, 127))
def test_compositions_round_trip_exactly_at_the_grid(rows, program):
    ticks_per_step = 10  # events' own frame: 500 ticks per beat at 120 BPM is 1 ms per tick
    notes = tuple(Note(a * ticks_per_step, p, (b - a) * ticks_per_step, v) for a, b, p, v in rows)
    piece = Composition((Track(notes, program=program),), resolution=500, tempos=(Tempo(0, 500_000),))
    back = events.from_events(events.to_events(piece), program=program)
    assert back.tracks == piece.tracks


def test_a_composition_is_read_through_its_tempo_map_and_drums_are_left_out():
    piano = Track((Note(0, 60, 480), Note(960, 62, 480)), program=0)
    drums = Track((Note(0, 36, 120),), channel=9)
    piece = Composition((piano, drums), resolution=480, tempos=(Tempo(0, 500_000), Tempo(480, 1_000_000)))
    assert events.composition_notes(piece)[:, :3].tolist() == [[0.0, 0.5, 60], [1.5, 2.5, 62]]
    assert events.seconds_to_tick(piece, 1.5) == 960

"""Melody tokens: a note carries its own length, bars carry the meter, and decoding inverts encoding."""

import numpy as np
import pytest

from keycomposer.models import melody_tokens as t
from keycomposer.models.melody_line import MelodyError, melody_of, notes_to_track
from keycomposer.music.composition import Composition, Note, TimeSignature, Track
from keycomposer.music.samples import sample_composition, sample_names


def line(*rows):
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def test_a_note_is_position_pitch_duration_inside_its_bar():
    melody = t.Melody(line((0, 4, 60), (4, 4, 60), (20, 8, 67)), np.array([[0, 16], [16, 16]]))
    assert t.encode(melody) == [
        t.START,
        t.BAR.token(16), t.POS.token(0), t.PITCH.token(60), t.DUR.token(4),
        t.POS.token(4), t.PITCH.token(60), t.DUR.token(4),  # a repeated note stays two notes
        t.BAR.token(16), t.POS.token(4), t.PITCH.token(67), t.DUR.token(8),
    ]


@pytest.mark.parametrize("name", sample_names())
def test_decoding_inverts_encoding_for_every_sample(name):
    melody = melody_of(sample_composition(name))
    back = t.decode(t.encode(melody), bar_start=int(melody.bars[0, 0]))
    assert np.array_equal(back.notes, melody.notes)
    assert np.array_equal(back.bars, melody.bars)


def test_a_pickup_is_the_end_of_a_whole_bar():
    melody = melody_of(sample_composition("amazing_grace"))  # 3/4 with one beat of pickup
    first_bar = t.encode(melody)[1:5]
    assert first_bar == [t.BAR.token(12), t.POS.token(8), t.PITCH.token(62), t.DUR.token(4)]


def test_an_unfinished_note_is_left_out_and_long_notes_are_cut():
    tokens = [t.BAR.token(16), t.POS.token(0), t.PITCH.token(60), t.DUR.token(t.MAX_DURATION),
              t.POS.token(8), t.PITCH.token(62)]
    assert t.decode(tokens).notes.tolist() == [[0, t.MAX_DURATION, 60]]
    long = t.Melody(line((0, 100, 60)), np.array([[0, 16]]))
    assert t.decode(t.encode(long)).notes.tolist() == [[0, t.MAX_DURATION, 60]]


def test_the_grammar_makes_positions_rise_and_keeps_the_bar_length():
    grammar = t.Grammar(bar_length=12)
    assert np.flatnonzero(grammar.allowed()).tolist() == [t.BAR.token(12)]
    for token in (t.BAR.token(12), t.POS.token(5)):
        grammar.push(token)
    assert np.flatnonzero(grammar.allowed()).tolist() == list(range(t.PITCH.first, t.PITCH.first + t.PITCH.count))
    grammar.push(t.PITCH.token(64))
    assert grammar.allowed()[t.DUR.token(3)] and not grammar.allowed()[t.POS.token(6)]
    grammar.push(t.DUR.token(3))
    allowed = np.flatnonzero(grammar.allowed()).tolist()
    assert allowed == [t.BAR.token(12)] + [t.POS.token(p) for p in range(6, 12)]


def test_the_top_line_keeps_the_highest_note_and_cuts_at_the_next():
    assert t.monophonic(line((0, 8, 60), (0, 8, 64), (4, 4, 62))).tolist() == [[0, 4, 64], [4, 4, 62]]


def test_the_main_track_is_read_and_drums_never_count():
    melody = Track((Note(0, 60, 480), Note(480, 62, 480), Note(960, 64, 240)), program=40)
    drums = Track(tuple(Note(i * 120, 36, 60) for i in range(10)), channel=9)
    piece = Composition((drums, melody), resolution=480, time_signatures=(TimeSignature(0, 3, 4),))
    read = melody_of(piece)
    assert read.notes.tolist() == [[0, 4, 60], [4, 4, 62], [8, 2, 64]]
    assert read.bars.tolist() == [[0, 12]]
    with pytest.raises(MelodyError, match="only drum notes"):
        melody_of(Composition((drums,)))
    track = notes_to_track(piece, read.notes, 40, 0, "again", velocity=100)
    assert track.notes == melody.notes

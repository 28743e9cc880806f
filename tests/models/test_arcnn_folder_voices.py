"""How `keycomposer train arcnn` reads a piece of the person's as four voices (no TensorFlow needed)."""

from keycomposer.music.composition import Composition, Note, Track
from keycomposer.trainers.arcnn.chorales import composition_voices


def track(*notes, channel=0):
    return Track(tuple(Note(start, pitch, duration) for start, pitch, duration in notes), channel=channel)


def test_the_four_highest_pitched_tracks_are_soprano_to_bass_and_drums_are_left_out():
    low, tenor, alto, soprano = (track((0, p, 480)) for p in (40, 52, 60, 70))
    drums = track((0, 90, 480), channel=9)
    lowest = track((0, 30, 480))
    voices, reason = composition_voices(Composition((lowest, tenor, drums, soprano, low, alto), resolution=480))
    assert reason is None
    assert [v[0][2] for v in voices] == [70, 60, 52, 40]  # 16th steps: a quarter of 480 ticks is 4 steps
    assert voices[0] == [(0, 4, 70)]


def test_a_voice_keeps_the_top_note_of_a_chord_and_cuts_a_note_where_the_next_starts():
    chordal = track((0, 60, 960), (0, 64, 960), (480, 67, 480))
    others = [track((0, p, 960)) for p in (55, 50, 45)]
    voices, _ = composition_voices(Composition((chordal, *others), resolution=480))
    assert voices[0] == [(0, 4, 64), (4, 8, 67)]


def test_a_piece_that_does_not_fit_says_why():
    three = Composition(tuple(track((0, p, 480)) for p in (60, 55, 50)))
    assert composition_voices(three) == (None, "3 pitched tracks with notes; the AR-CNN learns from four voices")
    high = Composition(tuple(track((0, p, 480)) for p in (100, 55, 50, 45)))
    assert composition_voices(high) == (None, "pitch 100 is outside the AR-CNN's range (MIDI 28..91)")

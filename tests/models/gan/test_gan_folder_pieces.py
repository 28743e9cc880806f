"""How `keycomposer train gan` reads a piece of the person's, and what its picture shows (no TensorFlow needed):
the four highest pitched tracks, the highest as the melody; the sample is decoded as inference decodes."""

import numpy as np

from keycomposer.models import voice_grid
from keycomposer.music.composition import Composition, Note, TimeSignature, Track
from keycomposer.trainers.gan import command, fitting
from keycomposer.trainers.gan.pieces import Piece, composition_piece


def track(*notes, channel=0):
    return Track(tuple(Note(start, pitch, duration) for start, pitch, duration in notes), channel=channel)


def test_the_highest_track_is_the_melody_and_the_next_three_the_parts_with_their_onsets():
    melody = track((0, 72, 480), (480, 72, 480))  # the same pitch struck twice: two notes
    parts = [track((0, p, 960)) for p in (64, 55, 43)]
    drums = track((0, 90, 960), channel=9)
    piece, reason = composition_piece("song.mid", Composition((parts[2], drums, melody, parts[0], parts[1]),
                                                              resolution=480))
    assert reason is None and piece.name == "song.mid" and piece.parts.shape == (4, 8, 128)
    assert [int(np.flatnonzero(piece.parts[k, 0])[0]) for k in range(4)] == [72, 64, 55, 43]
    assert piece.struck[0, :, 72].nonzero()[0].tolist() == [0, 4] and piece.struck[1, :, 64].nonzero()[0].tolist() == [0]


def test_a_piece_keeps_its_meter_and_one_with_three_tracks_says_why():
    waltz = Composition(tuple(track((0, p, 1440)) for p in (72, 64, 55, 43)), resolution=480,
                        time_signatures=(TimeSignature(0, 3, 4),))
    piece, _ = composition_piece("waltz.mid", waltz)
    assert piece.meter == (3, 4) and piece.bars.starts(24).tolist() == [0, 12]
    three = Composition(tuple(track((0, p, 480)) for p in (60, 55, 50)))
    assert composition_piece("trio.mid", three) == (
        None, "3 pitched tracks with notes; the GAN learns a melody and three parts under it")


def test_the_melody_band_is_centred_on_the_training_melodies():
    def piece(low, high):
        parts = np.zeros((4, 8, 128), dtype=bool)
        parts[0, :4, low] = parts[0, 4:, high] = True
        return Piece("p", parts)

    assert command.melody_band({"train": [piece(60, 80), piece(62, 70)]}) == 70 - 32
    assert command.melody_band({"train": [piece(100, 127)]}) == 64  # the band stops at MIDI 127


def test_the_pictures_sample_is_the_melody_and_the_parts_the_logits_favour():
    steps, lowest = fitting.STEPS, 33
    melody = np.zeros((steps, 65), dtype=np.float32)
    melody[:, 72 - lowest] = 1
    melody[[0, 32], -1] = 1  # C5 struck at 0 and again at 32
    logits = np.full((steps, 3, voice_grid.CLASSES), -20.0)
    for part, pitch in enumerate((64, 55, 43)):
        logits[0, part, 1 + pitch - voice_grid.LOWEST_PITCH] = 20  # struck at step 0 ...
        logits[1:, part, 1 + voice_grid.PITCHES + pitch - voice_grid.LOWEST_PITCH] = 20  # ... and held
    notes = fitting.sample_notes(logits, melody, lowest)
    assert sorted(notes) == sorted([(0, 32, 72, 0), (32, 64, 72, 0), (0, 64, 64, 1), (0, 64, 55, 2), (0, 64, 43, 3)])

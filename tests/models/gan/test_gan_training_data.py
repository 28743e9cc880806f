"""The GAN's training examples: split by piece, 4-bar windows that fit the band, melody apart from the parts' classes.
(Pure numpy: no TensorFlow or music21 needed.)"""

import numpy as np
import pytest

from keycomposer.models import voice_grid
from tools.gan import data, model, train
from tools.gan.data import Piece


def test_the_split_of_a_piece_is_pinned_by_its_name():
    # Pinned values: if the hash rule changed, test chorales could drift into training.
    assert [data.split_of(name) for name in ("bach/bwv269", "bach/bwv180.7", "bach/bwv429", "bach/bwv311")] == [
        "train", "test", "test", "valid"]
    shares = [data.split_of(f"bach/bwv{n}") for n in range(1000)]
    assert 0.7 < shares.count("train") / 1000 < 0.9 and shares.count("test") > 50


def test_every_quartet_is_in_one_split_with_one_test_quartet_per_composer():
    splits = {piece: data.quartet_split_of(piece) for piece in data.QUARTET_PIECES}
    tests = [piece for piece, split in splits.items() if split == "test"]
    assert sorted(piece.split("/")[0] for piece in tests) == ["beethoven", "haydn", "mozart"]
    assert list(splits.values()).count("valid") >= 1
    trained = {piece.split("/")[0] for piece, split in splits.items() if split == "train"}
    assert trained == {"beethoven", "haydn", "mozart"}  # no composer is heard only at test time


def piece_with(melody_pitch, low_pitch, steps=96):
    parts = np.zeros((4, steps, 128), dtype=bool)
    parts[0, :, melody_pitch] = True
    parts[1, :, melody_pitch - 5] = True
    parts[2, :, melody_pitch - 12] = True
    parts[3, :, low_pitch] = True
    return parts


def test_a_window_keeps_the_melody_apart_and_transposes_all_parts_together():
    sampler = train.WindowSampler([Piece("p", piece_with(72, 48))], lowest=33, rng=np.random.default_rng(1))
    melody, parts = sampler.batch(50)
    assert melody.shape == (50, model.STEPS, model.MELODY_FEATURES) and parts.shape == (50, model.STEPS, 3)
    melody_pitch = melody[:, 0, :model.PITCHES].argmax(axis=1) + 33
    assert (voice_grid.sounding_pitch(parts[:, 0, 2]) == melody_pitch - 24).all()  # the bass 24 below in every key
    shifts = melody_pitch - 72
    assert shifts.min() >= -5 and shifts.max() <= 6 and len(set(shifts)) > 3


def test_a_held_note_is_one_onset_then_holds_and_a_note_struck_again_is_struck():
    parts = piece_with(72, 48)
    struck = np.zeros_like(parts)
    struck[:, 0] = parts[:, 0]
    struck[3, 8, 48] = True  # the bass strikes its note again at step 8
    sampler = train.WindowSampler([Piece("p", parts, struck=struck)], lowest=33, rng=np.random.default_rng(1))
    melody, classes = sampler.take(sampler.windows[:1], [0])
    bass = classes[0, :, 2]
    assert voice_grid.onsets(bass).nonzero()[0].tolist() == [0, 8]
    assert melody[0, :, -1].nonzero()[0].tolist() == [0]  # the melody's note starts once


def test_a_divided_part_is_read_at_its_top_note_and_the_bass_at_its_lowest():
    sounding = np.zeros((4, 128), dtype=bool)
    sounding[:, [48, 55]] = True
    assert train.voice_of(sounding, sounding, lowest=False)[0].tolist() == [55] * 4
    assert train.voice_of(sounding, sounding, lowest=True)[0].tolist() == [48] * 4


def test_a_window_whose_melody_rests_is_not_an_example():
    parts = piece_with(72, 48, steps=128)
    parts[0, :64] = False  # the first four bars of melody rest
    sampler = train.WindowSampler([Piece("p", parts)], lowest=33, rng=np.random.default_rng(0))
    assert sampler.windows[:, 1].min() > 0


def test_parts_too_wide_for_the_band_in_any_key_are_left_out():
    with pytest.raises(ValueError, match="no window"):
        train.WindowSampler([Piece("p", piece_with(100, 20))], lowest=33, rng=np.random.default_rng(0))


def test_a_cache_is_split_by_the_rules_of_today_not_of_the_day_it_was_written(tmp_path):
    pieces = ["mozart/k80", "haydn/opus1no1", "beethoven/opus18no3", "beethoven/opus18no1"]
    rolls = np.zeros((4, 16 * len(pieces), 128), dtype=bool)
    np.savez_compressed(tmp_path / "quartet.npz", pieces=np.array(pieces), splits=np.array(["train"] * len(pieces)),
                        offsets=np.arange(0, 16 * len(pieces) + 1, 16), rolls=np.packbits(rolls, axis=2))
    splits = data.load("quartet", str(tmp_path))
    assert {split: [piece.name for piece in found] for split, found in splits.items()} == {
        "train": ["beethoven/opus18no3", "beethoven/opus18no1"], "valid": ["mozart/k80"], "test": ["haydn/opus1no1"]}
    assert splits["train"][1].parts.shape == (4, 16, 128)
    assert splits["train"][1].meter == (4, 4)  # a cache from before meters were kept reads as 4/4


def test_a_piece_barred_gets_the_rests_its_pickup_bar_lacks_before_it_and_keeps_its_meter(tmp_path):
    rolls = np.zeros((4, 20, 128), dtype=bool)
    rolls[0, 0:4, 72] = True  # a waltz's quarter-note pickup, then a bar of 3/4
    rolls[0, 4:16, 74] = True
    rolls[1:, 16:20, 60] = True  # and a 4/4 piece's first beat
    np.savez_compressed(tmp_path / "quartet.npz", pieces=np.array(["mozart/k155", "mozart/k458"]),
                        offsets=np.array([0, 16, 20]), rolls=np.packbits(rolls, axis=2),
                        meters=np.array([[3, 4], [4, 4]]), leads=np.array([8, 0]),
                        changes=np.array([[4, 2, 4, 0]]), change_offsets=np.array([0, 1, 1]))  # 2/4 after the pickup
    waltz, common = data.load("quartet", str(tmp_path), barred=True)["train"]
    assert waltz.meter == (3, 4) and waltz.parts.shape == (4, 24, 128)
    assert waltz.changes == ((12, (2, 4), 0),) and waltz.bars.starts(24).tolist() == [0, 12, 20]
    assert not waltz.parts[:, :8].any() and waltz.parts[0, 8:12, 72].all()  # the pickup ends its bar
    assert common.meter == (4, 4) and common.parts.shape == (4, 4, 128)
    as_scored, _ = data.load("quartet", str(tmp_path))["train"]
    assert as_scored.parts.shape == (4, 16, 128) and as_scored.parts[0, 0, 72] and as_scored.changes[0][0] == 4


def test_a_score_s_meter_is_its_first_time_signature_and_its_lead_what_its_pickup_bar_lacks():
    music21 = pytest.importorskip("music21")
    part = music21.stream.Part()
    pickup = music21.stream.Measure(number=0)
    pickup.append(music21.meter.TimeSignature("3/4"))
    pickup.append(music21.note.Note("C5", quarterLength=1))
    pickup.paddingLeft = 2.0
    part.append(pickup)
    whole = music21.stream.Measure(number=1)
    whole.append(music21.note.Note("D5", quarterLength=3))
    part.append(whole)
    assert data.score_bars(music21.stream.Score([part])) == ((3, 4), 8, ())


def test_a_score_s_later_bars_follow_its_measures_new_meters_and_a_new_section_s_pickup():
    music21 = pytest.importorskip("music21")

    def measure(number, quarters, signature=None, padding=0.0):
        found = music21.stream.Measure(number=number)
        if signature:
            found.append(music21.meter.TimeSignature(signature))
        found.append(music21.note.Note("C5", quarterLength=quarters))
        found.paddingLeft = padding
        return found

    part = music21.stream.Part()
    for found in (measure(0, 1, "3/4", padding=2.0), measure(1, 3), measure(2, 2, "2/4"),
                  measure(3, 0.5, "6/8"), measure(4, 3)):  # measure 3: the 6/8 section's one-8th pickup
        part.append(found)
    assert data.score_bars(music21.stream.Score([part])) == ((3, 4), 8, ((16, (2, 4), 0), (24, (6, 8), 10)))


def test_a_piece_s_first_bars_end_where_its_own_bars_do():
    waltz_then_march = Piece("p", np.ones((4, 12 + 16 * 3, 128), dtype=bool), (3, 4), ((12, (4, 4), 0),))
    assert waltz_then_march.first_bars(1).shape == (4, 12, 128)  # one 3/4 bar
    assert waltz_then_march.first_bars(2).shape == (4, 28, 128)  # and a 4/4 one
    assert waltz_then_march.first_bars(0).shape == waltz_then_march.first_bars(9).shape == (4, 60, 128)

"""How AR-CNN training examples are made: the split, the masks, the transposition (numpy only)."""

import json
from pathlib import Path

import numpy as np

from keycomposer.models import voice_grid
from tools.arcnn import data, train

CARD = Path(__file__).resolve().parents[2] / "models_tflite" / "arcnn_bach.json"


def test_the_split_is_fixed_by_the_name_and_near_60_20_20():
    names = [f"bach/bwv{n}.{k}" for n in range(1, 300) for k in range(1, 5)]
    splits = [data.split_of(name) for name in names]
    assert splits == [data.split_of(name) for name in names]
    shares = {s: splits.count(s) / len(splits) for s in ("train", "valid", "test")}
    assert abs(shares["train"] - 0.6) < 0.04 and abs(shares["valid"] - 0.2) < 0.04 and abs(shares["test"] - 0.2) < 0.04


def test_the_cards_test_chorales_are_the_ones_the_split_names():
    card = json.loads(CARD.read_text())
    test_ids = card["data"]["test_ids"]
    assert len(test_ids) == card["data"]["chorales"]["test"] > 50
    assert {data.split_of(name) for name in test_ids} == {"test"}


def chorale(shift=0):
    soprano = [(0, 4, 72 + shift), (4, 8, 72 + shift), (8, 16, 74 + shift), (16, 200, 76 + shift)]
    lower = [[(0, 200, 64 - 7 * v + shift)] for v in range(3)]
    return data.Chorale("bach/test", [soprano] + lower)


def test_a_window_keeps_repeated_notes_and_starts_a_note_cut_by_its_start():
    classes = chorale().classes(0, 128)
    assert voice_grid.class_notes(classes[0])[:2] == [(0, 4, 72), (4, 8, 72)]
    later = chorale().classes(12, 128)
    assert voice_grid.class_notes(later[0])[0] == (0, 4, 74)  # begun before the window: starts at its first step
    assert voice_grid.class_notes(later[1]) == [(0, 128, 64)]


def test_transpositions_keep_every_note_in_range():
    wide = data.Chorale("bach/wide", [[(0, 16, 88)], [(0, 16, 70)], [(0, 16, 50)], [(0, 16, 36)]])
    shifts = train.key_shifts(wide)
    assert shifts.max() == voice_grid.LOWEST_PITCH + voice_grid.PITCHES - 1 - 88 and shifts.min() == -6
    sampler = train.ExampleSampler([wide], np.random.default_rng(0))
    for _ in range(20):
        x, classes, masked = sampler.example()
        assert x.shape == (train.STEPS, 4 * voice_grid.CLASSES + 4)


def test_masks_never_reach_past_the_piece_and_always_hide_something():
    rng = np.random.default_rng(0)
    kinds = {"whole": 0, "soprano": 0}
    for _ in range(300):
        masked = train.corruption_mask(rng, 40)
        assert masked.any() and not masked[:, 40:].any()
        kinds["whole"] += masked[1:, :40].all()
        kinds["soprano"] += masked[0].any()
    assert 30 < kinds["whole"] < 90 and 40 < kinds["soprano"] < 140  # about 20 % and 30 % x 80 %


def test_the_mask_flags_of_the_input_are_the_masked_cells():
    sampler = train.ExampleSampler([chorale()], np.random.default_rng(3))
    x, classes, masked = sampler.example()
    C = voice_grid.CLASSES
    assert np.array_equal(x[:, 4 * C:].T.astype(bool), masked)
    for v in range(4):
        visible = ~masked[v]
        assert np.array_equal(np.argmax(x[visible, v * C:(v + 1) * C], axis=1), classes[v, visible])

"""How AR-CNN training examples are made: the split, the corruption, the transposition (numpy only)."""

import json
from pathlib import Path

import numpy as np
import pytest

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


def roll_of_notes(notes, steps=128, pitches=64):
    roll = np.zeros((steps, pitches), dtype=bool)
    for pitch, start, end in notes:
        roll[start:end, pitch] = True
    return roll


NOTES = [(10, 0, 4), (10, 4, 8), (12, 0, 16), (30, 8, 9), (63, 120, 128), (0, 0, 128)]


def runs(roll):
    """Every note as (pitch, start, end)."""
    padded = np.pad(roll, ((1, 1), (0, 0))).astype(np.int8)
    change = np.diff(padded, axis=0)
    return sorted(
        (int(p), int(s), int(e))
        for p in range(roll.shape[1])
        for s, e in zip(np.nonzero(change[:, p] > 0)[0], np.nonzero(change[:, p] < 0)[0])
    )


def test_removing_takes_whole_notes_or_none():
    roll = roll_of_notes(NOTES)
    rng = np.random.default_rng(0)
    assert np.array_equal(train.remove_notes(roll, 0.0, rng), roll)
    assert not train.remove_notes(roll, 1.0, rng).any()
    whole = set(runs(roll))
    for seed in range(20):
        kept = train.remove_notes(roll, 0.5, np.random.default_rng(seed))
        assert set(runs(kept)) <= whole  # no note is ever cut short


def test_adding_switches_on_only_empty_cells_at_about_the_rate():
    roll = roll_of_notes(NOTES)
    noisy = train.add_cells(roll, 0.0125, np.random.default_rng(1))
    assert (noisy | ~roll).all()
    added = np.count_nonzero(noisy & ~roll) / np.count_nonzero(~roll)
    assert 0.009 < added < 0.016


def test_an_example_is_a_transposed_window_and_the_cells_that_undo_its_corruption():
    rng = np.random.default_rng(2)
    chorale = np.zeros((300, 128), dtype=bool)
    for beat in range(0, 300, 4):
        chorale[beat:beat + 4, [48, 55, 64, 67]] = True  # a C major chord on every beat
    sampler = train.ExampleSampler([("toy", chorale)], rng)
    for _ in range(20):
        corrupted, flips = sampler.example()
        clean = corrupted ^ flips
        assert clean.shape == (train.STEPS, train.PITCHES)
        assert np.count_nonzero(clean) == 4 * train.STEPS  # transposed, never cut at the band's edges
        lowest = train.LOWEST + np.nonzero(clean.any(axis=0))[0].min()
        assert 48 - 6 <= lowest <= 48 + 5


def test_a_chorale_wider_than_the_band_is_left_out():
    wide = np.zeros((200, 128), dtype=bool)
    wide[:, [20, 100]] = True
    narrow = np.zeros((200, 128), dtype=bool)
    narrow[:, 60] = True
    sampler = train.ExampleSampler([("wide", wide), ("narrow", narrow)], np.random.default_rng(0))
    assert len(sampler.rolls) == 1


def test_per_example_loss_weighs_each_example_alike_the_batch_loss_does_not():
    tf = pytest.importorskip("tensorflow", reason="the loss functions need TensorFlow (the train extra)")
    logits = tf.constant(np.random.default_rng(0).normal(size=(2, 8, 4, 1)), tf.float32)
    target = np.zeros((2, 8, 4, 1), np.float32)
    target[0, 0, 0] = 1  # one cell to flip in the first example
    target[1, :, :2] = 1  # sixteen in the second
    logp = tf.nn.log_softmax(tf.reshape(logits, (2, -1)), axis=1).numpy()
    flat = target.reshape(2, -1).astype(bool)
    per_example = np.mean([-logp[i, flat[i]].mean() for i in range(2)])
    assert float(train.flip_loss("example")(target, logits)) == pytest.approx(per_example, rel=1e-5)
    one = target[:1], logits[:1]
    assert float(train.flip_loss("batch")(*one)) == pytest.approx(float(train.flip_loss("example")(*one)), rel=1e-5)
    assert float(train.flip_loss("batch")(target, logits)) != pytest.approx(per_example, rel=1e-3)

"""A fold's generator end to end: `train --half` learns from one half of the training pieces, `convert
--keep-decoding` writes it with the shipped card's decoding, and inference reads it. Needs Keras (the train
extra); skipped without it."""

import json

import numpy as np
import pytest

pytest.importorskip("keras", reason="training a generator needs Keras (the train extra)")

from keycomposer.models.gan import Accompanist, Melody  # noqa: E402
from keycomposer.models.runtime import models_dir  # noqa: E402
from tools.gan import convert, data, train  # noqa: E402

# Three training quartets (halves A: opus18no1 and opus59no1, B: opus18no3), the validation and a test one.
PIECES = ("beethoven/opus18no3", "beethoven/opus18no1", "beethoven/opus59no1", "mozart/k80", "haydn/opus1no1")
STEPS = 4 * 16


def write_cache(folder):
    """A quartet cache of PIECES, each 4 bars of 4/4: a first violin walking up and down a C major scale (an
    octave higher in half B's quartet) over the other three holding a chord a bar."""
    scale = [72, 74, 76, 77, 79, 77, 76, 74]
    rolls = np.zeros((4, STEPS * len(PIECES), 128), dtype=bool)
    for index, name in enumerate(PIECES):
        start, octave = index * STEPS, 12 if name == "beethoven/opus18no3" else 0
        for step in range(STEPS):
            rolls[0, start + step, scale[(step // 4 + index) % len(scale)] + octave] = True
        for bar, chord in enumerate([(64, 60, 48), (65, 62, 53), (67, 59, 55), (64, 60, 48)]):
            for part, pitch in enumerate(chord, start=1):
                rolls[part, start + bar * 16:start + (bar + 1) * 16, pitch] = True
    np.savez_compressed(folder / "quartet.npz", pieces=np.array(PIECES), splits=np.array(["train"] * len(PIECES)),
                        offsets=np.arange(0, STEPS * len(PIECES) + 1, STEPS), rolls=np.packbits(rolls, axis=2))


@pytest.mark.timeout(600)
def test_a_fold_s_generator_learns_from_its_half_alone_and_is_read_with_the_card_s_decoding(tmp_path):
    write_cache(tmp_path)
    run, models = tmp_path / "fold_A", tmp_path / "models"
    assert train.main(["--style", "quartet", "--half", "A", "--epochs", "0.5", "--out", str(run),
                       "--data", str(tmp_path), "--update-ratio", "2", "--save-minutes", "60"]) == 0
    training = json.loads((run / "training.json").read_text())
    half = data.halves(data.load("quartet", str(tmp_path))["train"])["A"]
    assert training["settings"]["half"] == "A"
    assert training["train_pieces"] == len(half) == 2

    shipped = models_dir() / "gan_quartet.json"
    assert convert.main([str(run), "--out", str(models), "--keep-decoding", str(shipped)]) == 0
    card = json.loads((models / "gan_quartet.json").read_text())
    assert card["decoding"] == json.loads(shipped.read_text())["decoding"]
    assert card["data"]["train_pieces"] == 2
    assert card["melody_range"] == [72, 79]  # half A's melodies: half B's, an octave higher, were never heard

    accompanist = Accompanist("quartet", folder=models)
    roll = accompanist.roll(Melody(np.array([72] * 16 + [74] * 16)), seed=0)
    assert roll.shape[0] == 3 and roll.shape[1] >= 32

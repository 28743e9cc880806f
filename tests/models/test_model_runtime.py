"""The model loader: a missing, truncated, foreign or altered file is a clear error; the shipped model runs
and gives the same predictions in ai-edge-litert and tflite-runtime 2.14."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keycomposer.models import runtime
from keycomposer.models.arcnn import MODEL_NAME, ArcnnBach, SamplingSettings

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models_tflite"


def write_model(folder, content, name="toy"):
    """A model file and a card that describes it."""
    (folder / f"{name}.tflite").write_bytes(content)
    card = {"name": name, "file": f"{name}.tflite", "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    (folder / f"{name}.json").write_text(json.dumps(card))
    return card


TOY = b"\x1c\x00\x00\x00TFL3" + bytes(range(200))  # a TFLite header; the checks never parse further


def test_a_model_without_a_card_was_never_trained(tmp_path):
    with pytest.raises(runtime.ModelNotTrained, match="has not trained a model named 'gan'"):
        runtime.read_card("gan", tmp_path)


def test_a_card_whose_file_is_gone_says_so(tmp_path):
    card = write_model(tmp_path, TOY)
    (tmp_path / "toy.tflite").unlink()
    with pytest.raises(runtime.ModelNotTrained, match="toy.tflite is missing"):
        runtime.read_checked_model(tmp_path / "toy.tflite", card)


def test_a_truncated_file_names_both_sizes(tmp_path):
    card = write_model(tmp_path, TOY)
    (tmp_path / "toy.tflite").write_bytes(TOY[:100])
    with pytest.raises(runtime.ModelFileError, match=f"truncated: 100 of {len(TOY)} bytes"):
        runtime.read_checked_model(tmp_path / "toy.tflite", card)


def test_a_foreign_file_is_not_taken_for_a_model(tmp_path):
    card = write_model(tmp_path, b"PK\x03\x04" + TOY[4:].replace(b"TFL3", b"ZIP!"))
    with pytest.raises(runtime.ModelFileError, match="not a TFLite model"):
        runtime.read_checked_model(tmp_path / "toy.tflite", card)


def test_an_altered_file_does_not_match_its_card(tmp_path):
    card = write_model(tmp_path, TOY)
    (tmp_path / "toy.tflite").write_bytes(TOY[:-1] + b"\xff")
    with pytest.raises(runtime.ModelFileError, match="not the one its card describes"):
        runtime.read_checked_model(tmp_path / "toy.tflite", card)


def test_a_whole_file_comes_back_as_its_bytes(tmp_path):
    card = write_model(tmp_path, TOY)
    assert runtime.read_checked_model(tmp_path / "toy.tflite", card) == TOY


def test_a_card_that_is_not_json_is_named(tmp_path):
    (tmp_path / "toy.json").write_text("{not json")
    with pytest.raises(runtime.ModelFileError, match="toy.json is not valid JSON"):
        runtime.read_card("toy", tmp_path)


def test_an_unknown_runtime_name_is_refused():
    with pytest.raises(runtime.RuntimeMissing, match="unknown TFLite runtime 'onnx'"):
        runtime.interpreter_class("onnx")


def test_the_models_folder_can_be_moved(monkeypatch, tmp_path):
    monkeypatch.setenv(runtime.MODELS_DIR_ENV, str(tmp_path))
    assert runtime.models_dir() == tmp_path
    monkeypatch.delenv(runtime.MODELS_DIR_ENV)
    assert runtime.models_dir() == SHIPPED


# -- the shipped model, in a real runtime


def available_runtime():
    try:
        return runtime.interpreter_class()[0]
    except runtime.RuntimeMissing:
        return None


needs_runtime = pytest.mark.skipif(
    available_runtime() is None, reason="no TFLite runtime installed (pip install ai-edge-litert)"
)


@pytest.fixture(scope="module")
def arcnn():
    return ArcnnBach.load(SHIPPED)


def melody(steps=128):
    """A C major scale up and down in quarter notes, around middle C."""
    roll = np.zeros((steps, 128), dtype=bool)
    scale = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60, 60]
    for beat in range(steps // 4):
        roll[4 * beat:4 * beat + 4, scale[beat % len(scale)]] = True
    return roll


def test_the_card_names_the_tensors_and_range():
    card = runtime.read_card(MODEL_NAME, SHIPPED)
    roll = card["roll"]
    shape = [1, roll["steps"], roll["pitches"], 1]
    assert card["tensors"]["inputs"][0]["shape"] == shape
    assert card["tensors"]["outputs"][0]["shape"] == shape
    assert len(card["data"]["test_ids"]) == card["data"]["chorales"]["test"]


def test_the_shipped_file_matches_its_card():
    card = runtime.read_card(MODEL_NAME, SHIPPED)
    content = runtime.read_checked_model(SHIPPED / card["file"], card)
    assert len(content) == card["bytes"]


@needs_runtime
def test_the_network_scores_every_cell_the_same_way_twice(arcnn):
    window = melody()[:, arcnn.lowest_pitch:arcnn.lowest_pitch + arcnn.pitches]
    first = arcnn.logits(window)
    assert first.shape == (arcnn.steps, arcnn.pitches) and np.isfinite(first).all()
    assert np.array_equal(first, arcnn.logits(window))


@needs_runtime
def test_a_default_generation_adds_notes_reproducibly(arcnn):
    out = arcnn.edit(melody(), SamplingSettings(seed=3))
    again = arcnn.edit(melody(), SamplingSettings(seed=3))
    assert np.array_equal(out, again)
    added = np.count_nonzero(out & ~melody())
    assert 0 < added <= 100


@needs_runtime
def test_the_trained_network_prefers_restoring_a_removed_note_to_a_random_cell(arcnn):
    roll = melody()
    band = roll[:, arcnn.lowest_pitch:arcnn.lowest_pitch + arcnn.pitches]
    holed = band.copy()
    holed[16:20] = False  # one quarter note of the scale removed
    logits = arcnn.logits(holed)
    assert logits[16:20][band[16:20]].mean() > np.median(logits[~holed])


@needs_runtime
def test_zero_budgets_leave_a_long_piece_as_it_was(arcnn):
    roll = melody(300)
    assert np.array_equal(arcnn.edit(roll, SamplingSettings(max_notes_to_add=0, max_remove_percent=0)), roll)


def tflite_runtime_python():
    candidate = os.environ.get("KEYCOMPOSER_TFLITE_PYTHON") or str(REPO / ".venv-tflite" / "bin" / "python")
    return candidate if shutil.which(candidate) else None


@needs_runtime
@pytest.mark.timeout(120)
@pytest.mark.skipif(
    tflite_runtime_python() is None,
    reason="no python with tflite-runtime 2.14 (make .venv-tflite or set KEYCOMPOSER_TFLITE_PYTHON)",
)
def test_tflite_runtime_2_14_gives_the_same_predictions(arcnn, tmp_path):
    window = melody()[:, arcnn.lowest_pitch:arcnn.lowest_pitch + arcnn.pitches]
    np.save(tmp_path / "window.npy", window)
    script = (
        "import sys, numpy as np\n"
        "from keycomposer.models.arcnn import ArcnnBach\n"
        "net = ArcnnBach.load(sys.argv[1], runtime_name='tflite_runtime')\n"
        "np.save(sys.argv[3], net.logits(np.load(sys.argv[2])))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "host"))
    subprocess.run(
        [tflite_runtime_python(), "-c", script, str(SHIPPED), str(tmp_path / "window.npy"), str(tmp_path / "out.npy")],
        check=True,
        env=env,
        timeout=100,
    )
    theirs = np.load(tmp_path / "out.npy")
    ours = arcnn.logits(window)
    # The two runtimes' int8 kernels round differently: logits move by a few output quantization steps
    # (measured: at most 0.45 on a range of about 17), the flip distributions by about 1 % total variation.
    assert np.abs(theirs - ours).mean() < 0.1
    assert 0.5 * np.abs(softmax(theirs) - softmax(ours)).sum() < 0.03


def softmax(logits):
    flat = logits.ravel().astype(np.float64)
    weights = np.exp(flat - flat.max())
    return weights / weights.sum()

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

from keycomposer.models import runtime, voice_grid
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


SCALE = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60, 60]


def melody(steps=128):
    """A C major scale up and down in quarter notes, around middle C, as (start step, end step, MIDI) notes."""
    return [(4 * beat, 4 * beat + 4, SCALE[beat % len(SCALE)]) for beat in range(steps // 4)]


def masked_input(steps=128):
    """The scale as the soprano, alto, tenor and bass masked: the first Gibbs step's input."""
    classes = np.zeros((4, steps), dtype=np.int64)
    classes[0] = voice_grid.voice_classes(melody(steps), steps)
    masked = np.zeros((4, steps), dtype=bool)
    masked[1:] = True
    return voice_grid.network_input(classes, masked)


def test_the_card_names_the_tensors_and_range():
    card = runtime.read_card(MODEL_NAME, SHIPPED)
    grid = card["grid"]
    assert card["tensors"]["inputs"][0]["shape"] == [1, grid["steps"], 4 * voice_grid.CLASSES + 4]
    assert card["tensors"]["outputs"][0]["shape"] == [1, grid["steps"], 4, voice_grid.CLASSES]
    assert (grid["lowest_pitch"], grid["pitches"]) == (voice_grid.LOWEST_PITCH, voice_grid.PITCHES)
    assert len(card["data"]["test_ids"]) == card["data"]["chorales"]["test"]


def test_the_shipped_file_matches_its_card():
    card = runtime.read_card(MODEL_NAME, SHIPPED)
    content = runtime.read_checked_model(SHIPPED / card["file"], card)
    assert len(content) == card["bytes"]


@needs_runtime
def test_the_network_scores_every_cell_the_same_way_twice(arcnn):
    first = arcnn.logits(masked_input())
    assert first.shape == (arcnn.steps, 4, voice_grid.CLASSES) and np.isfinite(first).all()
    assert np.array_equal(first, arcnn.logits(masked_input()))


@needs_runtime
def test_a_default_generation_writes_three_voices_reproducibly_and_keeps_the_melody(arcnn):
    out = arcnn.harmonize(melody(), 128, SamplingSettings(seed=3))
    assert out.voices == arcnn.harmonize(melody(), 128, SamplingSettings(seed=3)).voices
    assert out.voices[0] == melody()
    assert all(len(voice) > 0 for voice in out.voices[1:])


@needs_runtime
def test_the_trained_network_puts_the_bass_below_the_alto(arcnn):
    logits = arcnn.logits(masked_input())
    pitches = np.arange(voice_grid.CLASSES)
    expected = []
    for voice in (1, 3):
        p = np.exp(logits[:, voice] - logits[:, voice].max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        sounding = voice_grid.sounding_pitch(pitches)
        expected.append((p[:, sounding >= 0] * sounding[sounding >= 0]).sum(axis=1) / p[:, sounding >= 0].sum(axis=1))
    assert (expected[0] - expected[1]).mean() > 7  # a bass line, not a copy of the alto


@needs_runtime
def test_zero_budgets_leave_a_long_melody_as_it_was(arcnn):
    notes = melody(300)
    out = arcnn.harmonize(notes, 300, SamplingSettings(max_notes_to_add=0, max_remove_percent=0))
    assert out.voices == [notes, [], [], []]


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
    window = masked_input()
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
    # The two runtimes' int8 kernels round differently: logits move by a few output quantization steps (the
    # smallest gap between the logits' values), each cell's class distribution by a little total variation
    # (measured on the shipped file: at most 3 steps of 0.60, mean total variation 0.077).
    step = np.diff(np.unique(ours)).min()
    assert np.abs(theirs - ours).max() <= 4 * step + 1e-4
    assert (0.5 * np.abs(softmax(theirs) - softmax(ours)).sum(axis=-1)).mean() < 0.15


def softmax(logits):
    z = logits.astype(np.float64)
    weights = np.exp(z - z.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)

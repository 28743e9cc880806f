"""`keycomposer train arcnn` for real on a tiny folder of four-voice pieces: it trains, checkpoints, converts to
int8, installs; `models` lists the model and `generate --model` runs it; a run stopped by Ctrl-C keeps its last
checkpoint and `--resume` goes on counting steps from it. Needs TensorFlow (the train extra); skipped without."""

import json

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="training needs TensorFlow (the train extra)")
pytest.importorskip("music21", reason="training needs music21 (the train extra)")
pytest.importorskip("ai_edge_litert", reason="the int8 file is checked in LiteRT")

from keycomposer.cli import main  # noqa: E402
from keycomposer.library.store import Library  # noqa: E402
from keycomposer.music.composition import Composition, Note, Track  # noqa: E402
from keycomposer.music.midi_io import write_midi  # noqa: E402
from keycomposer.trainers.arcnn import command, fitting  # noqa: E402

pytestmark = pytest.mark.timeout(600)
RANGES = ((67, 79), (60, 72), (53, 65), (41, 55))  # soprano .. bass


def four_voices(number: int, voices: int = 4) -> Composition:
    """16 bars of quarter notes in `voices` tracks, different pitches for each number."""
    rng = np.random.default_rng(number)
    tracks = [Track(tuple(Note(beat * 480, int(rng.integers(low, high)), 480) for beat in range(64)), channel=v)
              for v, (low, high) in enumerate(RANGES[:voices])]
    return Composition(tuple(tracks))


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(command, "EVAL_EVERY", 2)
    monkeypatch.setattr(command, "VALID_WINDOWS", 16)
    monkeypatch.setattr(command, "TEST_WINDOWS", 8)
    monkeypatch.setattr(command, "CALIBRATION_WINDOWS", 8)
    return tmp_path / "data"


@pytest.fixture
def folder(tmp_path):
    pieces = tmp_path / "pieces"
    pieces.mkdir()
    for number in range(30):
        write_midi(four_voices(number), pieces / f"piece{number:02}.mid")
    write_midi(four_voices(99, voices=3), pieces / "trio.mid")
    return pieces


def test_a_tiny_run_trains_installs_lists_and_generates(data_dir, folder, capsys):
    assert main(["train", "arcnn", "--data", str(folder), "--name", "tiny", "--epochs", "0.01", "--batch", "4",
                 "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "left out trio.mid: 3 pitched tracks with notes; the AR-CNN learns from four voices" in out
    assert "step 2" in out and "valid " in out and "installed tiny" in out
    run = data_dir / "training" / "tiny"
    assert (run / "curves.png").stat().st_size > 0 and (run / fitting.CHECKPOINT).exists()
    card = json.loads((data_dir / "models" / "tiny" / "tiny.json").read_text())
    assert (card["technique"], card["name"]) == ("arcnn", "tiny") and "int8" in card["quantization"]
    assert card["figures"]["validation"]["nll_per_masked_cell"] > 0
    assert card["settings"]["steps"] == json.loads((run / fitting.STATE).read_text())["step"]
    assert main(["models"]) == 0
    listed = capsys.readouterr().out
    assert any(line.split()[:3] == ["tiny", "arcnn", "yours"] for line in listed.splitlines())
    assert main(["generate", "--model", "tiny", "--input", "sample:twinkle", "--iterations", "2", "--seed", "1"]) == 0
    assert "your model tiny" in capsys.readouterr().out
    with Library(data_dir) as library:
        (entry,) = library.entries()
        assert entry.model == "tiny" and len(library.load(entry.id).tracks) > 1
    first = json.loads((data_dir / "models" / "tiny" / "tiny.json").read_text())
    assert main(["train", "arcnn", "--data", str(folder), "--name", "tiny", "--epochs", "0.02", "--resume"]) == 0
    assert "batch 4" in capsys.readouterr().out  # the run's own settings, where none are given again
    again = json.loads((data_dir / "models" / "tiny" / "tiny.json").read_text())
    assert again["settings"]["steps"] > first["settings"]["steps"] and again["sha256"] != first["sha256"]


def test_a_stopped_run_keeps_its_checkpoint_and_resume_goes_on_counting(data_dir, folder, capsys, monkeypatch):
    saves = []
    real_save = fitting.save_checkpoint

    def save_then_stop(net, state, out):
        real_save(net, state, out)
        saves.append(state["step"])
        if len(saves) == 1:
            raise KeyboardInterrupt  # Ctrl-C right after the first checkpoint

    monkeypatch.setattr(fitting, "save_checkpoint", save_then_stop)
    argv = ["train", "arcnn", "--data", str(folder), "--name", "again", "--epochs", "0.02", "--batch", "4"]
    assert main(argv + ["--resume"]) == 1  # nothing to resume yet
    assert "no checkpoint of a run called 'again'" in capsys.readouterr().err
    assert main(argv) == command.INTERRUPTED
    assert "stopped: the checkpoint of step 2 is kept" in capsys.readouterr().out
    assert not (data_dir / "models" / "again").exists()
    assert main(argv) == 1  # the run exists: starting it again without --resume is refused
    assert "--resume goes on from it" in capsys.readouterr().err
    assert main(["train", "arcnn", "--data", "bach", "--name", "again", "--resume"]) == 1  # other data: refused
    assert f"the run 'again' trained on {folder.resolve()}: --resume goes on with the same --data" in \
        capsys.readouterr().err
    assert main(argv + ["--resume"]) == 0
    out = capsys.readouterr().out
    assert "resuming from step 2" in out
    state = json.loads((data_dir / "training" / "again" / fitting.STATE).read_text())
    assert [h["step"] for h in state["history"]] == saves == list(range(2, state["step"] + 1, 2))
    assert state["step"] > 2
    assert json.loads((data_dir / "models" / "again" / "again.json").read_text())["settings"]["steps"] == state["step"]


def test_a_run_stopped_before_its_first_checkpoint_says_the_same_command_starts_again(data_dir, folder, capsys,
                                                                                       monkeypatch):
    def stopped_at_once(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C while the first steps run

    monkeypatch.setattr(fitting, "fit", stopped_at_once)
    argv = ["train", "arcnn", "--data", str(folder), "--name", "early", "--epochs", "0.02", "--batch", "4"]
    assert main(argv) == command.INTERRUPTED
    out = capsys.readouterr().out
    assert "stopped before the first checkpoint: nothing to resume" in out and "--resume" not in out
    assert fitting.read_state(str(data_dir / "training" / "early")) is None

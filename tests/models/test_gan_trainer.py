"""`keycomposer train gan` for real on a tiny folder of four-part pieces: it trains, checkpoints (generator, critic
and both Adams), draws its picture, converts to int8, installs; `models` lists the model and `generate --model`
runs it; a run stopped by Ctrl-C keeps its last checkpoint and `--resume` goes on counting from it. Needs
TensorFlow (the train extra); skipped without."""

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
from keycomposer.trainers.gan import command, conversion, fitting, networks  # noqa: E402

pytestmark = pytest.mark.timeout(600)
RANGES = ((67, 79), (60, 72), (53, 65), (41, 55))  # melody, then the three parts
SMALL = ["--batch", "4", "--width", "8"]  # a generator 8 channels wide: seconds, not minutes


def four_parts(number: int, parts: int = 4) -> Composition:
    """16 bars of quarter notes in `parts` tracks, different pitches for each number."""
    rng = np.random.default_rng(number)
    tracks = [Track(tuple(Note(beat * 480, int(rng.integers(low, high)), 480) for beat in range(64)), channel=v)
              for v, (low, high) in enumerate(RANGES[:parts])]
    return Composition(tuple(tracks))


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(command, "EVAL_EVERY", 2)
    monkeypatch.setattr(command, "VALID_WINDOWS", 16)
    monkeypatch.setattr(command, "TEST_WINDOWS", 8)
    monkeypatch.setattr(conversion, "CALIBRATION_WINDOWS", 8)
    build_critic = networks.build_critic
    monkeypatch.setattr(networks, "build_critic", lambda: build_critic(widths=(8, 8, 8, 8)))  # seconds, not minutes
    return tmp_path / "data"


@pytest.fixture
def folder(tmp_path):
    pieces = tmp_path / "pieces"
    pieces.mkdir()
    for number in range(30):
        write_midi(four_parts(number), pieces / f"piece{number:02}.mid")
    write_midi(four_parts(99, parts=3), pieces / "trio.mid")
    (pieces / "broken.mid").write_bytes(b"not midi")
    return pieces


def test_a_tiny_run_trains_draws_installs_lists_and_generates(data_dir, folder, capsys):
    assert main(["train", "gan", "--data", str(folder), "--name", "tiny", "--epochs", "0.01", "--seed", "3",
                 "--update-ratio", "1", "--auxiliary", "2", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "left out broken.mid: not a MIDI file" in out
    assert "left out trio.mid: 3 pitched tracks with notes; the GAN learns a melody and three parts under it" in out
    assert "step 2/3" in out and "valid W" in out and "installed tiny" in out
    run = data_dir / "training" / "tiny"
    assert (run / "curves.png").read_bytes()[:4] == b"\x89PNG"
    state = json.loads((run / fitting.STATE).read_text())
    assert state["technique"] == "gan" and [row["step"] for row in state["history"]] == [2, 3]
    assert {key: state["settings"][key] for key in ("update_ratio", "auxiliary", "width", "batch")} == \
        {"update_ratio": 1, "auxiliary": 2.0, "width": 8, "batch": 4}
    card = json.loads((data_dir / "models" / "tiny" / "tiny.json").read_text())
    assert (card["technique"], card["name"]) == ("gan", "tiny") and "int8" in card["quantization"]
    assert card["settings"]["steps"] == state["step"] == 3
    assert card["figures"]["validation"]["step"] == state["best"]["step"]
    assert card["figures"]["test"]["cross_entropy"] > 0 and card["output_step"] > 0
    assert main(["models"]) == 0
    listed = capsys.readouterr().out.splitlines()
    mine = next(k for k, line in enumerate(listed) if line.split()[:3] == ["tiny", "gan", "yours"])
    assert "test cross-entropy per cell (int8)" in listed[mine + 1]
    assert main(["generate", "--model", "tiny", "--input", "sample:twinkle", "--seed", "1"]) == 0
    assert "your model tiny" in capsys.readouterr().out
    with Library(data_dir) as library:
        (entry,) = library.entries()
        tracks = library.load(entry.id).tracks
    assert entry.model == "tiny" and [t.name for t in tracks[1:]] == [f"Part {k} (GAN tiny)" for k in (2, 3, 4)]
    assert all(t.notes for t in tracks[1:])


def test_a_stopped_run_keeps_its_checkpoint_and_resume_goes_on_counting(data_dir, folder, capsys, monkeypatch):
    import keras

    saves = []
    real_save = fitting.save_checkpoint

    def save_then_stop(out, state, *networks):
        real_save(out, state, *networks)
        saves.append(state["step"])
        if len(saves) == 1:
            raise KeyboardInterrupt  # Ctrl-C right after the first checkpoint

    monkeypatch.setattr(fitting, "save_checkpoint", save_then_stop)
    argv = ["train", "gan", "--data", str(folder), "--name", "again", "--epochs", "0.015", *SMALL]  # 4 steps
    assert main(argv + ["--resume"]) == 1  # nothing to resume yet
    assert "no checkpoint of a run called 'again'" in capsys.readouterr().err
    assert main(argv) == command.INTERRUPTED
    assert "stopped: the checkpoint of step 2 is kept" in capsys.readouterr().out
    assert not (data_dir / "models" / "again").exists()
    run = data_dir / "training" / "again"
    state = fitting.read_state(str(run))
    generator = keras.saving.load_model(fitting.checkpoint_file(str(run), state, fitting.GENERATOR))
    critic = keras.saving.load_model(fitting.checkpoint_file(str(run), state, fitting.CRITIC))
    assert (int(generator.optimizer.iterations), int(critic.optimizer.iterations)) == (2, 4)  # both Adams kept
    assert main(argv) == 1  # the run exists: starting it again without --resume is refused
    assert "--resume goes on from it" in capsys.readouterr().err
    assert main(["train", "gan", "--data", "bach", "--name", "again", "--resume"]) == 1  # other data: refused
    assert f"the run 'again' trained on {folder.resolve()}: --resume goes on with the same --data" in \
        capsys.readouterr().err
    assert main(argv + ["--resume", "--width", "16"]) == 1
    assert "has a generator 8 channels wide: --resume goes on with the same --width" in capsys.readouterr().err
    assert main(["train", "gan", "--data", str(folder), "--name", "again", "--resume"]) == 0
    out = capsys.readouterr().out
    assert "resuming from step 2" in out and "batch 4" in out  # the run's own settings, where none are given again
    state = json.loads((run / fitting.STATE).read_text())
    assert [row["step"] for row in state["history"]] == saves == list(range(2, state["step"] + 1, 2))
    assert state["step"] > 2 and sorted(p.name for p in run.iterdir() if p.name.startswith("checkpoint-")) == \
        [state["checkpoint"]]  # older checkpoints removed once the new one is named
    card = json.loads((data_dir / "models" / "again" / "again.json").read_text())
    assert card["settings"]["steps"] == state["step"] == 4 and card["architecture"]["width"] == 8


def test_folders_it_cannot_learn_from_are_refused_in_one_line(data_dir, tmp_path, capsys, monkeypatch):
    trios, deep = tmp_path / "trios", tmp_path / "deep"
    trios.mkdir()
    deep.mkdir()
    for number in range(12):
        write_midi(four_parts(number, parts=3), trios / f"trio{number:02}.mid")
        low = four_parts(number)  # its bass two octaves down, below every part the voice grid holds (MIDI 28..)
        bass = low.tracks[3]
        write_midi(Composition(low.tracks[:3] + (Track(tuple(Note(n.start, n.pitch - 24, n.duration)
                                                                   for n in bass.notes), channel=3),)), deep / f"d{number:02}.mid")
    assert main(["train", "gan", "--data", str(trios), "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no training piece has the four parts the GAN learns from (12 pieces left out" in err
    assert main(["train", "gan", "--data", str(deep), "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no window of these pieces fits the pitch band" in err
    assert not (data_dir / "training" / "gan-trios" / fitting.STATE).exists()

    def stopped(data):
        raise KeyboardInterrupt  # Ctrl-C while the pieces are read, before any checkpoint

    monkeypatch.setattr(command, "folder_splits", stopped)
    assert main(["train", "gan", "--data", str(deep), "--epochs", "1"]) == command.INTERRUPTED
    assert "stopped before the first checkpoint: nothing to resume" in capsys.readouterr().out

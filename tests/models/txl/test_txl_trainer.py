"""`keycomposer train txl` for real on a tiny folder of melodies and a tiny network: it trains, checkpoints, draws
its live picture, converts to int8, installs; `models` lists the model and `generate --model` runs it; a run
stopped by Ctrl-C keeps its last checkpoint and `--resume` goes on counting steps from it. Needs TensorFlow (the
train extra); skipped without."""

import json
import struct

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="training needs TensorFlow (the train extra)")
pytest.importorskip("music21", reason="training needs music21 (the train extra)")
pytest.importorskip("ai_edge_litert", reason="the int8 file is checked in LiteRT")

from keycomposer.cli import main  # noqa: E402
from keycomposer.library.store import Library  # noqa: E402
from keycomposer.music.composition import Composition, Note, Track  # noqa: E402
from keycomposer.music.midi_io import write_midi  # noqa: E402
from keycomposer.trainers.txl import command, fitting  # noqa: E402

pytestmark = pytest.mark.timeout(600)
TINY = ["--layers", "1", "--width", "16", "--heads", "2", "--memory", "16", "--batch", "4"]
SCALE = (0, 2, 4, 5, 7, 9, 11, 12)


def tune(number: int) -> Composition:
    """16 bars of 4/4 in quarter and eighth notes, a stepwise walk on the C major scale, different for each number."""
    rng = np.random.default_rng(number)
    notes, tick, degree = [], 0, 3
    while tick < 16 * 4 * 480:
        degree = int(np.clip(degree + rng.integers(-2, 3), 0, len(SCALE) - 1))
        length = 480 if rng.random() < 0.6 else 240
        notes.append(Note(tick, 60 + SCALE[degree], length))
        tick += length
    return Composition((Track(tuple(notes), program=0, channel=0),))


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(command, "EVAL_EVERY", 2)
    monkeypatch.setattr(command, "VALID_WINDOWS", 8)
    monkeypatch.setattr(command, "TEST_TOKENS", 200)
    monkeypatch.setattr(command, "SEGMENT", 32)
    monkeypatch.setattr(command, "THREADS", 1)
    return tmp_path / "data"


@pytest.fixture
def folder(tmp_path):
    pieces = tmp_path / "melodies"
    pieces.mkdir()
    for number in range(30):
        write_midi(tune(number), pieces / f"tune{number:02}.mid")
    drums = Composition((Track(tuple(Note(i * 480, 36, 240) for i in range(32)), channel=9),))
    write_midi(drums, pieces / "drums.mid")
    (pieces / "broken.mid").write_bytes(b"not a MIDI file at all")
    return pieces


@pytest.fixture
def corpus_cache(data_dir):
    """A tiny stand-in for the parsed corpus melodies, where `--data melodies` finds its cache: 30 tunes, classical
    and folk in turn, 24 for training, 3 for validation, 3 for test."""
    from keycomposer.models.melody_line import melody_of
    from keycomposer.trainers.txl import melodies

    tunes = [melody_of(tune(100 + number)) for number in range(30)]
    cache = data_dir / "training" / "cache" / "txl-melodies.npz"
    cache.parent.mkdir(parents=True)
    np.savez_compressed(
        cache, ids=np.array([f"tune{k}" for k in range(30)]),
        styles=np.array([("classical", "folk")[k % 2] for k in range(30)]),
        keys=np.array([melodies.tune_key(m.notes) for m in tunes]),
        splits=np.array(["train"] * 24 + ["valid"] * 3 + ["test"] * 3),
        note_offsets=np.concatenate([[0], np.cumsum([len(m.notes) for m in tunes])]),
        notes=np.concatenate([m.notes for m in tunes]),
        bar_offsets=np.concatenate([[0], np.cumsum([len(m.bars) for m in tunes])]),
        bars=np.concatenate([m.bars for m in tunes]), skipped=np.array([], dtype=str))
    return cache


def png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_a_tiny_run_trains_installs_lists_and_generates(data_dir, folder, capsys):
    assert main(["train", "txl", "--data", str(folder), "--name", "tiny", "--epochs", "0.2", "--seed", "3"]
                + TINY) == 0
    out = capsys.readouterr().out
    assert "left out broken.mid:" in out  # not MIDI: the folder reader lists it
    assert "left out drums.mid: the input has only drum notes, no melody to continue" in out
    assert "step 2" in out and "valid " in out and "perplexity" in out and "installed tiny" in out
    run = data_dir / "training" / "tiny"
    state = json.loads((run / fitting.STATE).read_text())
    assert state["shape"]["layers"] == 1 and state["shape"]["width"] == 16 and state["shape"]["memory"] == 16
    assert [h["step"] for h in state["history"]][:1] == [2] and state["best"]["step"] in [h["step"] for h in
                                                                                          state["history"]]
    width, height = png_size(run / fitting.PICTURE)
    assert width > 2 * height  # two panels of curves and the piano roll beside them
    assert {p.name for p in run.iterdir()} == {fitting.CHECKPOINT, fitting.BEST, fitting.STATE, fitting.PICTURE}
    card = json.loads((data_dir / "models" / "tiny" / "tiny.json").read_text())
    assert (card["technique"], card["name"]) == ("txl", "tiny") and "int8" in card["quantization"]
    assert card["settings"]["steps"] == state["step"] and card["shape"]["width"] == 16
    assert card["data"]["left_out_no_melody"] == 1
    assert card["figures_test"]["perplexity"]["yours"]["txl_int8"] > 1
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(k for k, line in enumerate(lines) if line.split()[:3] == ["tiny", "txl", "yours"])
    assert lines[at + 1].split() == ["test", "perplexity,", "your", "melodies",
                                     str(card["figures_test"]["perplexity"]["yours"]["txl_int8"])]
    assert main(["generate", "--model", "tiny", "--input", "sample:twinkle", "--seconds", "4", "--seed", "1"]) == 0
    assert "your model tiny" in capsys.readouterr().out
    with Library(data_dir) as library:
        (entry,) = library.entries()
        result = library.load(entry.id)
        assert entry.model == "tiny" and len(result.tracks) == 2 and result.tracks[-1].notes


def test_a_stopped_run_keeps_its_checkpoint_and_resume_goes_on_counting(data_dir, corpus_cache, folder, capsys,
                                                                         monkeypatch):
    saves = []
    real_save = fitting.save_checkpoint

    def save_then_stop(model, optimizer, state, out, improved):
        real_save(model, optimizer, state, out, improved)
        saves.append(state["step"])
        if len(saves) == 1:
            raise KeyboardInterrupt  # Ctrl-C right after the first checkpoint

    monkeypatch.setattr(fitting, "save_checkpoint", save_then_stop)
    argv = ["train", "txl", "--data", "melodies", "--name", "again", "--epochs", "0.2"] + TINY
    assert main(argv + ["--resume"]) == 1  # nothing to resume yet
    assert "no checkpoint of a run called 'again'" in capsys.readouterr().err
    assert main(argv) == command.INTERRUPTED
    out = capsys.readouterr().out
    assert "training again on train 24 / valid 3 / test 3 melodies" in out
    assert "stopped: the checkpoint of step 2 is kept" in out and "--name again --resume goes on" in out
    assert not (data_dir / "models" / "again").exists()
    run = data_dir / "training" / "again"
    stopped = dict(np.load(run / fitting.CHECKPOINT))
    assert main(argv) == 1  # the run exists: starting it again without --resume is refused
    assert "--resume goes on from it" in capsys.readouterr().err
    assert main(["train", "txl", "--data", str(folder), "--name", "again", "--resume"]) == 1  # other data
    assert "the run 'again' trained on melodies: --resume goes on with the same --data" in capsys.readouterr().err
    assert main(["train", "txl", "--name", "again", "--resume", "--width", "32"]) == 1
    assert "keeps its shape; drop --width 32 (it has 16)" in capsys.readouterr().err
    assert main(["train", "txl", "--name", "again", "--resume"]) == 0
    out = capsys.readouterr().out
    assert "resuming from step 2" in out and "batch 4" in out  # the run's own settings
    state = json.loads((run / fitting.STATE).read_text())
    evaluated = sorted(set(range(2, state["step"] + 1, 2)) | {state["step"]})  # every 2 steps, and at the end
    assert [h["step"] for h in state["history"]] == saves == evaluated and state["step"] > 2
    resumed = np.load(run / fitting.CHECKPOINT)
    assert any(not np.array_equal(stopped[k], resumed[k]) for k in stopped if k.startswith("optimizer/"))
    card = json.loads((data_dir / "models" / "again" / "again.json").read_text())
    assert card["settings"]["steps"] == state["step"] and card["data"]["set"] == "melodies"
    assert card["data"]["melodies"]["train"] == {"classical": 12, "folk": 12}
    assert set(card["figures_test"]["perplexity"]) == {"classical", "folk"}


def test_a_resumed_run_starts_from_the_saved_weights_and_adam_state(data_dir, folder, capsys, monkeypatch):
    """The checkpoint holds Adam's moments and step count: loading it gives back the same numbers."""
    import tensorflow as tf

    from keycomposer.trainers.txl.network import Shape, TransformerXL

    shape = Shape(layers=1, width=16, heads=2, inner=64, memory=16, segment=32)
    model = TransformerXL(shape, seed=1)
    optimizer = tf.keras.optimizers.Adam(1e-3)
    optimizer.build(model.trainable_variables)
    grads = [tf.ones_like(v) for v in model.trainable_variables]
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    out = data_dir / "ckpt"
    out.mkdir(parents=True)
    fitting.save_checkpoint(model, optimizer, {"step": 1}, str(out), improved=True)
    again = TransformerXL(shape, seed=2)
    fresh = tf.keras.optimizers.Adam(1e-3)
    fresh.build(again.trainable_variables)
    fitting.load_checkpoint(str(out / fitting.CHECKPOINT), again, fresh)
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(model.trainable_variables,
                                                                    again.trainable_variables))
    assert int(fresh.iterations.numpy()) == 1
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(optimizer.variables, fresh.variables))


def test_the_corpus_melodies_are_parsed_once_into_the_data_folder(data_dir, monkeypatch, capsys):
    """`--data melodies` with no cache parses the corpus (here two of its files) into the data folder, each file
    kept once read, the cache written beside and renamed."""
    from keycomposer.trainers.txl import melodies

    monkeypatch.setattr(melodies, "sources", lambda: [("classical", "bach/bwv269"),
                                                      ("folk", "essenFolksong/altdeu10.abc")])
    monkeypatch.setattr(command, "PARSE_PROCESSES", 1)
    splits, about = command.corpus_splits()
    cache = data_dir / "training" / "cache" / "txl-melodies.npz"
    assert cache.exists() and sorted(p.name for p in cache.parent.iterdir()) == ["txl-melodies.npz", "txl-parsed"]
    assert len(list((cache.parent / "txl-parsed").iterdir())) == 2
    found = [(name, style) for side in splits.values() for name, style, _ in side]
    assert ("bach/bwv269", "classical") in found and {style for _, style in found} == {"classical", "folk"}
    assert about["melodies_per_split"] == {side: len(pieces) for side, pieces in splits.items()}
    assert "parsing the melodies of the music21 corpus" in capsys.readouterr().out


def test_ctrl_c_while_the_corpus_is_parsed_says_the_files_read_are_kept(data_dir, monkeypatch, capsys):
    from keycomposer.trainers.txl import melodies

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(melodies, "prepare", stopped)
    assert main(["train", "txl", "--data", "melodies", "--name", "early"]) == command.INTERRUPTED
    out = capsys.readouterr().out
    assert f"stopped while reading the corpus: the files read so far are kept in {command.parsed_folder()}" in out
    assert not (data_dir / "training" / "early").exists()


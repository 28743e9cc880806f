"""Models the person trained, on the command line (issue 31): `keycomposer models` lists them beside the shipped
ones and deletes them, `generate` and `live` run one by name through the same checks as a shipped one."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from keycomposer import model_catalog
from keycomposer.cli import main
from keycomposer.library.store import Library

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "models"))
from trained_model_support import (  # noqa: E402
    TOY,
    arcnn_trained_from_the_shipped_one,
    trained_card,
    trained_from_the_shipped_one,
)

pytestmark = pytest.mark.timeout(120)
HAS_RUNTIME = importlib.util.find_spec("ai_edge_litert") is not None
SHIPPED_ARCNN = Path(__file__).resolve().parents[3] / "models_tflite" / "arcnn_bach.tflite"
needs_arcnn = pytest.mark.skipif(not (HAS_RUNTIME and SHIPPED_ARCNN.exists()),
                                 reason="needs the shipped AR-CNN and ai-edge-litert")
SCRIPT = "press C4 dt=10\nwait 300\nrelease C4\npress E4 dt=10\nwait 300\nrelease E4\n"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def one_line_error(capsys, *argv) -> str:
    assert main(list(argv)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def saved(data_dir) -> list:
    if not (data_dir / "library.sqlite3").exists():
        return []
    with Library(data_dir) as library:
        return library.entries()


def test_models_lists_yours_beside_the_shipped_ones_and_a_broken_one_with_its_reason(data_dir, capsys):
    model_catalog.install(TOY, trained_card("my-chorales", TOY))
    broken = data_dir / "models" / "garbled"
    broken.mkdir()
    (broken / "garbled.json").write_text("{not json")
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    mine = next(line for line in lines if line.strip().startswith("my-chorales"))
    assert mine.split() == ["my-chorales", "arcnn", "yours", "trained:", "2026-12-07T18:00:00Z"]
    assert any(line.split()[:3] == ["arcnn_bach", "arcnn", "shipped"] for line in lines)
    garbled = lines.index(next(line for line in lines if line.strip().startswith("garbled")))
    assert "broken:" in lines[garbled + 1] and "not valid JSON" in lines[garbled + 1]


def test_models_delete_removes_yours_and_refuses_a_shipped_or_unknown_name(data_dir, capsys):
    model_catalog.install(TOY, trained_card("mine", TOY))
    assert main(["models", "--delete", "mine"]) == 0
    assert "deleted your model 'mine'" in capsys.readouterr().out
    assert model_catalog.user_models() == []
    assert "only a model you trained can be deleted" in one_line_error(capsys, "models", "--delete", "gan_quartet")
    assert "no model called 'mine'" in one_line_error(capsys, "models", "--delete", "mine")


def test_generate_with_an_unknown_model_is_one_line_and_saves_nothing(data_dir, capsys):
    err = one_line_error(capsys, "generate", "--model", "nope", "--input", "sample:twinkle")
    assert "no model called 'nope': the techniques are arcnn, gan, txl; you have trained none" in err
    assert saved(data_dir) == []


SHIPPED_GAN = SHIPPED_ARCNN.with_name("gan_quartet.tflite")


@pytest.mark.skipif(not (HAS_RUNTIME and SHIPPED_GAN.exists()), reason="needs the shipped GAN and ai-edge-litert")
def test_generate_runs_a_gan_of_yours_with_the_parts_its_card_names(data_dir, capsys):
    content, card = trained_from_the_shipped_one("gan_quartet", "my-band", "gan")
    card["tracks"] = [{"name": name, "program": 0} for name in ("Upper", "Middle", "Lower")]
    model_catalog.install(content, card)
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = lines.index(next(line for line in lines if line.strip().startswith("my-band")))
    assert lines[listed].split()[:3] == ["my-band", "gan", "yours"] and "not usable" not in lines[listed + 1]
    assert main(["generate", "--model", "my-band", "--input", "sample:twinkle", "--seed", "2"]) == 0
    assert "Accompaniment GAN (your model my-band)" in capsys.readouterr().out
    (entry,) = saved(data_dir)
    with Library(data_dir) as library:
        tracks = library.load(entry.id).tracks
    assert entry.model == "my-band"
    assert [track.name for track in tracks[1:]] == ["Upper (GAN my-band)", "Middle (GAN my-band)", "Lower (GAN my-band)"]
    assert all(track.notes for track in tracks[1:]) and {track.program for track in tracks[1:]} == {0}


@needs_arcnn
def test_generate_runs_your_model_and_saves_the_generation_under_its_name(data_dir, capsys):
    model_catalog.install(*arcnn_trained_from_the_shipped_one("my-chorales"))
    assert main(["generate", "--model", "my-chorales", "--input", "sample:twinkle", "--iterations", "3",
                 "--seed", "1"]) == 0
    assert "AR-CNN Bach (your model my-chorales): generating" in capsys.readouterr().out
    (entry,) = saved(data_dir)
    assert (entry.model, entry.parameters["iterations"], entry.parameters["seed"]) == ("my-chorales", 3, 1)
    with Library(data_dir) as library:
        assert len(library.load(entry.id).tracks) > 1  # voices were added under the melody


@pytest.mark.skipif(not (HAS_RUNTIME and (SHIPPED_ARCNN.parent / "txl_melody.tflite").exists()),
                    reason="needs the shipped Transformer-XL and ai-edge-litert")
def test_generate_runs_a_transformer_xl_of_yours(data_dir, capsys):
    model_catalog.install(*trained_from_the_shipped_one("txl_melody", "my-melodies", "txl"))
    assert main(["generate", "--model", "my-melodies", "--input", "sample:twinkle", "--seconds", "2",
                 "--seed", "1"]) == 0
    (entry,) = saved(data_dir)
    assert (entry.model, entry.parameters["seconds"]) == ("my-melodies", 2.0)


@needs_arcnn
def test_generate_checks_your_file_against_its_card_as_it_checks_a_shipped_one(data_dir, capsys):
    model = model_catalog.install(*arcnn_trained_from_the_shipped_one("my-chorales"))
    path = model.folder / "my-chorales.tflite"
    content = bytearray(path.read_bytes())
    content[-1] ^= 0xFF
    path.write_bytes(bytes(content))
    err = one_line_error(capsys, "generate", "--model", "my-chorales", "--input", "sample:twinkle")
    assert f"{path} is not the one its card describes" in err
    assert saved(data_dir) == []


@needs_arcnn
def test_live_plays_a_take_into_your_model(data_dir, tmp_path, capsys):
    model_catalog.install(*arcnn_trained_from_the_shipped_one("my-chorales"))
    script = tmp_path / "take.txt"
    script.write_text(SCRIPT)
    assert main(["live", "--model", "my-chorales", "--emulator", "--script", str(script), "--play", "none",
                 "--iterations", "2", "--seed", "3"]) == 0
    recording, generation = saved(data_dir)
    assert generation.model == "my-chorales" and generation.source == str(recording.id)


@pytest.mark.skipif(not (HAS_RUNTIME and SHIPPED_GAN.exists()), reason="needs the shipped GAN and ai-edge-litert")
def test_live_plays_a_take_into_a_gan_of_yours(data_dir, tmp_path, capsys):
    model_catalog.install(*trained_from_the_shipped_one("gan_bach", "my-choir", "gan"))
    script = tmp_path / "take.txt"
    script.write_text(SCRIPT)
    assert main(["live", "--model", "my-choir", "--emulator", "--script", str(script), "--play", "none",
                 "--seed", "3"]) == 0
    recording, generation = saved(data_dir)
    assert generation.model == "my-choir" and generation.source == str(recording.id)


def test_live_refuses_a_broken_model_of_yours_before_anyone_plays(data_dir, capsys):
    model = model_catalog.install(TOY, trained_card("mine", TOY))
    (model.folder / "mine.tflite").write_bytes(TOY[:-1] + b"\xff")  # same size, other bytes
    err = one_line_error(capsys, "live", "--model", "mine", "--emulator", "--script", "/nonexistent")
    assert "is not the one its card describes" in err
    assert saved(data_dir) == []


def test_the_model_card_a_person_installs_is_kept_as_given(data_dir):
    card = trained_card("mine", TOY, settings={"lr": 0.001, "batch": 16})
    model = model_catalog.install(TOY, card)
    assert json.loads((model.folder / "mine.json").read_text()) == card

"""Bad input gets one line naming what is wrong, before any work where it can be told before; odd names and
files in the library are handled (issue 29, items 8 and 10)."""

import os

import pytest

from keycomposer import techniques
from keycomposer.cli import main
from keycomposer.library import Library
from keycomposer.music import Composition, Track, read_midi, sample_composition, write_midi
from keycomposer.music.edits import transpose
from keycomposer.techniques import Parameter, Technique

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def octave_up(monkeypatch, tmp_path):
    """A stand-in model (the real ones have their own tests), installed as a trained one would be."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "octave_up.json").write_text('{"file": "octave_up.tflite", "sha256": "0", "bytes": 0}')
    (models / "octave_up.tflite").write_bytes(b"")
    monkeypatch.setenv("KEYCOMPOSER_MODELS_DIR", str(models))
    technique = Technique("octave_up", "Octave up", "test stand-in", ("octave_up",), (Parameter(
        "semitones", int, 12, "how far up", 0, 24),), run=lambda composition, seed, semitones: transpose(
        composition, semitones))
    monkeypatch.setitem(techniques.TECHNIQUES, "octave_up", technique)
    return technique


def one_line_error(capsys, *argv) -> str:
    assert main(list(argv)) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    return captured.err


def saved(data_dir) -> list:
    if not data_dir.exists():
        return []
    with Library(data_dir) as library:
        return library.entries()


def test_generate_out_into_a_missing_folder_is_refused_before_the_model_runs(capsys, tmp_path, data_dir, octave_up):
    err = one_line_error(capsys, "generate", "--model", "octave_up", "--input", "sample:twinkle",
                         "--out", str(tmp_path / "missing" / "x.mid"))
    assert "the folder" in err and "does not exist" in err
    assert saved(data_dir) == []


def test_generate_prints_the_length_of_the_music(capsys, tmp_path, octave_up):
    assert main(["generate", "--model", "octave_up", "--input", "sample:twinkle", "--out", str(tmp_path / "x.mid")]) == 0
    twinkle = sample_composition("twinkle")
    assert f"42 notes, {twinkle.seconds(twinkle.end):.1f} s of music; the model took" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["record", "live"])
@pytest.mark.parametrize("option, value, why", [("--bpm", "0", "--bpm must be in range 1..1000, got 0"),
                                                ("--bpm", "-30", "got -30"), ("--bpm", "nan", "got nan"),
                                                ("--bars", "-1", "--bars must be in range 1..64, got -1")])
def test_tempo_and_bars_are_checked_before_the_take(capsys, tmp_path, data_dir, octave_up, command, option, value,
                                                    why):
    script = tmp_path / "take.txt"
    script.write_text("press C4 dt=10\nwait 300\nrelease C4\n")
    model = ["--model", "octave_up", "--play", "none"] if command == "live" else []
    err = one_line_error(capsys, command, *model, "--emulator", "--script", str(script), option, value)
    assert why in err
    assert saved(data_dir) == []


def test_demo_out_dir_onto_a_file(capsys, tmp_path):
    (tmp_path / "a-file").write_text("mine")
    assert "is a file, not a folder" in one_line_error(capsys, "demo", "--out-dir", str(tmp_path / "a-file"))
    assert (tmp_path / "a-file").read_text() == "mine"


@pytest.mark.parametrize("entry_id, why", [("²", "a library id is a positive number"), ("٣", "positive number"),
                                           ("1" * 23, "has no composition 1111"), ("9" * 5000, "has no composition")])
def test_ids_that_are_no_library_ids(capsys, entry_id, why):
    for argv in (["library", "show", entry_id], ["library", "export", entry_id, "x.mid"]):
        assert why in one_line_error(capsys, *argv)
    one_line_error(capsys, "metrics", entry_id)


def imported(capsys, tmp_path, name="twinkle.mid") -> str:
    path = tmp_path / name
    write_midi(sample_composition("twinkle"), path)
    assert main(["import", str(path)]) == 0
    return capsys.readouterr().out.split(":")[0]


def test_names_that_are_not_utf8(capsys, tmp_path):
    entry_id = imported(capsys, tmp_path, name=os.fsdecode(b"caf\xe9.mid"))  # a Latin-1 file name
    assert "not valid UTF-8" in one_line_error(capsys, "library", "rename", entry_id, os.fsdecode(b"a\xffb"))
    out = tmp_path / os.fsdecode(b"\xfe.mid")
    assert main(["library", "export", entry_id, str(out)]) == 0
    assert "exported to" in capsys.readouterr().out and out.exists()
    assert main(["library", "list"]) == 0


def test_non_latin1_names_work_everywhere(capsys, tmp_path, octave_up):
    entry_id = imported(capsys, tmp_path)
    assert main(["library", "rename", entry_id, "日本語の歌 ♪"]) == 0
    assert main(["edit", entry_id, "--transpose", "2"]) == 0
    assert main(["generate", "--model", "octave_up", "--input", entry_id]) == 0
    capsys.readouterr()
    with Library() as library:
        names = [entry.name for entry in library.entries()]
        assert names == ["日本語の歌 ♪"] * 3
        assert library.load(3).name == "日本語の歌 ♪"
    named = Composition((Track(sample_composition("twinkle").tracks[0].notes, name="Голос"),), name="Ωδή")
    write_midi(named, tmp_path / "greek.mid")
    assert read_midi(tmp_path / "greek.mid") == named


@pytest.mark.parametrize("name", ["evil\u202egnp.mid", "two\u2028lines", "para\u2029graph", "isolate\u2066x",
                                  "nel\u0085x"])
def test_names_that_change_how_text_around_them_shows_are_refused(capsys, tmp_path, name):
    entry_id = imported(capsys, tmp_path)
    err = one_line_error(capsys, "library", "rename", entry_id, name)
    assert "name contains" in err
    assert main(["import", str(tmp_path / "twinkle.mid"), "--name", name]) == 1


def test_a_missing_file_behind_a_row_is_one_line_everywhere(capsys, tmp_path, data_dir, octave_up):
    entry_id = imported(capsys, tmp_path)
    (data_dir / "compositions" / "000001.mid").unlink()
    for argv in (["library", "export", entry_id, str(tmp_path / "out.mid")], ["edit", entry_id, "--transpose", "1"],
                 ["generate", "--model", "octave_up", "--input", entry_id], ["metrics", entry_id],
                 ["roll", entry_id, str(tmp_path / "x.png")], ["render", entry_id, str(tmp_path / "x.wav")]):
        assert "is missing" in one_line_error(capsys, *argv), argv
    assert main(["library", "list"]) == 0 and main(["library", "delete", entry_id]) == 0


def test_folders_named_like_compositions(capsys, tmp_path, data_dir):
    entry_id = imported(capsys, tmp_path)
    (data_dir / "compositions" / "x.mid").mkdir()
    assert main(["library", "list"]) == 0
    (data_dir / "compositions" / "000001.mid").unlink()
    (data_dir / "compositions" / "000001.mid").mkdir()
    assert "cannot be read" in one_line_error(capsys, "library", "export", entry_id, str(tmp_path / "o.mid"))
    assert main(["library", "delete", entry_id]) == 0
    assert (data_dir / "compositions" / "000001.mid").is_dir() and (data_dir / "compositions" / "x.mid").is_dir()


def test_render_with_a_soundfont_that_is_missing_or_no_soundfont(capsys, tmp_path):
    assert "none.sf2 is not a file" in one_line_error(capsys, "render", "sample:twinkle", str(tmp_path / "o.wav"),
                                                      "--soundfont", str(tmp_path / "none.sf2"))
    (tmp_path / "text.sf2").write_text("not a soundfont")
    assert "not a SoundFont 2" in one_line_error(capsys, "render", "sample:twinkle", str(tmp_path / "o.wav"),
                                                 "--soundfont", str(tmp_path / "text.sf2"))
    assert not (tmp_path / "o.wav").exists()


EMULATED = ["--emulator", "--interpreter", "cpython"]


def test_settings_on_the_emulator_say_when_a_change_is_not_kept(capsys, tmp_path):
    assert main(["settings", *EMULATED, "channel=3"]) == 0
    assert "not kept: without --flash DIR" in capsys.readouterr().out
    flash = tmp_path / "new" / "flash"  # a folder that does not exist yet: a new keyboard's empty flash
    assert main(["settings", *EMULATED, "--flash", str(flash), "channel=3"]) == 0
    assert "not kept" not in capsys.readouterr().out
    assert main(["settings", *EMULATED, "--flash", str(flash)]) == 0
    assert "channel           3" in capsys.readouterr().out
    assert "add --emulator" in one_line_error(capsys, "settings", "--flash", str(flash), "channel=4")
    (tmp_path / "a-file").write_text("")
    assert "is a file" in one_line_error(capsys, "settings", *EMULATED, "--flash", str(tmp_path / "a-file"))


def test_link_emulator_shows_the_emulated_keyboards_dsn_which_then_links(capsys, data_dir):
    assert main(["link", *EMULATED, "--dsn-seed", "7"]) == 0
    out = capsys.readouterr().out
    dsn = out.split("has the DSN ")[1].split(";")[0]
    assert main(["link", dsn, *EMULATED, "--dsn-seed", "7"]) == 0
    assert "linked keyboard " + dsn in capsys.readouterr().out


def test_record_out_into_a_missing_folder_is_refused_before_the_take(capsys, tmp_path, data_dir):
    script = tmp_path / "take.txt"
    script.write_text("press C4 dt=10\nwait 300\nrelease C4\n")
    err = one_line_error(capsys, "record", *EMULATED, "--script", str(script), "--out", str(tmp_path / "no" / "x.mid"))
    assert "does not exist" in err
    assert saved(data_dir) == []

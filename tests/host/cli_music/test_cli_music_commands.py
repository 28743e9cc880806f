"""The samples, library, import, metrics, roll and render commands, run as a user would type them."""

import json
import shutil

import pytest

from keycomposer.cli import main
from keycomposer.music import read_midi, sample_composition, write_midi


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def imported(tmp_path, capsys, sample="twinkle"):
    path = tmp_path / f"{sample}.mid"
    write_midi(sample_composition(sample), path)
    code, out, _ = run(capsys, "import", str(path))
    assert code == 0
    return out.split(":")[0]


def test_samples_lists_every_tune_as_an_input(capsys):
    code, out, _ = run(capsys, "samples")
    assert code == 0 and "sample:twinkle" in out and "sample:greensleeves" in out
    code, out, _ = run(capsys, "samples", "--json")
    assert {row["name"] for row in json.loads(out)} >= {"twinkle", "new_world", "happy_birthday"}


def test_samples_writes_one_to_a_file(capsys, tmp_path):
    code, _, _ = run(capsys, "samples", "ode_to_joy", "-o", str(tmp_path / "ode.mid"))
    assert code == 0 and read_midi(tmp_path / "ode.mid").tracks[0].notes == sample_composition("ode_to_joy").tracks[0].notes
    code, _, err = run(capsys, "samples", "nope", "-o", str(tmp_path / "x.mid"))
    assert code == 1 and "no sample melody is called 'nope'" in err


def test_import_then_list_show_rename_export_delete(capsys, tmp_path):
    entry_id = imported(tmp_path, capsys)
    code, out, _ = run(capsys, "library", "list", "--json")
    (entry,) = json.loads(out)
    assert entry["id"] == int(entry_id) and entry["kind"] == "import"
    assert run(capsys, "library", "rename", entry_id, "Little star")[0] == 0
    code, out, _ = run(capsys, "library", "show", entry_id, "--json")
    assert json.loads(out)["name"] == "Little star"
    code, out, _ = run(capsys, "library", "show", entry_id)
    assert "Little star" in out and "in_scale_ratio" in out
    code, out, _ = run(capsys, "library", "export", entry_id, str(tmp_path / "back.mid"))
    assert code == 0 and read_midi(tmp_path / "back.mid").tracks[0].notes == sample_composition("twinkle").tracks[0].notes
    assert run(capsys, "library", "delete", entry_id)[0] == 0
    code, out, _ = run(capsys, "library", "list")
    assert "empty" in out


def test_library_errors_are_one_line_and_exit_1(capsys):
    code, _, err = run(capsys, "library", "show", "42")
    assert code == 1 and err.strip() == "keycomposer library: the library has no composition 42"
    code, _, err = run(capsys, "library", "rename", "x", "y")
    assert code == 1 and "a library id is a positive number" in err


def test_rename_refuses_names_that_look_like_paths(capsys, tmp_path):
    entry_id = imported(tmp_path, capsys)
    code, _, err = run(capsys, "library", "rename", entry_id, "../../escape")
    assert code == 1 and "path separator" in err


def test_a_failed_import_changes_nothing(capsys, tmp_path, data_dir):
    imported(tmp_path, capsys)
    before = sorted(path.name for path in (data_dir / "compositions").iterdir())
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"MThd\x00\x00\x00\x06\x00\x02\x00\x01\x00\x60")
    code, _, err = run(capsys, "import", str(broken))
    assert code == 1 and "type 2" in err
    assert sorted(path.name for path in (data_dir / "compositions").iterdir()) == before
    assert len(json.loads(run(capsys, "library", "list", "--json")[1])) == 1


def test_metrics_of_a_sample_a_file_and_an_id(capsys, tmp_path):
    code, out, _ = run(capsys, "metrics", "sample:greensleeves", "--json")
    assert code == 0 and json.loads(out)["overall"]["key"] == "A minor"
    entry_id = imported(tmp_path, capsys, "new_world")
    assert json.loads(run(capsys, "metrics", entry_id, "--json")[1])["bars"] == 8
    code, out, _ = run(capsys, "metrics", str(tmp_path / "new_world.mid"))
    assert code == 0 and "in-scale ratio" in out and "1.000" in out
    code, _, err = run(capsys, "metrics", "no-such-file.mid")
    assert code == 1 and "is not a file, a library id or sample:NAME" in err


def test_metrics_of_a_file_whose_meter_changes_count_its_own_bars(capsys, tmp_path):
    from keycomposer.music import Composition, Note, TimeSignature, Track

    notes = tuple(Note(beat * 480, 60 + beat % 5, 480) for beat in range(8 + 9))  # 2 bars of 4/4, 3 of 3/4
    changing = Composition((Track(notes),), 480, time_signatures=(TimeSignature(0, 4, 4), TimeSignature(3840, 3, 4)))
    write_midi(changing, tmp_path / "changing.mid")
    code, out, _ = run(capsys, "metrics", str(tmp_path / "changing.mid"))
    assert code == 0 and "5 bars (4/4, then 3/4)" in out.splitlines()[0]


def test_roll_draws_a_png(capsys, tmp_path):
    code, out, _ = run(capsys, "roll", "sample:jingle_bells", str(tmp_path / "roll.png"))
    assert code == 0 and (tmp_path / "roll.png").read_bytes()[:4] == b"\x89PNG" and "#1f77b4" in out


@pytest.mark.skipif(shutil.which("fluidsynth") is None, reason="FluidSynth is not installed")
@pytest.mark.timeout(120)
def test_render_an_id_to_wav(capsys, tmp_path):
    entry_id = imported(tmp_path, capsys, "frere_jacques")
    code, out, _ = run(capsys, "render", entry_id, str(tmp_path / "out.wav"))
    assert code == 0 and (tmp_path / "out.wav").read_bytes()[:4] == b"RIFF"


def test_render_without_fluidsynth_explains(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(capsys, "render", "sample:twinkle", str(tmp_path / "out.wav"))
    assert code == 1 and "apt-get install fluidsynth fluid-soundfont-gm" in err



def _subcommands():
    import argparse

    from keycomposer.cli import build_parser

    actions = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(actions[0].choices)


@pytest.mark.parametrize("command", _subcommands())
def test_every_subcommand_prints_its_help(command, capsys):
    # A "%" in a help text is a format character to argparse: one once made `generate --help` crash.
    from keycomposer.cli import build_parser

    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    assert "usage:" in capsys.readouterr().out

"""`keycomposer live`: one scripted take on the emulated keyboard -> recording and generation saved."""

import pytest

from keycomposer import techniques
from keycomposer.cli import main
from keycomposer.library.store import Library
from keycomposer.music.edits import transpose
from keycomposer.techniques import Parameter, Technique

pytestmark = pytest.mark.timeout(60)

SCRIPT = "press C4 dt=10\nwait 300\nrelease C4\npress E4 dt=10\nwait 300\nrelease E4\n"


@pytest.fixture
def octave_up_technique(monkeypatch, tmp_path):
    """A stand-in technique for the loop's plumbing (the real models have their own tests): it moves the
    take up by `semitones`. Its model file is a model card and file the test writes, as a trained one."""
    models = tmp_path / "models"
    models.mkdir()
    (models / "octave_up.json").write_text('{"file": "octave_up.tflite", "sha256": "0", "bytes": 0}')
    (models / "octave_up.tflite").write_bytes(b"")
    monkeypatch.setenv("KEYCOMPOSER_MODELS_DIR", str(models))
    technique = Technique(
        "octave_up", "Octave up", "test stand-in", ("octave_up",),
        (Parameter("semitones", int, 12, "how far up", 0, 24),),
        run=lambda composition, seed, semitones: transpose(composition, semitones),
    )
    monkeypatch.setitem(techniques.TECHNIQUES, "octave_up", technique)
    return technique


def test_one_take_is_recorded_generated_and_both_are_saved(tmp_path, monkeypatch, octave_up_technique, capsys):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    script = tmp_path / "take.txt"
    script.write_text(SCRIPT)
    # the parser is built from the registry when main() runs, so the stand-in is a valid --model
    assert main(["live", "--model", "octave_up", "--emulator", "--script", str(script), "--play", "none",
                 "--semitones", "7"]) == 0
    with Library() as library:
        recording, generation = library.entries()
        assert (recording.kind, generation.kind) == ("recording", "generation")
        assert generation.source == str(recording.id) and generation.model == "octave_up"
        assert generation.parameters["semitones"] == 7
        played = [n.pitch for n in library.load(recording.id).tracks[0].notes]
        made = [n.pitch for n in library.load(generation.id).tracks[0].notes]
    assert played == [60, 64] and made == [67, 71]


def test_live_refuses_an_untrained_model_before_anyone_plays(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KEYCOMPOSER_MODELS_DIR", str(tmp_path))  # an empty models folder
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    assert main(["live", "--model", "arcnn", "--emulator", "--script", "/nonexistent"]) == 1
    assert "not trained" in capsys.readouterr().err


KEYBOARD_DRIVEN = """\
button record tap
press C4 dt=10
wait 300
release C4
button record tap
# tap tempo held + playback: the keyboard asks the bridge for another generation from the last take
button tap_tempo down
button playback tap
button tap_tempo up
"""


def test_the_keyboard_alone_asks_for_another_generation_from_the_last_take(
        tmp_path, monkeypatch, octave_up_technique, capsys):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    script = tmp_path / "take.txt"
    script.write_text(KEYBOARD_DRIVEN)
    assert main(["live", "--model", "octave_up", "--emulator", "--script", str(script), "--play", "none"]) == 0
    assert "asked for from the keyboard" in capsys.readouterr().out
    with Library() as library:
        kinds = [(e.kind, e.source) for e in library.entries()]
    assert kinds == [("recording", None), ("generation", "1"), ("generation", "1")]

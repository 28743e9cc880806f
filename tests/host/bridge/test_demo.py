"""`keycomposer demo` and the performer it uses: a sample melody through keys, firmware, USB-MIDI, recorder."""

import pytest

from keycomposer.cli import main
from keycomposer.emulator import Emulator
from keycomposer.library.store import Library
from keycomposer.music.composition import Composition, Note, Track
from keycomposer.music.samples import sample_composition
from keycomposer.performer import PerformanceError, fit_to_keyboard, perform
from keycomposer.recorder import Recorder
from keycomposer.techniques import TECHNIQUES, installed

pytestmark = pytest.mark.timeout(120)


def played_back(melody: Composition, interpreter: str = "micropython") -> Composition:
    recorder = Recorder(bpm=melody.bpm, resolution=melody.resolution)
    with Emulator(interpreter=interpreter) as emulator:
        perform(melody, emulator)
        for event in emulator.midi():
            recorder.feed(event.time_us, event.message)
    return recorder.composition()


@pytest.mark.parametrize("name", ["twinkle", "ode_to_joy", "amazing_grace"])
def test_a_sample_played_on_the_emulated_keyboard_comes_back_note_for_note(name):
    melody = sample_composition(name)
    take = played_back(melody)
    original = melody.tracks[0].notes
    recorded = take.tracks[0].notes
    shift = fit_to_keyboard(list(original))
    assert [n.pitch for n in recorded] == [n.pitch + shift for n in original]
    # the take starts at its first note; after that, every onset within 30 ms of the score's
    first = melody.seconds(original[0].start)
    for score, heard in zip(original, recorded):
        assert abs((melody.seconds(score.start) - first) - take.seconds(heard.start)) < 0.030


def test_a_melody_wider_than_the_keyboard_is_refused():
    with pytest.raises(PerformanceError, match="32 keys"):
        fit_to_keyboard([Note(0, 40, 10), Note(10, 80, 10)])


def test_the_demo_records_saves_and_writes_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "out"
    assert main(["demo", "--sample", "twinkle", "--out-dir", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "recorded" in printed and "saved recording" in printed
    assert (out / "twinkle-recording.mid").exists()
    with Library() as library:
        entries = library.entries()
    assert entries[0].kind == "recording"
    # every installed technique ran on the take, each saved and written beside it
    ran = [name for name in ("arcnn", "gan", "txl") if installed(TECHNIQUES[name])]
    assert len(entries) == 1 + len(ran)
    for name in ran:
        assert (out / f"twinkle-{name}.mid").exists() and f"{TECHNIQUES[name].title} ran in" in printed


@pytest.mark.skipif(not installed(TECHNIQUES["gan"]), reason="the accompaniment GAN is not installed")
def test_the_demo_runs_only_the_techniques_named(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "out"
    assert main(["demo", "--sample", "twinkle", "--out-dir", str(out), "--technique", "gan"]) == 0
    assert sorted(path.name for path in out.glob("*.mid")) == ["twinkle-gan.mid", "twinkle-recording.mid"]
    with Library() as library:
        assert [entry.kind for entry in library.entries()][0] == "recording" and len(library.entries()) == 2

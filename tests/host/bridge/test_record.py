"""`keycomposer record`: a scripted take on the emulated keyboard, saved, exported and read back equal."""

import mido
import pytest

from keycomposer.cli import main
from keycomposer.library.store import Library
from keycomposer.music.midi_io import read_midi
from keycomposer.recorder import Recorder
from keycomposer.take import take_state

pytestmark = pytest.mark.timeout(60)

SCRIPT = """\
# the opening of Twinkle Twinkle, quarter notes at 120 BPM
press C4 dt=10
wait 490
release C4
press C4 dt=10
wait 490
release C4
press G4 dt=10
wait 490
release G4
press G4 dt=10
wait 490
release G4
"""


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCOMPOSER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.mark.parametrize("interpreter", ["micropython", "cpython"])
def test_a_scripted_take_is_saved_exported_and_reads_back_equal(tmp_path, data_dir, interpreter):
    script = tmp_path / "take.txt"
    script.write_text(SCRIPT)
    assert main(["record", "--emulator", "--interpreter", interpreter, "--script", str(script), "--name", "twinkle"]) == 0
    with Library() as library:
        (entry,) = library.entries()
        assert entry.kind == "recording" and entry.name == "twinkle"
        take = library.load(entry.id)
    (track,) = take.tracks
    assert [note.pitch for note in track.notes] == [60, 60, 67, 67]
    beat = take.resolution
    # a press every ~500 ms at 120 BPM: notes one beat apart, give or take the emulator's 10 ms
    # settling of a released contact before the next press (firmware/EMULATOR.md)
    starts = [note.start for note in track.notes]
    assert starts[0] == 0
    assert all(abs((b - a) - beat) <= beat * 25 // 500 for a, b in zip(starts, starts[1:]))
    exported = tmp_path / "out.mid"
    assert main(["library", "export", str(entry.id), str(exported)]) == 0
    assert read_midi(exported).tracks[0].notes == track.notes


def test_an_empty_take_saves_nothing(tmp_path, data_dir, capsys):
    script = tmp_path / "silence.txt"
    script.write_text("wait 100\n")
    assert main(["record", "--emulator", "--script", str(script)]) == 1
    assert "no notes" in capsys.readouterr().err
    with Library() as library:
        assert len(library) == 0


def test_the_bar_limit_cuts_the_take():
    recorder = Recorder(bpm=120)
    from keycomposer.take import take_from

    events = [(i * 250_000, mido.Message("note_on", note=60 + i % 12, velocity=90)) for i in range(40)]
    assert take_from(iter(events), recorder, max_us=2_000_000) == "bar limit"
    assert recorder.composition().note_count == 8


def test_notes_held_when_the_keyboard_goes_away_are_kept():
    recorder = Recorder(bpm=120)
    recorder.feed(0, mido.Message("note_on", note=60, velocity=80))
    recorder.feed(500_000, mido.Message("note_on", note=64, velocity=80))
    take = recorder.composition(end_us=1_000_000)
    assert [(n.pitch, n.duration) for n in take.tracks[0].notes] == [(60, 960), (64, 480)]


def test_take_state_reads_the_record_notification():
    assert take_state(mido.Message("sysex", data=(0x7D, 0x4B, 0x60, 0))) is False
    assert take_state(mido.Message("sysex", data=(0x7D, 0x4B, 0x60, 1))) is True
    assert take_state(mido.Message("note_on")) is None


RECORD_BUTTON_SCRIPT = """\
press C3 dt=10
wait 100
release C3
button record tap
press E4 dt=10
wait 200
release E4
press G4 dt=10
wait 200
release G4
button record tap
press C5 dt=10
wait 100
release C5
"""


def test_the_keyboards_record_button_starts_and_ends_the_take(tmp_path, data_dir, capsys):
    script = tmp_path / "take.txt"
    script.write_text(RECORD_BUTTON_SCRIPT)
    assert main(["record", "--emulator", "--script", str(script)]) == 0
    assert "ended by the record button" in capsys.readouterr().out
    with Library() as library:
        (entry,) = library.entries()
        take = library.load(entry.id)
    # C3 before the record button and C5 after it are not part of the take
    assert [note.pitch for note in take.tracks[0].notes] == [64, 67]
    # time 0 is the record button: E4 came 30 ms after it (emulate prints 111 ms and 141 ms)
    assert take.seconds(take.tracks[0].notes[0].start) == pytest.approx(0.030, abs=0.002)

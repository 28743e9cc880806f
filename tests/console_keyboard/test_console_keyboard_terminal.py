"""`keycomposer keyboard` in a real terminal: tmux runs it, sends it keys and reads its screen.

The screen is read with a bounded number of short polls (a real-time keyboard answers when it answers);
nothing here asserts how long anything took.
"""

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from keycomposer.emulator import EmulatorError, find_micropython
from keycomposer.library.store import Library
from keycomposer.music.midi_io import read_midi

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")

POLL_S = 0.05
POLLS = 300  # 15 s at most for anything to show


def _interpreter() -> str:
    try:
        find_micropython()
    except EmulatorError:
        return "cpython"
    return "micropython"


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


class Terminal:
    """One tmux server of its own, with one 100 x 30 window running a command."""

    def __init__(self, command: str):
        self.socket = f"keycomposer-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._tmux("new-session", "-d", "-s", "kb", "-x", "100", "-y", "30", command)

    def _tmux(self, *args: str) -> str:
        command = ["tmux", "-L", self.socket, "-f", os.devnull, *args]  # no user tmux.conf
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if done.returncode:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "kb", *keys)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "kb")

    def wait_for(self, *texts: str) -> str:
        """The screen once it shows every one of ``texts``; fails with the last screen if it never does."""
        for _ in range(POLLS):
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(POLL_S)
        raise AssertionError(f"the screen never showed {texts!r}; it shows:\n{screen}")

    def keyboard_pid(self) -> int:
        """The `keycomposer keyboard` process: the one child of the window's shell."""
        shell = int(self._tmux("display-message", "-p", "-t", "kb", "#{pane_pid}"))
        (keyboard,) = _children(shell)
        return keyboard

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "library"


def start_keyboard(data_dir: Path, *options: str, environment: str = "") -> Terminal:
    keycomposer = Path(sys.executable).parent / "keycomposer"
    command = [str(keycomposer), "keyboard", "--interpreter", _interpreter(), *options]
    shell = (
        f"KEYCOMPOSER_DATA_DIR={shlex.quote(str(data_dir))} {environment} {shlex.join(command)}; "
        'echo "[keyboard exited with $?]"; sleep 600'
    )
    return Terminal(f"sh -c {shlex.quote(shell)}")


@pytest.fixture
def terminal_factory():
    terminals = []

    def make(data_dir, *options, environment=""):
        terminal = start_keyboard(data_dir, *options, environment=environment)
        terminals.append(terminal)
        return terminal

    yield make
    for terminal in terminals:
        terminal.close()


def pitches_of(composition):
    return [note.pitch for note in composition.tracks[0].notes]


@pytest.mark.timeout(180)
def test_play_buttons_and_two_takes_in_a_terminal(terminal_factory, data_dir, tmp_path):
    out = tmp_path / "last take.mid"
    term = terminal_factory(data_dir, "--hold-ms", "1000", "--out", str(out))
    term.wait_for("power:ON", "Keys down: none", "Octave +0 (C3..G5)", "Velocity 103")

    # Chord mode on: z plays a C major triad, shown down on the piano while it sounds.
    term.keys("C")
    term.wait_for("chord:ON")
    term.keys("z")
    term.wait_for("Keys down: C3 (z)", "|*z*|", "Sounding:  C3 E3 G3")
    term.wait_for("note_off G3", "Keys down: none")  # the hold is over (and the chord button's
    term.keys("C")  # auto-repeat window long past: this is a second tap)
    term.wait_for("chord:off")

    # Octave up and back down, velocity up and back down; LEDs are the keyboard's own.
    term.keys("Up")
    term.wait_for("Octave +1 (C4..G6)", "oct-up:ON")
    term.keys("Down")
    term.wait_for("Octave +0 (C3..G5)", "oct-up:off", "oct-down:off")
    term.keys("Right")
    term.wait_for("Velocity 113")
    term.keys("Left")
    term.wait_for("Velocity 103")
    term.keys("Enter")
    term.wait_for("take 1 ended: 3 notes, saved as #1")

    # The second take: z c b q (C3 E3 G3 C4), ended by quitting.
    for key, note in (("z", "C3"), ("c", "E3"), ("b", "G3"), ("q", "C4")):
        term.keys(key)
        term.wait_for(f"note_on  {note}")
    term.keys("Escape")
    screen = term.wait_for("[keyboard exited with 0]")
    assert "take 1: 3 notes, saved as recording #1" in screen
    assert "take 2: 4 notes, saved as recording #2" in screen
    assert f"wrote take 2 to {out}" in screen

    with Library(data_dir) as library:
        entries = library.entries()
        assert [entry.kind for entry in entries] == ["recording", "recording"]
        assert [pitches_of(library.load(entry.id)) for entry in entries] == [[48, 52, 55], [48, 52, 55, 60]]
    assert pitches_of(read_midi(out)) == [48, 52, 55, 60]


@pytest.mark.timeout(120)
def test_the_keyboards_record_button_starts_and_ends_a_take(terminal_factory, data_dir):
    term = terminal_factory(data_dir, "--hold-ms", "200")
    term.wait_for("power:ON", "record:off")
    term.keys("R")
    term.wait_for("record:ON")
    term.keys("m")
    term.wait_for("note_off B3")  # also keeps the second R well apart from the first: not an auto-repeat
    term.keys("R")
    term.wait_for("record:off", "take 1 ended: 1 notes, saved as #1")
    term.keys("Escape")
    screen = term.wait_for("[keyboard exited with 0]")
    assert "take 1: 1 notes, saved as recording #1" in screen and "take 2" not in screen
    with Library(data_dir) as library:
        assert [pitches_of(library.load(entry.id)) for entry in library.entries()] == [[59]]


@pytest.mark.timeout(120)
def test_no_save_leaves_the_library_alone(terminal_factory, data_dir):
    term = terminal_factory(data_dir, "--no-save", "--hold-ms", "200")
    term.wait_for("power:ON")
    term.keys("x")
    term.wait_for("note_on  D3")
    term.keys("C-c")  # Ctrl-C quits the same way, keeping the take
    screen = term.wait_for("[keyboard exited with 0]")
    assert "take 1: 1 notes, not saved" in screen
    assert not (data_dir / "library.sqlite3").exists()


@pytest.mark.timeout(60)
def test_a_terminal_that_cannot_draw_the_keyboard_is_a_clear_error(terminal_factory, data_dir):
    term = terminal_factory(data_dir, environment="TERM=dumb")
    screen = term.wait_for("[keyboard exited with 1]")
    assert "terminal 'dumb' cannot move its cursor, so the keyboard cannot be drawn" in screen
    term = terminal_factory(data_dir, environment="TERM=no-such-terminal")
    screen = term.wait_for("[keyboard exited with 1]")
    assert "cannot drive this terminal (TERM='no-such-terminal')" in screen


@pytest.mark.timeout(120)
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the emulator process")
def test_a_keyboard_that_dies_mid_take_keeps_what_was_played(terminal_factory, data_dir):
    term = terminal_factory(data_dir, "--hold-ms", "200")
    term.wait_for("power:ON")
    term.keys("v")
    term.wait_for("note_on  F3")
    (emulator,) = _children(term.keyboard_pid())  # started by this test's keyboard: ours to end
    os.kill(emulator, 9)
    screen = term.wait_for("[keyboard exited with 1]")
    assert "take 1: 1 notes, saved as recording #1" in screen
    assert "the emulated keyboard stopped" in screen
    with Library(data_dir) as library:
        assert [pitches_of(library.load(entry.id)) for entry in library.entries()] == [[53]]


@pytest.mark.timeout(120)
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the keyboard's process")
def test_a_keyboard_told_to_stop_saves_the_take_under_way(terminal_factory, data_dir):
    term = terminal_factory(data_dir, "--hold-ms", "200")
    term.wait_for("power:ON")
    term.keys("n")
    term.wait_for("note_on  A3")
    os.kill(term.keyboard_pid(), 15)
    screen = term.wait_for("[keyboard exited with 1]")
    assert "take 1: 1 notes, saved as recording #1" in screen
    assert "stopped by SIGTERM" in screen
    with Library(data_dir) as library:
        assert [pitches_of(library.load(entry.id)) for entry in library.entries()] == [[57]]

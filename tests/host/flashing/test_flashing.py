"""`keycomposer flash`: the built tree (every module as .mpy, main.py as source, usb-device-midi named as the
dependency) boots in the emulator from its .mpy files, and the deployment through mpremote is played
against a fake `mpremote` on PATH that records its arguments, acts on a folder standing for the board's
flash, and plays each failure: busy port, missing port, no MicroPython, too old a MicroPython, no
internet for mip, and a copy that did not take."""

import json
import os
import sys
from pathlib import Path

import pytest

from keycomposer.cli import main
from keycomposer.emulator import Emulator, find_micropython
from keycomposer.emulator.process import EmulatorError
from keycomposer.flashing import FlashError, build_firmware, deploy, find_tool

ROOT = Path(__file__).resolve().parents[3]
FIRMWARE = ROOT / "firmware"
SOURCES = sorted(p.relative_to(FIRMWARE).as_posix() for p in FIRMWARE.rglob("*.py") if "__pycache__" not in p.parts)

try:
    find_tool("mpy-cross", "KEYCOMPOSER_MPY_CROSS")
    HAVE_MPY_CROSS = True
except FlashError:
    HAVE_MPY_CROSS = False
needs_mpy_cross = pytest.mark.skipif(not HAVE_MPY_CROSS, reason="mpy-cross is not installed")

FAKE_MPREMOTE = r'''#!{python}
"""A stand-in for mpremote: logs its arguments, acts on $FAKE_BOARD as the board's flash."""
import json, os, shutil, sys

args = sys.argv[1:]
with open(os.environ["FAKE_MPREMOTE_LOG"], "a") as log:
    log.write(json.dumps(args) + "\n")
scenario = os.environ.get("FAKE_MPREMOTE_SCENARIO", "ok")
board = os.environ["FAKE_BOARD"]
assert args[0] == "connect", args
port, command = args[1], args[2:]


def fail(text):
    print(text, file=sys.stderr)
    sys.exit(1)


if scenario == "busy":
    fail("mpremote: failed to access %s (it may be in use by another program)" % port)
if scenario == "no_micropython":
    fail("mpremote: could not enter raw repl")
if command[0] == "exec":
    code = command[1]
    if "sys.implementation" in code:
        print("micropython 1.22.2" if scenario == "old" else "micropython 1.24.1")
    elif "core.version" in code:
        if not os.path.exists(os.path.join(board, "core", "version.mpy")):
            fail("Traceback (most recent call last):\nImportError: no module named 'core.version'")
        print("0.0.9" if scenario == "stale" else os.environ["FAKE_FIRMWARE_VERSION"])
    else:  # the clean-up: run it on the board's folder, as the board would
        os.chdir(board)
        exec(code)
elif command[0] == "mip":
    if scenario == "offline":
        fail("Install usb-device-midi\nmpremote: error: no network connection")
    os.makedirs(os.path.join(board, "lib", "usb", "device"), exist_ok=True)
    open(os.path.join(board, "lib", "usb", "device", "midi.mpy"), "w").close()
elif command[:3] == ["fs", "cp", "-r"] and command[-1] == ":":
    for name in command[3:-1]:
        target = os.path.join(board, name)
        if os.path.isdir(name):
            shutil.copytree(name, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(name, target)
elif command != ["reset"]:
    fail("fake mpremote does not know " + " ".join(command))
'''


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not HAVE_MPY_CROSS:
        pytest.skip("mpy-cross is not installed")
    return build_firmware(tmp_path_factory.mktemp("build") / "firmware")


@needs_mpy_cross
def test_the_build_compiles_every_module_and_keeps_main_as_source(built):
    folder = built.folder
    expected = sorted(s[:-3] + ".mpy" for s in SOURCES if s != "main.py")
    assert sorted(built.modules) == expected
    for module in built.modules:
        assert (folder / module).read_bytes()[:2] == b"M\x06", module  # .mpy format 6 (MicroPython >= 1.23)
    assert (folder / "main.py").read_bytes() == (FIRMWARE / "main.py").read_bytes()
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.py")) == ["main.py"]
    package = json.loads((folder / "package.json").read_text())
    assert package["deps"] == [["usb-device-midi", "latest"]]
    assert package["version"] == built.firmware_version == "%d.%d.%d" % _firmware_version()
    assert "mpremote connect PORT mip install usb-device-midi" in (folder / "DEPLOY.txt").read_text()
    assert not (folder / "settings.bin").exists()


def _firmware_version():
    namespace = {}
    exec((FIRMWARE / "core" / "version.py").read_text(), namespace)
    return namespace["FIRMWARE_VERSION"]


@needs_mpy_cross
@pytest.mark.timeout(120)
def test_the_built_tree_boots_in_the_emulator_from_its_mpy_files(tmp_path):
    try:
        find_micropython()
    except EmulatorError:
        pytest.skip("no micropython interpreter")
    build = build_firmware(tmp_path / "x64", arch="x64")
    assert not [p for p in build.folder.rglob("*.py") if p.name != "main.py"]
    with Emulator(interpreter="micropython", firmware_dir=build.folder, flash_dir=tmp_path) as keyboard:
        keyboard.send_midi(bytes.fromhex("F0 7E 7F 06 01 F7"))
        keyboard.wait(10)
        keyboard.sync()
        replies = [bytes(e.message.data) for e in keyboard.midi() if e.message.type == "sysex"]
        assert keyboard.firmware_version == build.firmware_version
    assert len(replies) == 1 and replies[0][:5] == bytes.fromhex("7E 7F 06 02 7D")


@needs_mpy_cross
def test_a_build_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "something").write_text("mine")
    with pytest.raises(FlashError, match="is not empty"):
        build_firmware(tmp_path)


@pytest.fixture
def fake_board(tmp_path, monkeypatch, built):
    """A fake mpremote first on PATH, and a folder for the board's flash holding the keyboard's settings,
    an older firmware's source module and an installed library."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    program = bin_dir / "mpremote"
    program.write_text(FAKE_MPREMOTE.replace("{python}", sys.executable))
    program.chmod(0o755)
    board = tmp_path / "board"
    (board / "core").mkdir(parents=True)
    (board / "core" / "keyboard.py").write_text("# the firmware before this one\n")
    (board / "lib").mkdir()
    (board / "lib" / "other.py").write_text("# someone's library\n")
    (board / "settings.bin").write_bytes(b"KCS\x01 the keyboard's own settings")
    log = tmp_path / "mpremote.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("KEYCOMPOSER_MPREMOTE", raising=False)
    monkeypatch.setenv("FAKE_MPREMOTE_LOG", str(log))
    monkeypatch.setenv("FAKE_BOARD", str(board))
    monkeypatch.setenv("FAKE_FIRMWARE_VERSION", built.firmware_version)
    port = tmp_path / "ttyACM0"
    port.write_text("")  # the port exists (a busy one is still there)

    class Fake:
        def __init__(self):
            self.board, self.port = board, str(port)

        def scenario(self, name):
            monkeypatch.setenv("FAKE_MPREMOTE_SCENARIO", name)

        def calls(self):
            return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    return Fake()


@pytest.mark.timeout(60)
def test_deploy_copies_the_firmware_and_keeps_the_settings(built, fake_board):
    said = []
    version = deploy(built, fake_board.port, say=said.append)
    assert version == built.firmware_version
    board = fake_board.board
    assert (board / "settings.bin").read_bytes() == b"KCS\x01 the keyboard's own settings"
    assert (board / "lib" / "other.py").exists() and (board / "lib" / "usb" / "device" / "midi.mpy").exists()
    assert not (board / "core" / "keyboard.py").exists()  # it would shadow the new keyboard.mpy
    assert (board / "core" / "keyboard.mpy").read_bytes() == (built.folder / "core" / "keyboard.mpy").read_bytes()
    assert (board / "main.py").exists() and (board / "pins.mpy").exists() and (board / "boards" / "pico.mpy").exists()
    steps = [call[2:4] if call[2] != "exec" else ["exec"] for call in fake_board.calls()]
    assert steps == [["exec"], ["mip", "install"], ["exec"], ["fs", "cp"], ["exec"], ["reset"]]
    assert all(call[:2] == ["connect", fake_board.port] for call in fake_board.calls())
    assert not any("settings.bin" in " ".join(call) for call in fake_board.calls())
    assert said[0] == f"board at {fake_board.port}: MicroPython 1.24.1"
    assert said[-1] == f"keyboard at {fake_board.port} runs keycomposer firmware {version}; restarted"


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "scenario, message, calls",
    [
        ("busy", "is busy: another program has it open", 1),
        ("no_micropython", "does not answer like MicroPython: install MicroPython on it first: unplug the Pico, "
         "hold its BOOTSEL button while plugging it in, and a drive named RPI-RP2 appears", 1),
        ("old", "the board runs MicroPython 1.22.2; the keyboard needs 1.23 or newer for runtime USB", 1),
        ("offline", "mpremote failed while installing usb-device-midi (needs internet): mpremote: error: no network", 2),
        ("stale", "the board reports firmware 0.0.9 instead of", 5),
    ],
)
def test_deploy_failures_are_told_in_the_users_terms(built, fake_board, scenario, message, calls):
    fake_board.scenario(scenario)
    with pytest.raises(FlashError) as error:
        deploy(built, fake_board.port, say=lambda text: None)
    assert message in str(error.value)
    assert len(fake_board.calls()) == calls
    assert (fake_board.board / "settings.bin").exists()


@pytest.mark.timeout(60)
def test_a_missing_port_says_how_to_find_it_or_install_micropython(built, fake_board, tmp_path):
    fake_board.scenario("busy")  # mpremote says the same "failed to access" for a port that is not there
    with pytest.raises(FlashError) as error:
        deploy(built, str(tmp_path / "ttyACM9"), say=lambda text: None)
    assert "no board at" in str(error.value) and "RPI-RP2" in str(error.value)


@pytest.mark.timeout(120)
def test_the_flash_command_builds_and_deploys(built, fake_board, tmp_path, capsys):
    assert main(["flash", "--output", str(tmp_path / "tree"), "--port", fake_board.port]) == 0
    out = capsys.readouterr().out
    assert f"built firmware {built.firmware_version}" in out and "restarted" in out
    assert (tmp_path / "tree" / "core" / "keyboard.mpy").exists()
    assert (fake_board.board / "core" / "keyboard.mpy").exists()

    assert main(["flash"]) == 1
    assert "give --output DIR" in capsys.readouterr().err
    fake_board.scenario("old")
    assert main(["flash", "--port", fake_board.port]) == 1
    assert "needs 1.23 or newer" in capsys.readouterr().err

"""Starting the emulator process: finding the interpreter and the firmware, and refusing bad settings."""

import sys

import pytest

from keycomposer.cli import main
from keycomposer.emulator import EmulatorError, EmulatorProcess, find_micropython
from keycomposer.emulator.process import default_firmware_dir


def test_micropython_is_looked_for_next_to_python_then_on_path(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EmulatorError, match="`micropython` is neither next to .* nor on PATH; install it"):
        find_micropython()
    fake = tmp_path / "micropython"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_micropython() == str(fake)


def test_a_missing_interpreter_is_a_clear_cli_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    script = tmp_path / "s.txt"
    script.write_text("press C3\n")
    assert main(["emulate", "--script", str(script)]) == 1
    assert "keycomposer emulate: the emulator failed: the MicroPython interpreter" in capsys.readouterr().err


def test_the_firmware_folder_can_be_pointed_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setenv("KEYCOMPOSER_FIRMWARE", str(tmp_path))
    with pytest.raises(EmulatorError, match=r"no firmware at .* \(main.py missing\)"):
        default_firmware_dir()
    (tmp_path / "main.py").write_text("")
    assert default_firmware_dir() == tmp_path


@pytest.mark.parametrize(
    "settings, complaint",
    [
        ({"interpreter": "pypy"}, "interpreter must be one of micropython, cpython"),
        ({"dsn_seed": -1}, r"dsn_seed must be in range 0..2\*\*64-1"),
        ({"dsn_seed": 2**64}, r"dsn_seed must be in range 0..2\*\*64-1"),
    ],
)
def test_bad_settings_are_refused_before_anything_starts(settings, complaint):
    with pytest.raises(EmulatorError, match=complaint):
        EmulatorProcess(**settings)


def test_the_command_line_carries_seed_flash_and_clock(tmp_path):
    process = EmulatorProcess(interpreter="cpython", dsn_seed=42, flash_dir=tmp_path, realtime=True)
    command = process.command()
    assert command[:2] == [sys.executable, "-B"]
    assert command[3:] == ["--dsn-seed", "42", "--flash", str(tmp_path), "--realtime"]


def test_a_missing_flash_folder_is_refused(tmp_path):
    with pytest.raises(EmulatorError, match="flash folder .* does not exist"):
        EmulatorProcess(interpreter="cpython", flash_dir=tmp_path / "nope").start()

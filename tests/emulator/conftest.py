"""Shared fixtures: the interpreters to run the firmware under, and a firmware tree with a stand-in core."""

import shutil
from pathlib import Path

import pytest
from emulator_support import FIRMWARE, HERE

from keycomposer.emulator import EmulatorError, find_micropython


def _micropython_available() -> bool:
    try:
        find_micropython()
    except EmulatorError:
        return False
    return True


@pytest.fixture(params=["micropython", "cpython"])
def interpreter(request) -> str:
    if request.param == "micropython" and not _micropython_available():
        pytest.skip("no micropython interpreter")
    return request.param


@pytest.fixture(scope="session")
def stand_in_firmware(tmp_path_factory) -> Path:
    """The real emulator board and main.py, with tests/emulator/stand_in_core as its core."""
    root = tmp_path_factory.mktemp("stand_in_firmware")
    shutil.copy(FIRMWARE / "main.py", root / "main.py")
    shutil.copy(FIRMWARE / "pins.py", root / "pins.py")
    (root / "boards").mkdir()
    for board_module in ("emulator.py", "packet_ring.py"):
        shutil.copy(FIRMWARE / "boards" / board_module, root / "boards" / board_module)
    shutil.copytree(HERE / "stand_in_core", root / "core", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(FIRMWARE / "core" / "compat.py", root / "core" / "compat.py")  # the board uses it too
    shutil.copy(FIRMWARE / "core" / "take_buffers.py", root / "core" / "take_buffers.py")  # main.py's first import
    return root


@pytest.fixture(scope="session")
def failing_firmware(stand_in_firmware, tmp_path_factory) -> Path:
    """Like stand_in_firmware, but its core raises while booting."""
    root = tmp_path_factory.mktemp("failing_firmware")
    shutil.copytree(stand_in_firmware, root, dirs_exist_ok=True)
    (root / "core" / "keyboard.py").write_text(
        "class Keyboard:\n    def __init__(self, board, now_us):\n        raise ValueError('no settings today')\n"
    )
    return root

"""Paths the emulator tests share (a module of its own: `conftest` is a name every test folder uses)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "scripts"

"""Checks of option values shared by several commands, made before any work starts (a take, a model run)."""

from __future__ import annotations

import math
from pathlib import Path

from keycomposer.cli import CommandError

MIN_BPM, MAX_BPM = 1, 1000  # the range Tempo.from_bpm accepts
MAX_TAKE_BARS = 64


def check_bpm(bpm: float, option: str = "--bpm") -> float:
    if not (math.isfinite(bpm) and MIN_BPM <= bpm <= MAX_BPM):
        raise CommandError(f"{option} must be in range {MIN_BPM}..{MAX_BPM}, got {bpm:g}")
    return bpm


def check_bars(bars: int, option: str = "--bars") -> int:
    if not 1 <= bars <= MAX_TAKE_BARS:
        raise CommandError(f"{option} must be in range 1..{MAX_TAKE_BARS}, got {bars}")
    return bars


def check_output_file(path: str, option: str = "--out") -> Path:
    """A file that can be written once the work is done: its folder exists and it is not a folder itself."""
    output = Path(path)
    folder = output.parent
    if not folder.is_dir():
        raise CommandError(f"{option} {path}: the folder {folder} does not exist")
    if output.is_dir():
        raise CommandError(f"{option} {path} is a folder; give a file name ending in .mid")
    return output

"""tools/bench/arp_rebuild.py runs under the real micropython (a smoke run: its figures are not checked,
only that every case built the pattern it names)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(120)
def test_the_rebuild_benchmark_builds_every_case():
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "bench" / "arp_rebuild.py")], capture_output=True, text=True, timeout=100
    )
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [int(n) for n in re.findall(r"^  .+? +(\d+) steps +[\d.]+ us here", done.stdout, re.M)]
    # A triad; 4 sevenths (14 distinct notes) over 2 octaves; 8 sevenths (20 distinct) up and down 4
    # octaves; 32 single notes up and down 4 octaves (the top copies fit MIDI: 79 + 36 = 115).
    assert steps == [3, 28, 160, 256]
    assert "fault:" not in done.stdout

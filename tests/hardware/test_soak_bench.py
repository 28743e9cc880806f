"""tools/bench/soak.py: a short soak (2 minutes of virtual time) of random playing with every feature,
under the real micropython, passes its own checks: no note-on twice, no note-off or clock byte out of
place, no fault, nothing sounding and the clock stopped once everything is let go."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("seed", [1, 2])
def test_a_short_soak_leaves_nothing_sounding_and_reports_no_error(seed):
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "bench" / "soak.py"), "--minutes", "2", "--seed", str(seed)],
        capture_output=True, text=True, timeout=100,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "after letting go: 0 notes sounding, clock stopped" in out
    assert re.search(r"^errors: 0$", out, re.M) and re.search(r"^faults: 0$", out, re.M)
    counts = dict((name, int(n)) for name, n in re.findall(r"(\w+)=(\d+)", out))
    assert counts["note_on"] == counts["note_off"] > 100  # it played, and every note ended
    assert counts["clock"] > 0 and counts["start"] == counts["stop"] > 0  # the arp (or playback) ran
    assert out.rstrip().endswith("soak passed")

"""tools/bench/scan_tick.py runs under the real micropython (a smoke run: its figures are not checked)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(120)
def test_the_benchmark_runs_both_sides_and_prints_the_ratio_and_the_estimate():
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "bench" / "scan_tick.py"), "--quick"],
        capture_output=True, text=True, timeout=100,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "speed factor: the published add loop takes 7984 ms on a 125 MHz RP2040" in out
    for scenario in ("chord held", "playing"):
        assert re.search(rf"^{scenario} +first draft +\d+\.\d+ +\d+\.\d +\d+ +\d+ +(fits|TOO SLOW) +\d+$", out, re.M)
        if (ROOT / "firmware" / "core" / "keyboard.py").exists():
            assert re.search(rf"^{scenario} +core +\d+\.\d+ +\d+\.\d +\d+ +\d+ +(fits|TOO SLOW) +\d+$", out, re.M)
            assert re.search(rf"^{scenario} +first draft / core = \d+\.\d\d$", out, re.M)
    if (ROOT / "firmware" / "core" / "keyboard.py").exists():
        # The pico's send path on the usb-device-midi cost model, and the heaviest tick, are measured too.
        assert re.search(r"^chords, USB +core +\d+\.\d+ +\d+\.\d +\d+ +\d+ +(fits|TOO SLOW) +\d+$", out, re.M)
        assert re.search(r"^  pico_usb, one transfer +4 packet\(s\) a tick +\d+\.\d\d us here", out, re.M)
        assert re.search(r"^  send_event, per packet +4 packet\(s\) a tick +\d+\.\d\d us here", out, re.M)
    assert "fault:" not in out


@pytest.mark.timeout(120)
def test_both_sides_of_the_comparison_send_the_same_midi():
    # A fair comparison: the first draft and the core do the same work (notes struck in "playing").
    if not (ROOT / "firmware" / "core" / "keyboard.py").exists():
        pytest.skip("the core is not written yet")
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "bench" / "scan_tick.py"), "--quick"],
        capture_output=True, text=True, timeout=100,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sent = {}
    for line in done.stdout.splitlines():
        match = re.match(r"^(chord held|playing) +(core|first draft) +[\d.]+ +[\d.]+ +\d+ +\d+ +\S+( SLOW)? +(\d+)$", line)
        if match:
            sent[match.group(1), match.group(2)] = int(match.group(4))
    # "chord held" sends only the chord's three note-ons when it first closes; "playing" sends more.
    assert sent[("chord held", "core")] == sent[("chord held", "first draft")]
    assert sent[("playing", "core")] == sent[("playing", "first draft")] > sent[("chord held", "core")]


@pytest.mark.timeout(120)
def test_before_and_after_run_side_by_side_in_one_run():
    # --before: another firmware tree (here the same one) runs every scenario beside this one.
    if not (ROOT / "firmware" / "core" / "keyboard.py").exists():
        pytest.skip("the core is not written yet")
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "bench" / "scan_tick.py"), "--quick", "--before", str(ROOT / "firmware")],
        capture_output=True, text=True, timeout=100,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for scenario in ("chord held", "playing", "note, USB", "chords, USB", "ten keys", "arp 1/32"):
        for side in ("after", "before"):
            assert re.search(rf"^{scenario} +{side} +\d+\.\d+ +\d+\.\d +\d+ +\d+ +(fits|TOO SLOW) +\d+$", out, re.M)
        assert re.search(rf"^{scenario} +RP2040 heaviest tick, before -> after: \d+ -> \d+ us$", out, re.M)
    assert "first draft" not in out
    assert "fault:" not in out

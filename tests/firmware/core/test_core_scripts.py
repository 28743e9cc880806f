"""Every script_*.py here runs under CPython (the oracle) and under MicroPython: both must succeed and
print exactly the same thing, so the two give byte-identical MIDI. A script's full packet log (its
'log:' line) is then decoded with mido and checked for stuck or unmatched notes."""

from pathlib import Path

import pytest

from core_harness import HERE, check_notes_balance, midi_from_packets, printed_packets, run_script

SCRIPTS = sorted(HERE.glob("script_*.py"))


@pytest.mark.timeout(300)
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_script_same_under_cpython_and_micropython(script: Path):
    oracle = run_script(script, "cpython")
    assert oracle.returncode == 0, oracle.stdout + oracle.stderr
    micro = run_script(script, "micropython")
    assert micro.returncode == 0, micro.stdout + micro.stderr
    assert micro.stdout == oracle.stdout
    assert oracle.stdout.splitlines()[-1] == "ok"
    if "\nlog:" in "\n" + oracle.stdout:
        check_notes_balance(midi_from_packets(printed_packets(oracle.stdout, "log")))


@pytest.mark.timeout(60)
def test_pitch_wheel_and_velocities_mean_what_mido_reads():
    # mido decodes the 14-bit bend (LSB first) and the note-ons independently of the core's encoder.
    output = run_script(HERE / "script_controls.py", "cpython").stdout
    bends = [m.pitch for m in midi_from_packets(printed_packets(output, "pitch wheel"))]
    assert bends[0] > 0 and bends[1] > bends[0]
    assert bends[2:] == [8191, 0, -8192, 0]  # top, back to centre, bottom, centre
    output = run_script(HERE / "script_velocity.py", "cpython").stdout
    velocities = [midi_from_packets(printed_packets(output, "log %d ms" % t))[0].velocity for t in (2, 80)]
    assert velocities == [127, 1]

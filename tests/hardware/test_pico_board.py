"""firmware/boards/pico.py, run under the real `micropython` against a fake RP2040 (tests/hardware/fake_pico).

The fake models the pins and the SIO GPIO_IN word, so these tests pin down the board's own logic: which
switch lands in which bit, the row-at-a-time drive, the receive ring, and transmit backpressure.
"""

import importlib.util
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKE_PICO = Path(__file__).resolve().parent / "fake_pico"


def _load_pins():
    spec = importlib.util.spec_from_file_location("pins_for_pico_tests", ROOT / "firmware" / "pins.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pins = _load_pins()
MICROPYTHON = shutil.which("micropython", path=str(Path(sys.executable).parent)) or shutil.which("micropython")

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.skipif(MICROPYTHON is None, reason="the micropython interpreter is not installed"),
]

PRELUDE = f"""
import sys
sys.path.insert(0, {str(ROOT / "firmware")!r})
sys.path.insert(0, {str(FAKE_PICO)!r})
import machine
import micropython
import pins
import usb.device
from boards import pico
from fake_sio import MatrixPlayer
player = MatrixPlayer()


def make_board(serial="SERIAL"):
    return pico.PicoBoard(serial, sio=player.registers, wait=player.wait)
"""


def on_fake_pico(body):
    script = PRELUDE + textwrap.dedent(body)
    done = subprocess.run([MICROPYTHON, "-c", script], capture_output=True, text=True, timeout=50)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.split()


def test_a_closed_switch_shows_as_its_column_bit_in_its_row_only():
    out = on_fake_pico("""
        board = make_board()
        # key 13: first contact row 1 col 5, second contact row 5 col 5; button record: row 5 col 8.
        for pos in (pins.KEY_FIRST_POS[13], pins.KEY_SECOND_POS[13], pins.BUTTON_POS[pins.BUTTON_RECORD]):
            row, col = divmod(pos, pins.N_COLS)
            machine.closed[pins.ROW_GPIO[row] * 30 + pins.COL_GPIO[col]] = 1
        from array import array
        rows = array("H", [0] * pins.N_ROWS)  # (the keyboard's)
        board.read_matrix(rows)
        print(*rows)
    """)
    assert out == ["0", str(1 << 5), "0", "0", "0", str((1 << 5) | (1 << 8)), "0", "0"]


def test_each_row_is_driven_alone_for_the_settle_time_then_released():
    out = on_fake_pico("""
        board = make_board()
        from array import array
        rows = array("H", [0] * pins.N_ROWS)  # (the keyboard's)
        board.read_matrix(rows)
        print(player.waits, player.waited_us == pins.ROW_SETTLE_US)
        print(*player.driven[:8])
        print(*player.cleared_before[:8])
        print(player.registers[24] | player.registers[25] << 8 | player.registers[26] << 16)
    """)
    assert out[:2] == ["8", "True"]
    assert out[2:10] == [str(gpio) for gpio in pins.ROW_GPIO]
    # Before each row is driven, the previous one was driven low again; the last one is low at the end.
    assert out[10:18] == ["255"] + [str(gpio) for gpio in pins.ROW_GPIO[:-1]]
    assert out[18] == str(1 << pins.ROW_GPIO[-1])


def test_row_drive_pedal_and_leds_never_leak_into_the_column_masks():
    # The driven row, the pulled-up pedal and the lit LEDs are all high in GPIO_IN.
    out = on_fake_pico("""
        board = make_board()
        board.set_led(pins.LED_RECORD, True)
        from array import array
        rows = array("H", [0] * pins.N_ROWS)  # (the keyboard's)
        board.read_matrix(rows)
        print(*rows)
    """)
    assert out == ["0"] * 8


def test_reading_the_matrix_allocates_nothing():
    out = on_fake_pico("""
        board = make_board()
        machine.closed[pins.ROW_GPIO[0] * 30 + pins.COL_GPIO[0]] = 1
        from array import array
        rows = array("H", [0] * pins.N_ROWS)  # (the keyboard's)
        board.read_matrix(rows)
        micropython.heap_lock()
        try:
            board.read_matrix(rows)
        finally:
            micropython.heap_unlock()
        print(rows[0])
    """)
    assert out == ["1"]


def test_pins_are_configured_as_the_wiring_needs():
    out = on_fake_pico("""
        board = make_board()
        P = machine.Pin
        print(all(machine.modes[g] == P.OUT for g in pins.ROW_GPIO))
        print(all(machine.modes[g] == P.IN and machine.pulls[g] == P.PULL_DOWN for g in pins.COL_GPIO))
        print(machine.pulls[pins.PEDAL_GPIO] == P.PULL_UP, board.read_pedal())
        machine.levels[pins.PEDAL_GPIO] = 0
        print(board.read_pedal())
        print(machine.levels[pins.LED_POWER_GPIO], machine.levels[pins.LED_ARP_GPIO])
        board.set_led(pins.LED_ARP, True)
        print(machine.levels[pins.LED_ARP_GPIO])
        board.set_led(pins.LED_ARP, False)
        print(machine.levels[pins.LED_ARP_GPIO])
    """)
    assert out == ["True", "True", "True", "True", "False", "1", "0", "1", "0"]


def test_each_adc_channel_reads_its_own_control():
    out = on_fake_pico("""
        board = make_board()
        machine.adc_values[0], machine.adc_values[1], machine.adc_values[2] = 100, 30000, 65535
        print(board.read_adc(pins.ADC_PITCH), board.read_adc(pins.ADC_MOD), board.read_adc(pins.ADC_VOLUME))
    """)
    assert out == ["100", "30000", "65535"]


def test_usb_identity_comes_from_pins_and_the_serial_number_given():
    out = on_fake_pico("""
        board = make_board("ABCDEFGH12345678")
        c = usb.device.configured
        print(c["serial_str"], hex(c["id_vendor"]), hex(c["id_product"]), c["builtin_driver"])
        print(c["product_str"] == pins.USB_PRODUCT, c["manufacturer_str"] == pins.USB_MANUFACTURER)
        midi = c["itfs"][0]
        from boards.pico_usb import OUT_BYTES
        print(OUT_BYTES >= 16 * 4, midi.rxlen > 16)  # a transfer takes a whole chunk of the core's
        print(board.unique_id() == machine.unique_id())
    """)
    assert out == ["ABCDEFGH12345678", "0x2e8a", "0x10c9", "True", "True", "True", "True", "True", "True"]


def test_received_packets_come_out_in_order_whole_and_without_allocating():
    out = on_fake_pico("""
        board = make_board()
        midi = usb.device.configured["itfs"][0]
        first, second = bytearray(8), bytearray(8)  # room for two packets each
        n_first = n_second = n_third = 0  # globals created now: a new global would allocate
        micropython.heap_lock()
        try:
            midi.on_midi_event(0x9, 0x90, 60, 100)
            midi.on_midi_event(0xB, 0xB0, 7, 99)
            midi.on_midi_event(0x8, 0x80, 60, 0)
            n_first = board.midi_receive(first)
            n_second = board.midi_receive(second)
            n_third = board.midi_receive(second)
        finally:
            micropython.heap_unlock()
        print(n_first, *first)
        print(n_second, *second[:4], n_third)
    """)
    assert out == ["8", "9", "144", "60", "100", "11", "176", "7", "99", "4", "8", "128", "60", "0", "0"]


def test_a_full_receive_ring_drops_new_packets_and_counts_them():
    out = on_fake_pico("""
        board = make_board()
        midi = usb.device.configured["itfs"][0]
        for i in range(200):
            midi.on_midi_event(0xF, 0xF8, 0, i)
        buf = bytearray(1024)
        n = board.midi_receive(buf)
        print(n, midi.rx_overflows, buf[3], buf[n - 1])
        midi.on_midi_event(0x9, 0x90, 61, 1)  # the ring works again once drained
        print(board.midi_receive(buf), buf[2])
    """)
    # 512 bytes of ring keep one slot free: 127 packets fit, the other 73 are counted as dropped.
    assert out == ["508", "73", "0", "126", "4", "61"]


def test_sending_hands_the_chunk_over_as_one_transfer_and_takes_nothing_while_it_is_on_its_way():
    out = on_fake_pico("""
        import time
        board = make_board()
        midi = usb.device.configured["itfs"][0]
        midi.send_until_us = 1 << 29  # no tick runs out of time here, however loaded the machine
        packets = bytearray(range(64))
        board.start_tick(time.ticks_us())
        print(board.midi_send(packets, 8), midi.transfers)  # no host yet: nothing taken
        midi.on_open()
        board.start_tick(time.ticks_us())
        micropython.heap_lock()
        taken = board.midi_send(packets, 64)
        again = board.midi_send(packets, 64)  # the transfer is still on its way
        micropython.heap_unlock()
        print(taken, again, midi.transfers, midi.host_reads() == bytes(range(64)))
        board.start_tick(time.ticks_us())
        print(board.midi_send(packets, 12), midi.host_reads() == bytes(range(12)), midi.transfers)
        print(midi.host_reads() == b"")
    """)
    assert out == ["0", "0", "64", "0", "1", "True", "12", "True", "2", "True"]


def test_a_tick_whose_time_is_spent_leaves_its_packets_to_the_next_tick_which_sends_them():
    out = on_fake_pico("""
        import time
        from boards.pico_usb import SEND_UNTIL_US
        board = make_board()
        midi = usb.device.configured["itfs"][0]
        midi.on_open()
        packets = bytearray(range(64))
        long_ago = time.ticks_add(time.ticks_us(), -SEND_UNTIL_US)
        board.start_tick(long_ago)  # the tick's own work took its time
        print(board.midi_send(packets, 64), midi.transfers)
        board.start_tick(long_ago)  # the next one too: it sends all the same
        print(board.midi_send(packets, 64), midi.host_reads() == bytes(range(64)))
        board.start_tick(long_ago)
        print(board.midi_send(packets, 64))
    """)
    assert out == ["0", "0", "64", "True", "0"]


def test_a_transfer_cancelled_by_a_bus_reset_goes_again_first_when_the_host_is_back():
    # A note-off on its way when the cable is pulled must not be lost (issue 29, item 1).
    out = on_fake_pico("""
        import time
        board = make_board()
        midi = usb.device.configured["itfs"][0]
        midi.send_until_us = 1 << 29  # no tick runs out of time here, however loaded the machine
        midi.on_open()
        board.start_tick(time.ticks_us())
        print(board.midi_send(bytearray(b"\\x08\\x80\\x30\\x40"), 4))
        midi.bus_reset()
        later = bytearray(b"\\x09\\x90\\x31\\x64")
        print(board.midi_send(later, 4))  # unplugged: nothing taken
        midi.on_open()
        print(board.midi_send(later, 4), midi.host_reads().hex())  # the cancelled bytes first
        print(board.midi_send(later, 4), midi.host_reads().hex())
    """)
    assert out == ["4", "0", "0", "08803040", "4", "09903164"]


def test_a_missing_usb_device_midi_blinks_the_power_led_and_says_why(tmp_path):
    # The fake RP2040 without the fake usb package: as a Pico with MicroPython and no usb-device-midi.
    for name in ("machine.py", "fake_sio.py"):
        shutil.copy(FAKE_PICO / name, tmp_path / name)
    script = f"""
import sys
sys.path.insert(0, {str(ROOT / "firmware")!r})
sys.path.insert(0, {str(tmp_path)!r})
import machine
import pins
from boards import pico

class Blinks:
    count = 0

    @staticmethod
    def sleep_ms(ms):
        Blinks.count += 1
        print("led", machine.levels[pins.LED_POWER_GPIO])
        if Blinks.count == 4:
            raise KeyboardInterrupt

    ticks_us = pico.time.ticks_us
    ticks_add = pico.time.ticks_add
    ticks_diff = pico.time.ticks_diff

pico.time = Blinks
try:
    pico.run()
except KeyboardInterrupt:
    print("stopped")
"""
    done = subprocess.run([MICROPYTHON, "-c", script], capture_output=True, text=True, timeout=50)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "keycomposer: cannot start: usb-device-midi is not installed: install it with `mpremote mip install usb-device-midi`" in lines
    assert [line for line in lines if line.startswith("led")] == ["led 0", "led 1", "led 0", "led 1"]
    assert lines[-1] == "stopped"


def test_run_reports_a_raising_tick_and_keeps_ticking():
    out = on_fake_pico("""
        import core.dsn
        ticks = []

        class Counters:
            late = 0

            def count(self, counter):
                Counters.late += 1

        class Keyboard:
            def __init__(self, board, now_us):
                self.board = board
                self.counters = Counters()

            def tick(self, now_us):
                ticks.append(now_us)
                if len(ticks) == 3:
                    raise ValueError("feature broke")
                if len(ticks) == 6:
                    raise KeyboardInterrupt  # the only way out, as Ctrl-C on the console

        class FakeKeyboardModule:
            pass

        FakeKeyboardModule.Keyboard = Keyboard
        sys.modules["core.keyboard"] = FakeKeyboardModule
        try:
            pico.run()
        except KeyboardInterrupt:
            pass
        print("ticks", len(ticks))
        print("serial", usb.device.configured["serial_str"] == core.dsn.dsn_from_unique_id(machine.unique_id()))
    """)
    text = " ".join(out)
    assert "feature broke" in text
    assert out[-4:] == ["ticks", "6", "serial", "True"]


def test_a_tick_that_overruns_its_millisecond_is_counted_as_late():
    # A clock of our own: each tick takes 300 us of it, the third 2500 us; sleeping moves it on too.
    out = on_fake_pico("""
        import core.counters

        class Clock:
            now = 0

            @staticmethod
            def ticks_us():
                return Clock.now

            @staticmethod
            def ticks_add(a, b):
                return a + b

            @staticmethod
            def ticks_diff(a, b):
                return a - b

            @staticmethod
            def sleep_us(us):
                Clock.now += us

        counted = []

        class Counters:
            def count(self, counter):
                counted.append((Clock.now, counter))

        ticks = []

        class Keyboard:
            def __init__(self, board, now_us):
                self.counters = Counters()

            def tick(self, now_us):
                ticks.append(now_us)
                Clock.now += 2500 if len(ticks) == 3 else 300
                if len(ticks) == 6:
                    raise KeyboardInterrupt

        class FakeKeyboardModule:
            pass

        FakeKeyboardModule.Keyboard = Keyboard
        sys.modules["core.keyboard"] = FakeKeyboardModule
        pico.time = Clock
        try:
            pico.run()
        except KeyboardInterrupt:
            pass
        print(len(counted), counted[0][1] == core.counters.LATE_TICKS, counted[0][0])
        print(*ticks)
    """)
    # Ticks start on the millisecond; the third runs to 5500 us, so the 4th (due at 4000) starts late, at
    # once, and the 5th and 6th (due at 5000, 6000) catch up back to back: three late ticks.
    assert out == ["3", "True", "5500", "1000", "2000", "3000", "5500", "5800", "6100"]

"""The emulator board (firmware/boards/emulator.py) against a stand-in core, under both interpreters.

The stand-in core (stand_in_core/keyboard.py) answers every stimulus with packets that say what it saw,
so each test reads: frames in, the board's view of them out.
"""

import subprocess

import pytest

from keycomposer.emulator import EmulatorError, EmulatorProcess, unique_id_from_seed
from keycomposer.emulator.frames import (
    Adc,
    Advance,
    Boot,
    Fault,
    Led,
    MidiIn,
    MidiOut,
    Pedal,
    Switch,
    Sync,
    encode_frame,
)

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def board(interpreter, stand_in_firmware, tmp_path):
    process = EmulatorProcess(interpreter=interpreter, firmware_dir=stand_in_firmware, flash_dir=tmp_path, dsn_seed=7)
    process.start()
    yield process
    assert process.close() == 0


def booted(process):
    process.send(Boot())
    process.sync()
    process.take_received()  # the boot report and the power LED
    return process


def packets(frames):
    """(time_us, packet) for every USB-MIDI packet in the MIDI_OUT frames."""
    out = []
    for frame in frames:
        if isinstance(frame, MidiOut):
            out += [(frame.time_us, frame.packets[i : i + 4]) for i in range(0, len(frame.packets), 4)]
    return out


def test_ready_carries_protocol_and_firmware_version(board):
    assert board.ready.protocol_version == 1
    assert board.ready.firmware_version == "9.8.7"


def test_boot_reports_unique_id_from_seed_and_pedal_level_set_before_boot(board, tmp_path):
    board.send(Pedal(False), Boot())
    board.sync()
    frames = board.take_received()
    assert Led(0, 5, True) in frames  # power
    sysex = b"".join(p[1 : {4: 4, 5: 2}[p[0]]] for _, p in packets(frames))
    uid = unique_id_from_seed(7)
    assert sysex == bytes([0xF0, *[n for b in uid for n in (b >> 4, b & 15)], 0, 0xF7])
    assert (tmp_path / "booted.txt").read_text() == "booted at 0\n"  # --flash is the current directory


def test_a_switch_is_seen_by_the_next_scan_on_the_millisecond(board):
    booted(board)
    board.send(Switch(0, 3, True), Advance(2500), Switch(4, 3, True), Advance(600), Switch(4, 3, False))
    board.send(Advance(1000))
    reply = board.sync()
    assert reply.time_us == 4100
    assert packets(board.take_received()) == [
        (1000, bytes((0x09, 0x90, 3, 1))),
        (3000, bytes((0x09, 0x90, 39, 1))),
        (4000, bytes((0x09, 0x90, 39, 0))),
    ]


def test_the_core_is_ticked_once_per_millisecond_with_the_virtual_time(board):
    booted(board)
    board.send(Advance(300), Switch(1, 8, True), Advance(5000))
    board.sync()
    ticks = [(t, p) for t, p in packets(board.take_received()) if p[0] == 0x0F]
    assert [t for t, _ in ticks] == [1000, 2000, 3000, 4000, 5000]
    assert all((p[1] << 14 | p[2] << 7 | p[3]) == t for t, p in ticks)


def test_adc_and_pedal_levels_reach_the_core(board):
    booted(board)
    board.send(Adc(0, 0), Adc(2, 0x1234), Pedal(False), Advance(1000), Adc(2, 0x1234), Advance(1000))
    board.sync()
    assert packets(board.take_received()) == [
        (1000, bytes((0x0B, 0xB0, 0, 0))),
        (1000, bytes((0x0B, 0xB2, 0x1234 >> 9, (0x1234 >> 2) & 0x7F))),
        (1000, bytes((0x0B, 0xB0, 0x40, 0))),
    ]


def test_led_frames_come_only_when_an_led_changes(board):
    booted(board)
    board.send(Switch(0, 8, True), Advance(3000), Switch(0, 8, False), Advance(1000))
    board.sync()
    assert [f for f in board.take_received() if isinstance(f, Led)] == [Led(1000, 1, True), Led(4000, 1, False)]


def test_midi_from_the_host_reaches_the_core(board):
    booted(board)
    board.send(MidiIn(bytes((0x09, 0x90, 60, 100, 0x08, 0x80, 60, 0))), Advance(1000))
    board.sync()
    assert packets(board.take_received()) == [(1000, bytes((0x09, 0x90, 60, 100))), (1000, bytes((0x08, 0x80, 60, 0)))]


def test_a_full_transmit_buffer_holds_packets_back_to_the_next_tick(board):
    booted(board)
    board.send(Switch(4, 8, True), Advance(2000))
    board.sync()
    clock = [t for t, p in packets(board.take_received()) if p == bytes((0x0F, 0xF8, 0, 0))]
    # 100 packets, 256 bytes (64 packets) of room per tick.
    assert clock == [1000] * 63 + [2000] * 37  # the switch's own packet took the first slot


def test_a_raising_tick_is_reported_once_a_second_and_scanning_goes_on(board):
    booted(board)
    board.send(Switch(6, 8, True), Advance(2500), Switch(0, 0, True), Advance(1_000_000))
    board.sync()
    frames = board.take_received()
    faults = [f for f in frames if isinstance(f, Fault)]
    assert [f.time_us for f in faults] == [1000, 1_001_000]
    assert faults[0].text == "tick: RuntimeError: stand-in fault"
    assert faults[1].text.endswith("(999 more since the last report)")
    assert (3000, bytes((0x09, 0x90, 0, 1))) in packets(frames)


def test_board_fault_becomes_a_fault_frame(board):
    booted(board)
    board.send(Switch(5, 8, True), Advance(1000))
    board.sync()
    assert Fault(1000, "record pressed") in board.take_received()


@pytest.mark.parametrize(
    "frame_bytes, complaint",
    [
        (encode_frame(Switch(8, 0, True)), "SWITCH wants row < 8"),
        (encode_frame(Adc(3, 0)), "ADC wants channel 0..2"),
        (encode_frame(Advance(1000)), "ADVANCE before BOOT"),
        (bytes.fromhex("A5 42 00") + bytes((0x52,)), "unknown frame kind 0x42"),
    ],
)
def test_frames_it_cannot_use_are_refused_with_a_reason(board, frame_bytes, complaint):
    from keycomposer.emulator.frames import crc8

    data = bytearray(frame_bytes)
    data[-1] = crc8(data[1:-1])
    board.send_bytes(bytes(data))
    with pytest.raises(EmulatorError, match=complaint):
        board.sync()


def test_booting_twice_is_refused(board):
    booted(board)
    board.send(Boot())
    with pytest.raises(EmulatorError, match="BOOT twice"):
        board.sync()


def test_a_garbled_frame_is_dropped_and_the_next_one_still_counts(board):
    booted(board)
    damaged = bytearray(encode_frame(Switch(0, 1, True)))
    damaged[4] ^= 0x01  # column 1 -> 0: the CRC no longer matches
    board.send_bytes(b"noise" + bytes(damaged))
    board.send(Switch(0, 2, True), Advance(1000))
    with pytest.raises(EmulatorError, match="1 dropped by the emulator"):
        board.sync()
    assert packets(board.take_received()) == [(1000, bytes((0x09, 0x90, 2, 1)))]
    assert board.sync().garbled == 1  # counted once, not again


def test_boot_failure_ends_the_process_with_the_reason(interpreter, failing_firmware, tmp_path):
    process = EmulatorProcess(interpreter=interpreter, firmware_dir=failing_firmware, flash_dir=tmp_path)
    process.start()
    process.send(Boot())
    with pytest.raises(EmulatorError, match="ValueError: no settings today") as error:
        process.sync()
    assert "exit code 1" in str(error.value)
    assert process.close() == 1


def test_bad_command_line_options_are_named(interpreter, stand_in_firmware):
    command = EmulatorProcess(interpreter=interpreter, firmware_dir=stand_in_firmware).command()[:-4]
    done = subprocess.run(command + ["--dsn-seed", "many"], capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr == b"emulator: --dsn-seed wants an integer 0..2**64-1, got 'many'\n"
    assert done.stdout == b""


def test_real_time_ticks_on_its_own(interpreter, stand_in_firmware, tmp_path):
    process = EmulatorProcess(interpreter=interpreter, firmware_dir=stand_in_firmware, flash_dir=tmp_path, realtime=True)
    process.start()
    try:
        process.send(Boot(), Switch(1, 8, True))
        ticks = []
        for _ in range(10_000):  # bounded by round trips, not by the wall clock
            process.sync()
            ticks = [t for t, p in packets(process.take_received()) if p[0] == 0x0F]
            if ticks:
                break
        assert ticks, "no tick in real time"
        process.send(Advance(1000))
        with pytest.raises(EmulatorError, match="ADVANCE in real time"):
            process.sync()
    finally:
        assert process.close() == 0


def test_sync_answers_after_everything_before_it(board):
    booted(board)
    board.send(*[Switch(0, c, True) for c in range(8)], Advance(1000), Sync(99))
    reply = board.sync()
    assert reply.time_us == 1000
    frames = board.take_received()
    assert len(packets(frames)) == 8


def test_a_firmware_that_cannot_load_says_why(interpreter, stand_in_firmware, tmp_path):
    import shutil

    broken = tmp_path / "firmware"
    shutil.copytree(stand_in_firmware, broken)
    (broken / "pins.py").unlink()
    process = EmulatorProcess(interpreter=interpreter, firmware_dir=broken, flash_dir=tmp_path)
    with pytest.raises(EmulatorError, match="the emulator exited") as error:
        process.start()
    # MicroPython prints the traceback among the frames on stdout, CPython on stderr: both are shown.
    assert "pins" in str(error.value)
    process.close()


QUIET_TICKS = """
import sys
sys.path.insert(0, {firmware!r})
import micropython
from boards.emulator import Emulator, EmulatorBoard


class Sink:
    def write(self, data):
        return len(data)

    def flush(self):
        pass


class Idle:
    def tick(self, now_us):
        pass


board = EmulatorBoard(Sink(), bytes(8))
emulator = Emulator(board, None, Sink(), "0", False)
emulator._keyboard = Idle()
rows = [0] * 8
buf = bytearray(64)
packet = bytes((0x09, 0x90, 60, 100))
emulator._advance(1000)  # first run: anything lazily made is made now
micropython.heap_lock()
emulator._advance(50_000)
board.read_matrix(rows)
board.read_adc(0)
board.read_pedal()
n = board.midi_receive(buf)
sent = board.midi_send(packet, 4)
micropython.heap_unlock()
print("quiet ticks allocate nothing", n, sent)
"""


def test_quiet_scan_ticks_allocate_nothing_on_micropython(stand_in_firmware, tmp_path):
    # The core's own no-allocation test runs on a fake board; this covers the emulator board's part.
    from keycomposer.emulator import find_micropython

    try:
        micropython = find_micropython()
    except EmulatorError:
        pytest.skip("no micropython interpreter")
    script = tmp_path / "quiet_ticks.py"
    script.write_text(QUIET_TICKS.format(firmware=str(stand_in_firmware)))
    done = subprocess.run([micropython, str(script)], capture_output=True, text=True, timeout=30)
    assert done.stdout == "quiet ticks allocate nothing 0 4\n", done.stdout + done.stderr

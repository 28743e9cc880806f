"""The real firmware under the emulator: what a person playing it hears, under MicroPython and CPython.

Every scenario runs under both interpreters and must print the same lines (CPython is the oracle, as in
MicroPython's own test suite); the assertions then pin down what those lines mean.
"""

import mido
import pytest

from emulator_support import FIRMWARE, SCRIPTS
from keycomposer.cli import main
from keycomposer.device.dsn import is_valid_dsn
from keycomposer.emulator import Emulator, LedEvent, MidiEvent, unique_id_from_seed
from keycomposer.emulator.frames import encode_frame
from keycomposer.emulator.script import format_time, parse_script, run_script

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not (FIRMWARE / "core" / "keyboard.py").exists(), reason="no firmware core yet"),
]


def play(script: str, interpreter: str, dsn_seed: int = 0):
    with Emulator(interpreter=interpreter, dsn_seed=dsn_seed) as emulator:
        return run_script(parse_script(script), emulator)


def lines(events):
    return [f"{format_time(e.time_us)} {e.message}" for e in events if isinstance(e, MidiEvent)]


def both(script: str, dsn_seed: int = 0):
    """Events under MicroPython, after checking that CPython printed the very same lines."""
    events = play(script, "micropython", dsn_seed)
    assert lines(play(script, "cpython", dsn_seed)) == lines(events)
    return events


def messages(events, *types):
    return [e.message for e in events if isinstance(e, MidiEvent) and (not types or e.message.type in types)]


def test_notes_play_with_their_velocities_and_end_on_the_same_note():
    events = both("press C3 velocity=127\npress E3 dt=3\npress G3 velocity=1\nwait 50\nrelease C3\nrelease E3\nrelease G3\n")
    ons = [(m.note, m.velocity) for m in messages(events, "note_on")]
    assert ons == [(48, 127), (52, 113), (55, 1)]
    assert sorted(m.note for m in messages(events, "note_off")) == [48, 52, 55]


def test_a_press_sounds_at_the_scan_after_its_second_contact():
    events = both("press C3 dt=3\n")
    # First contact at 0 ms, second at 3 ms: the scan at 4 ms sees it.
    assert lines(events) == ["4 note_on channel=0 note=48 velocity=113 time=0"]


def test_a_release_is_deferred_by_debounce():
    events = both("press C3 dt=2\nwait 30\nrelease C3\n")
    on, off = [e for e in events if isinstance(e, MidiEvent)]
    assert (on.time_us, off.message.type) == (3000, "note_off")
    assert off.time_us - 32_000 >= 5000  # released at 32 ms; 5 ms of debounce before it counts


def test_octave_up_moves_new_notes_and_held_notes_end_as_sent():
    events = both("press C3\nbutton octave_up tap\npress D4\nrelease C3\nrelease D4\nbutton octave_down tap\npress C3\nrelease C3\n")
    assert [(m.type, m.note) for m in messages(events, "note_on", "note_off")] == [
        ("note_on", 48),
        ("note_on", 62),
        ("note_off", 48),
        ("note_off", 62),
        ("note_on", 48),
        ("note_off", 48),
    ]
    leds = [(e.led, e.on) for e in events if isinstance(e, LedEvent) and e.led.startswith("octave")]
    assert leds == [("octave_up", True), ("octave_up", False)]


def test_auto_chord_plays_a_major_triad_and_leaves_nothing_stuck():
    events = both("button chord tap\npress D3\nwait 100\nrelease D3\npress E3\nrelease E3\n")
    assert [m.note for m in messages(events, "note_on")] == [50, 54, 57, 52, 56, 59]
    assert sorted(m.note for m in messages(events, "note_off")) == [50, 52, 54, 56, 57, 59]
    assert [e.on for e in events if isinstance(e, LedEvent) and e.led == "chord"] == [True]


def test_wheels_and_slider_send_bend_modulation_and_volume():
    events = both("wheel pitch 1\nwait 10\nwheel pitch -1\nwait 10\nwheel pitch 0\nwheel mod 1\nslider volume 0\n")
    assert [m.pitch for m in messages(events, "pitchwheel")] == [8191, -8192, 0]
    # The controls are read in turn, so which of the two moved together goes first depends on the tick.
    assert sorted((m.control, m.value) for m in messages(events, "control_change")) == [(1, 127), (7, 0)]


def test_a_resting_control_sends_nothing():
    assert lines(both("wait 100\n")) == []


def test_the_sustain_pedal_sends_cc64():
    events = both("pedal down\nwait 50\npedal up\n")
    assert [(m.control, m.value) for m in messages(events, "control_change")] == [(64, 127), (64, 0)]


def _dsn_body(seed: int) -> str:
    """The first 15 DSN characters: the unique id in base 36 (firmware/PROTOCOL.md)."""
    number = int.from_bytes(unique_id_from_seed(seed), "big")
    digits = ""
    for _ in range(15):
        number, digit = divmod(number, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[digit] + digits
    return digits


@pytest.mark.parametrize("seed", [0, 12345])
def test_identity_request_gets_the_15_byte_identity_reply_and_device_info_the_dsn(seed):
    identity, info = messages(both("send F0 7E 7F 06 01 F7\nwait 5\nsend F0 7D 4B 01 F7\n", dsn_seed=seed), "sysex")
    # MIDI 1.0 Identity Reply: F0 7E 7F 06 02, manufacturer 7D, family, model, version, F7 (15 bytes).
    assert len(identity.bytes()) == 15
    assert identity.data[:5] == (0x7E, 0x7F, 0x06, 0x02, 0x7D)
    assert info.data[:3] == (0x7D, 0x4B, 0x41)  # DEVICE_INFO reply
    dsn = bytes(info.data[-16:]).decode("ascii")
    assert dsn[:15] == _dsn_body(seed)
    assert is_valid_dsn(dsn)  # the host's own reading of the check character agrees


def test_seeds_tell_keyboards_apart():
    dsns = []
    for seed in (1, 2):
        (info,) = messages(both("send F0 7D 4B 01 F7\n", dsn_seed=seed), "sysex")
        dsns.append(bytes(info.data[-16:]).decode("ascii"))
    assert dsns[0] != dsns[1]


def test_the_documented_frame_example():
    # firmware/EMULATOR.md, "Example": the same bytes in, the same bytes out.
    from keycomposer.emulator import EmulatorProcess
    from keycomposer.emulator.frames import Advance, Boot, Switch

    process = EmulatorProcess()
    process.start()
    try:
        process.send(Boot(), Switch(0, 0, True), Advance(3000), Switch(4, 0, True), Advance(1000))
        reply = process.sync()
        received = b"".join(encode_frame(f) for f in process.take_received())
    finally:
        process.close()
    assert received == bytes.fromhex("A5 83 0A 0000000000000000 05 01 2D  A5 82 0C 0000000000000FA0 09903071 33")
    assert encode_frame(reply) == bytes.fromhex("A5 85 10 00000001 0000000000000FA0 00000000 FE")


@pytest.mark.parametrize("script", sorted(SCRIPTS.glob("*.txt")), ids=lambda p: p.stem)
def test_example_scripts_print_the_same_under_both_interpreters(script, capsys):
    outputs = []
    for interpreter in ("micropython", "cpython"):
        assert main(["emulate", "--script", str(script), "--interpreter", interpreter]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert outputs[0]  # every example makes the keyboard say something
    for line in outputs[0].splitlines():
        time, text = line.split(" ", 1)
        float(time)
        mido.Message.from_str(text)  # each line is a message as mido prints it


def test_real_time_keyboard_plays_a_note_without_being_told_the_time():
    with Emulator(realtime=True) as emulator:
        emulator.set_switch(0, 0, closed=True)  # key0's first contact, then its second
        emulator.set_switch(4, 0, closed=True)
        notes = []
        for _ in range(20_000):  # bounded by round trips, not by the wall clock
            emulator.sync()
            notes += messages(emulator.events(), "note_on")
            if notes:
                break
    assert [m.note for m in notes] == [48]

"""The USB cable in the emulator: a host that stops reading (`usb stall MS`), an unplugged cable (`usb
unplug`, `usb plug`), and host sends paced as a USB link would pace them. Each scenario runs under both
interpreters (test_emulator_scenarios.both); the keyboard must leave nothing sounding on the host."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator_support import FIRMWARE
from keycomposer.emulator import Emulator, EmulatorError, MidiEvent
from keycomposer.emulator.frames import Usb, encode_frame
from keycomposer.emulator.script import ScriptError, UsbStep, parse_script, run_script
from test_emulator_scenarios import both, lines, messages

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(not (FIRMWARE / "core" / "keyboard.py").exists(), reason="no firmware core yet"),
]


def sounding_at_end(events):
    sounding = set()
    for m in messages(events, "note_on", "note_off"):
        if m.type == "note_on":
            assert m.note not in sounding, m
            sounding.add(m.note)
        else:
            assert m.note in sounding, "note-off for a note the host never got: %s" % m
            sounding.discard(m.note)
    return sounding


def test_a_note_let_go_during_a_stall_ends_when_the_host_reads_again():
    events = both("press C3 dt=2\nwait 50\nusb stall 300\nrelease C3\nwait 400\n")
    (on,), (off,) = [[e for e in events if isinstance(e, MidiEvent) and e.message.type == t] for t in ("note_on", "note_off")]
    assert on.message.note == off.message.note == 48
    assert off.time_us >= 352_000  # the stall began at 52 ms and lasted 300
    assert not sounding_at_end(events)


def test_what_is_played_into_a_long_stall_is_not_played_late_but_nothing_is_left_on():
    # C3 and the pedal go out before the stall; D3 is pressed and let go inside it, E3 pressed inside it
    # and let go after; the pedal comes up inside it. After 100 ms the keyboard sheds what waits.
    events = both(
        "pedal down\nwait 20\npress C3 dt=2\nwait 20\nusb stall 500\nrelease C3\npress D3 dt=2\nwait 30\n"
        "release D3\npress E3 dt=2\npedal up\nwait 600\nrelease E3\nwait 50\n"
    )
    notes = [(m.type, m.note) for m in messages(events, "note_on", "note_off")]
    assert notes == [("note_on", 48), ("note_off", 48)]
    assert [m.value for m in messages(events, "control_change") if m.control == 64] == [127, 0]


def test_unplugged_and_plugged_in_again_the_host_gets_what_it_is_owed():
    events = both(
        "press C3 dt=2\nwheel pitch 1\nwait 20\nusb unplug\nrelease C3\nwheel pitch 0\npress G3 dt=2\n"
        "wait 300\nusb plug\nwait 10\nrelease G3\nwait 20\n"
    )
    assert [(m.type, m.note) for m in messages(events, "note_on", "note_off")] == [("note_on", 48), ("note_off", 48)]
    assert [m.pitch for m in messages(events, "pitchwheel")] == [8191, 0]


def test_a_100_kb_sysex_line_is_paced_instead_of_overflowing():
    # 100 KB of SysEx is far more than the keyboard's 4 KB receive queue: the host sends it as the
    # keyboard reads it (virtual time moves on), the keyboard drops it as too long (sysex_overflow), and
    # the request after it is answered.
    script = "press C3 dt=2\nsend F0 " + "01 " * 100_000 + "F7\nrelease C3\nsend F0 7D 4B 01 F7\nwait 10\n"
    events = both(script)
    (info,) = messages(events, "sysex")
    assert info.data[:3] == (0x7D, 0x4B, 0x41)
    off = [e for e in events if isinstance(e, MidiEvent) and e.message.type == "note_off"][0]
    # 33,334 packets (133 KB) at 256 bytes a scan, the first 4 KB at once: the send took over 500 ms.
    assert off.time_us > 500_000
    assert not sounding_at_end(events)


def test_the_python_api_has_the_cable_too():
    with Emulator(interpreter="cpython") as keyboard:
        keyboard.press(0, velocity=127)
        keyboard.wait(20)
        keyboard.usb_stall(200)
        keyboard.release(0)
        keyboard.wait(300)
        keyboard.usb_unplug()
        with pytest.raises(EmulatorError, match="unplugged"):
            keyboard.send_midi(bytes.fromhex("F0 7D 4B 01 F7"))
        with pytest.raises(EmulatorError, match="unplugged"):
            keyboard.usb_stall(10)
        with pytest.raises(EmulatorError, match="already unplugged"):
            keyboard.usb_unplug()
        keyboard.usb_plug()
        keyboard.sync()
        events = keyboard.events()
    assert lines(events)[-1].startswith("222 note_off channel=0 note=48")  # the stall: 22 ms to 222 ms


def test_script_lines_for_the_cable():
    assert parse_script("usb stall 250\nusb unplug\nusb plug\n") == [
        UsbStep(1, "stall", 250_000),
        UsbStep(2, "unplug"),
        UsbStep(3, "plug"),
    ]
    for text, why in (
        ("usb unplug\nsend 90 30 40\n", "line 2: send while the USB cable is unplugged"),
        ("usb unplug\nusb unplug\n", "line 2: the USB cable is already unplugged"),
        ("usb plug\n", "line 1: the USB cable is already plugged in"),
        ("usb unplug\nusb stall 5\n", "line 2: usb stall while the USB cable is unplugged"),
        ("usb stall\n", "line 1: usage: usb stall MS"),
        ("usb wiggle\n", "line 1: usage: usb stall MS | usb unplug | usb plug"),
    ):
        with pytest.raises(ScriptError, match=why):
            parse_script(text)


def test_a_bad_usb_frame_is_refused_with_an_error():
    from keycomposer.emulator import EmulatorProcess

    process = EmulatorProcess(interpreter="cpython")
    try:
        process.start()
        process.send_bytes(encode_frame(Usb(3, 0)))
        with pytest.raises(EmulatorError, match="USB wants state 0"):
            process.sync()
    finally:
        process.close()


# Random play with stalls and unplugging, through the emulator and its script language (CPython runs the
# firmware here, for speed; the interpreters' byte-identity is checked by the scenarios above).
_NOTES = ["C3", "D3", "E3", "G3", "A3", "C4"]
_step = st.one_of(
    st.tuples(st.just("press"), st.sampled_from(_NOTES)),
    st.tuples(st.just("release"), st.sampled_from(_NOTES)),
    st.tuples(st.just("wait"), st.integers(1, 150)),
    st.tuples(st.just("stall"), st.integers(1, 400)),
    st.tuples(st.just("unplug")),
    st.tuples(st.just("pedal")),
    st.tuples(st.just("wheel"), st.sampled_from(["-1", "-0.3", "0", "0.5", "1"])),
)


def _script(steps):
    lines, down, plugged, pedal = [], set(), True, False
    for step in steps:
        kind = step[0]
        if kind == "press" and step[1] not in down:
            lines.append(f"press {step[1]} dt=3")
            down.add(step[1])
        elif kind == "release" and step[1] in down:
            lines.append(f"release {step[1]}")
            down.discard(step[1])
        elif kind == "wait":
            lines.append(f"wait {step[1]}")
        elif kind == "stall" and plugged:
            lines.append(f"usb stall {step[1]}")
        elif kind == "unplug":
            lines.append("usb unplug" if plugged else "usb plug")
            plugged = not plugged
        elif kind == "pedal":
            pedal = not pedal
            lines.append("pedal down" if pedal else "pedal up")
        elif kind == "wheel":
            lines.append(f"wheel pitch {step[1]}")
    # Let everything go, and give the host back its cable and its reading.
    lines += [f"release {note}" for note in sorted(down)]
    lines += ["pedal up"] if pedal else []
    lines += ["wheel pitch 0", "wait 50"] + ([] if plugged else ["usb plug"]) + ["wait 500"]
    return "\n".join(lines) + "\n"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_step, max_size=25))
def test_random_play_with_stalls_and_unplugging_leaves_nothing_on(steps):
    with Emulator(interpreter="cpython") as keyboard:
        events = run_script(parse_script(_script(steps)), keyboard)
    assert not sounding_at_end(events)
    sustain = [m.value for m in messages(events, "control_change") if m.control == 64]
    bends = [m.pitch for m in messages(events, "pitchwheel")]
    assert not sustain or sustain[-1] == 0
    assert not bends or bends[-1] == 0

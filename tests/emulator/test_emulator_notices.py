"""The keyboard's notices to the host bridge: RECORD_STATE when its record button starts or ends a take,
GENERATE_REQUEST on tap tempo held + playback (firmware/PROTOCOL.md, "Notices")."""

import pytest

from keycomposer.emulator import Emulator
from keycomposer.emulator.script import parse_script, run_script

pytestmark = pytest.mark.timeout(60)

RECORD_STATE = (0x7D, 0x4B, 0x60)
GENERATE_REQUEST = (0x7D, 0x4B, 0x61)


def sysex_sent(script: str, interpreter: str) -> list[tuple[int, tuple[int, ...]]]:
    with Emulator(interpreter=interpreter) as keyboard:
        events = run_script(parse_script(script), keyboard)
    return [(e.time_us // 1000, tuple(e.message.data)) for e in events
            if hasattr(e, "message") and e.message.type == "sysex"]


@pytest.mark.parametrize("interpreter", ["micropython", "cpython"])
def test_the_record_button_tells_the_host_when_a_take_starts_and_ends(interpreter):
    sent = sysex_sent("button record tap\nwait 500\nbutton record tap\n", interpreter)
    assert [data for _, data in sent] == [RECORD_STATE + (1,), RECORD_STATE + (0,)]
    assert sent[1][0] - sent[0][0] >= 500


@pytest.mark.parametrize("interpreter", ["micropython", "cpython"])
def test_the_record_button_tells_the_host_when_the_bar_limit_ends_a_take(interpreter):
    # 8 bars at the default 120 BPM: 16 s
    sent = sysex_sent("button record tap\nwait 16100\n", interpreter)
    assert [data for _, data in sent] == [RECORD_STATE + (1,), RECORD_STATE + (0,)]
    assert sent[1][0] - sent[0][0] == 16000


@pytest.mark.parametrize("interpreter", ["micropython", "cpython"])
def test_tap_tempo_held_with_playback_asks_for_a_generation_and_plays_nothing(interpreter):
    with Emulator(interpreter=interpreter) as keyboard:
        script = ("button record tap\npress C4 dt=10\nwait 100\nrelease C4\nbutton record tap\n"
                  "button tap_tempo down\nbutton playback tap\nbutton tap_tempo up\nwait 500\n")
        events = run_script(parse_script(script), keyboard)
    messages = [e.message for e in events if hasattr(e, "message")]
    assert tuple(messages[-1].data) == GENERATE_REQUEST
    assert [m.type for m in messages].count("note_on") == 1  # the take was not played back
    assert not any(m.type == "start" for m in messages)  # nor its MIDI clock started

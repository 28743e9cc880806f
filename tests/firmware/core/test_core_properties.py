"""Property: whatever is played (keys, chords, chord modes, octave shifts, pedal, panics, channel
changes), once every key is up and the pedal is up no note sounds, and every note-off sent ends a note
whose note-on was sent. The core runs in-process under CPython through the fake board; mido decodes."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core_harness import check_notes_balance, import_core, midi_from_packets

import_core()
import pins  # noqa: E402
from fakeboard import Rig  # noqa: E402

# Mostly the lowest 13 keys, so chords overlap and octave shifts make keys share notes often.
keys = st.integers(0, 12) | st.integers(0, 31)
actions = st.one_of(
    st.tuples(st.just("press"), keys, st.integers(0, 90)),
    st.tuples(st.just("release"), keys),
    st.tuples(st.just("half_press"), keys),
    st.tuples(st.just("chord")),
    st.tuples(st.just("chord_mode"), st.integers(0, 3)),
    st.tuples(st.just("chord_key"), st.integers(0, 11)),
    st.tuples(st.just("octave_down")),
    st.tuples(st.just("octave_up")),
    st.tuples(st.just("panic_combo")),
    st.tuples(st.just("pedal")),
    st.tuples(st.just("channel"), st.integers(0, 15)),
    st.tuples(st.just("wait"), st.integers(1, 30)),
)


def perform(rig, action):
    kind = action[0]
    if kind == "press":
        rig.press(action[1], action[2])
    elif kind == "release":
        rig.release(action[1], settle_ms=1)
    elif kind == "half_press":
        rig.contact(action[1], 1, True)
        rig.run_ms(1)
    elif kind == "chord":
        rig.tap(pins.BUTTON_CHORD)
    elif kind == "chord_mode":
        rig.keyboard.settings.chord_mode = action[1]
    elif kind == "chord_key":
        rig.keyboard.settings.chord_key = action[1]
    elif kind == "octave_down":
        rig.tap(pins.BUTTON_OCTAVE_DOWN)
    elif kind == "octave_up":
        rig.tap(pins.BUTTON_OCTAVE_UP)
    elif kind == "panic_combo":
        rig.button(pins.BUTTON_OCTAVE_DOWN, True, settle_ms=1)
        rig.button(pins.BUTTON_OCTAVE_UP, True, settle_ms=1)
        rig.button(pins.BUTTON_OCTAVE_DOWN, False, settle_ms=1)
        rig.button(pins.BUTTON_OCTAVE_UP, False, settle_ms=10)
    elif kind == "pedal":
        rig.board.pedal_level = not rig.board.pedal_level
        rig.run_ms(1)
    elif kind == "channel":
        rig.keyboard.set_channel(action[1])
        rig.run_ms(1)
    elif kind == "wait":
        rig.run_ms(action[1])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions, max_size=60))
def test_nothing_sounds_once_everything_is_released(script):
    rig = Rig()
    rest_level = rig.board.pedal_level
    for action in script:
        perform(rig, action)
    for key in range(32):
        rig.contact(key, 2, False)
        rig.contact(key, 1, False)
    rig.board.pedal_level = rest_level
    rig.run_ms(20)

    messages = midi_from_packets([bytes(p) for p in rig.board.all_packets()])
    check_notes_balance(messages)
    assert rig.keyboard.notes.sounding_count() == 0
    sustain = [m.value for m in messages if m.type == "control_change" and m.control == 64]
    assert not sustain or sustain[-1] == 0
    assert rig.keyboard.counters.as_dict()["faults"] == 0
    assert all(m.note <= 127 for m in messages if m.type in ("note_on", "note_off"))

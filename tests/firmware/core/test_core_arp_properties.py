"""Property: whatever is done to the arpeggiator while it plays (keys, chords, modes, rates, octave
ranges, gate, swing, latch, tap tempo, octave shifts, panics, channel changes, turning it on and off),
no note is ever started twice or ended without having started, every arp note has a velocity, the
clock's start and stop alternate, and once the keys are up and the arp is off nothing sounds and the
clock has stopped. The core runs in-process under CPython through the fake board; mido decodes."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core_harness import check_notes_balance, import_core, midi_from_packets

import_core()
import pins  # noqa: E402
from fakeboard import Rig  # noqa: E402

keys = st.integers(0, 12) | st.integers(0, 31)
# Settings as the SysEx table allows them (core/settings_table.py ranges).
RANGES = {"arp_mode": (0, 5), "arp_rate": (0, 7), "arp_octaves": (1, 4), "arp_gate": (10, 90), "arp_swing": (50, 75)}
actions = st.one_of(
    st.tuples(st.just("press"), keys, st.integers(0, 40)),
    st.tuples(st.just("release"), keys),
    st.tuples(st.just("arp")),
    st.tuples(st.just("pick"), st.integers(0, 31)),
    st.tuples(st.just("chord")),
    st.tuples(st.just("setting"), st.sampled_from(sorted(RANGES)), st.integers(0, 100)),
    st.tuples(st.just("tap")),
    st.tuples(st.just("octave_up")),
    st.tuples(st.just("panic_combo")),
    st.tuples(st.just("channel"), st.integers(0, 15)),
    st.tuples(st.just("wait"), st.integers(1, 120)),
)


def perform(rig, action):
    kind = action[0]
    if kind == "press":
        rig.press(action[1], action[2])
    elif kind == "release":
        rig.release(action[1], settle_ms=1)
    elif kind == "arp":
        rig.tap(pins.BUTTON_ARP)
    elif kind == "pick":
        rig.button(pins.BUTTON_ARP, True, settle_ms=1)
        rig.press(action[1], 2)
        rig.release(action[1])
        rig.button(pins.BUTTON_ARP, False)
    elif kind == "chord":
        rig.tap(pins.BUTTON_CHORD)
    elif kind == "setting":
        low, high = RANGES[action[1]]
        setattr(rig.keyboard.settings, action[1], low + action[2] % (high - low + 1))
        rig.run_ms(1)
    elif kind == "tap":
        rig.tap(pins.BUTTON_TAP_TEMPO)
    elif kind == "octave_up":
        # Up, or down again when the top is reached: both shift held keys' future notes only.
        if not rig.keyboard.octave < 2:
            rig.tap(pins.BUTTON_OCTAVE_DOWN)
        rig.tap(pins.BUTTON_OCTAVE_UP)
    elif kind == "panic_combo":
        rig.button(pins.BUTTON_OCTAVE_DOWN, True, settle_ms=1)
        rig.button(pins.BUTTON_OCTAVE_UP, True, settle_ms=1)
        rig.button(pins.BUTTON_OCTAVE_DOWN, False, settle_ms=1)
        rig.button(pins.BUTTON_OCTAVE_UP, False, settle_ms=10)
    elif kind == "channel":
        rig.keyboard.set_channel(action[1])
        rig.run_ms(1)
    elif kind == "wait":
        rig.run_ms(action[1])


def check_clock(messages):
    running = False
    for message in messages:
        if message.type == "start":
            assert not running, "a second start without a stop"
            running = True
        elif message.type == "stop":
            assert running, "a stop without a start"
            running = False
        elif message.type == "clock":
            assert running, "a clock pulse while stopped"
    return running


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions, max_size=40))
def test_the_arp_never_strands_a_note(script):
    rig = Rig()
    for action in script:
        perform(rig, action)
    for key in range(32):
        rig.contact(key, 2, False)
        rig.contact(key, 1, False)
    rig.run_ms(20)
    if rig.keyboard.arp.on:
        rig.tap(pins.BUTTON_ARP)
    rig.run_ms(20)

    messages = midi_from_packets([bytes(p) for p in rig.board.all_packets()])
    check_notes_balance(messages)
    assert all(m.velocity > 0 for m in messages if m.type == "note_on")
    assert not check_clock(messages), "the clock still runs with the arp off"
    assert rig.keyboard.notes.sounding_count() == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(keys, st.integers(0, 40), st.integers(1, 200)), min_size=1, max_size=12), st.integers(0, 5))
def test_without_latch_releasing_every_key_stops_the_pattern(presses, mode):
    rig = Rig()
    rig.keyboard.settings.arp_mode = mode
    rig.tap(pins.BUTTON_ARP)
    for key, travel, hold in presses:
        rig.press(key, travel)
        rig.run_ms(hold)
        rig.release(key, settle_ms=1)
    rig.run_ms(20)
    before = len(rig.board.all_packets())
    rig.run_ms(1000)
    assert len(rig.board.all_packets()) == before  # silence: no step, no clock
    messages = midi_from_packets([bytes(p) for p in rig.board.all_packets()])
    check_notes_balance(messages)
    assert not check_clock(messages)

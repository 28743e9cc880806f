"""Property: a host that stops reading now and then (a stall of a few ms to a second, a slow host, an
unplugged cable) is never left with a note sounding, a channel sustaining or a wheel bent, whatever is
played meanwhile: keys, chords, the arpeggiator, the pedal, the pitch wheel, channel changes. What the
host got is decoded with mido and checked per channel (firmware/PROTOCOL.md section 1, "Outgoing queue").
The core runs in-process under CPython through the fake board."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core_harness import check_notes_balance, import_core, midi_from_packets

import_core()
import pins  # noqa: E402
from test_core_properties import perform  # noqa: E402

from fakeboard import Rig  # noqa: E402

keys = st.integers(0, 12) | st.integers(0, 31)
actions = st.one_of(
    st.tuples(st.just("press"), keys, st.integers(0, 40)),
    st.tuples(st.just("release"), keys),
    st.tuples(st.just("chord")),
    st.tuples(st.just("chord_mode"), st.integers(0, 3)),
    st.tuples(st.just("octave_up")),
    st.tuples(st.just("pedal")),
    st.tuples(st.just("channel"), st.integers(0, 15)),
    st.tuples(st.just("wait"), st.integers(1, 60)),
    st.tuples(st.just("arp")),
    st.tuples(st.just("bend"), st.integers(0, 65535)),
    # The host stops reading: from now on (while the next actions are played) until ms have passed.
    st.tuples(st.just("stall"), st.integers(1, 1000)),
    st.tuples(st.just("slow_host"), st.integers(0, 3)),
)


class StallingRig(Rig):
    """A Rig whose host stops reading until `stall_until_us`, then takes `slow` packets a call (0: all)."""

    def __init__(self):
        super().__init__()
        self.stall_until_us = 0

    def run_ms(self, ms):
        board = self.board
        for _ in range(ms):
            board.accepting = self.now_us >= self.stall_until_us
            super().run_ms(1)


def perform_with_stalls(rig, action):
    kind = action[0]
    if kind == "arp":
        rig.tap(pins.BUTTON_ARP)
    elif kind == "bend":
        rig.board.adc[pins.ADC_PITCH] = action[1]
        rig.run_ms(3)
    elif kind == "stall":
        rig.stall_until_us = rig.now_us + action[1] * 1000
    elif kind == "slow_host":
        rig.board.accept_bytes = 4 * action[1] if action[1] else -1
    else:
        perform(rig, action)


def check_host_left_nothing_on(messages):
    """Per channel: every note ended, the sustain pedal last up, the pitch bend last centred."""
    check_notes_balance(messages)
    sustain = {}
    bend = {}
    for m in messages:
        if m.type == "control_change" and m.control == 64:
            sustain[m.channel] = m.value
        elif m.type == "pitchwheel":
            bend[m.channel] = m.pitch
    assert all(v < 64 for v in sustain.values()), "left sustaining: %s" % sustain
    assert all(v == 0 for v in bend.values()), "left bent: %s" % bend


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions, max_size=50))
def test_a_host_that_stops_reading_is_left_with_nothing_sounding(script):
    rig = StallingRig()
    rest_level = rig.board.pedal_level
    for action in script:
        perform_with_stalls(rig, action)
    # Let everything go: keys, pedal, wheel, the arpeggiator; then the host reads again, at full speed.
    for key in range(32):
        rig.contact(key, 2, False)
        rig.contact(key, 1, False)
    rig.board.pedal_level = rest_level
    rig.board.adc[pins.ADC_PITCH] = 32768
    rig.run_ms(20)
    if rig.keyboard.arp.on:
        rig.tap(pins.BUTTON_ARP)
    rig.stall_until_us = 0
    rig.board.accept_bytes = -1
    rig.run_ms(20)

    check_host_left_nothing_on(midi_from_packets([bytes(p) for p in rig.board.all_packets()]))
    assert rig.keyboard.tx.pending_packets() == 0
    assert rig.keyboard.counters.as_dict()["faults"] == 0

"""Property: record and playback never strand a note. Whatever is played, recorded and played back at the
same time (keys playing along on the take's own notes, chords, octave shifts, pedal, panics, channel
changes, takes begun and ended anywhere), once playback is stopped, every key is up and the pedal is up,
no note sounds, every note-off ends a sounding note, and no feature raised. In-process under CPython."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core_harness import check_notes_balance, import_core, midi_from_packets
from test_core_properties import actions as playing_actions
from test_core_properties import perform as play

import_core()
import pins  # noqa: E402
from fakeboard import Rig  # noqa: E402

recorder_actions = st.one_of(
    # A whole take: record, keys held for a while (overlapping as they come), record again.
    st.tuples(st.just("take"), st.lists(st.tuples(st.integers(0, 12), st.integers(1, 120)), max_size=6)),
    st.tuples(st.just("record")),
    st.tuples(st.just("playback")),
    st.tuples(st.just("play_and_stop"), st.integers(0, 300)),
    st.tuples(st.just("long_wait"), st.integers(30, 400)),
)
# Half the actions are the recorder's, so takes are recorded, played and cut short often.
actions = st.one_of(playing_actions, recorder_actions)


def perform(rig, action):
    if action[0] == "take":
        rig.tap(pins.BUTTON_RECORD)
        for key, hold_ms in action[1]:
            rig.press(key, 3)
            rig.run_ms(hold_ms)
            rig.release(key, settle_ms=1)
        rig.tap(pins.BUTTON_RECORD)
    elif action[0] == "record":
        rig.tap(pins.BUTTON_RECORD)
    elif action[0] == "playback":
        rig.tap(pins.BUTTON_PLAYBACK)
    elif action[0] == "play_and_stop":
        rig.tap(pins.BUTTON_PLAYBACK)
        rig.run_ms(action[1])
        rig.tap(pins.BUTTON_PLAYBACK)
    elif action[0] == "long_wait":
        rig.run_ms(action[1])
    else:
        play(rig, action)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions, max_size=60))
def test_record_and_playback_never_strand_a_note(script):
    rig = Rig()
    recorder = rig.keyboard.recorder
    rest_level = rig.board.pedal_level
    for action in script:
        perform(rig, action)
    if recorder.playing:
        rig.tap(pins.BUTTON_PLAYBACK)
    for key in range(32):
        rig.contact(key, 2, False)
        rig.contact(key, 1, False)
    rig.board.pedal_level = rest_level
    rig.run_ms(20)

    assert rig.board.faults == []
    assert not recorder.playing
    check_notes_balance(midi_from_packets([bytes(p) for p in rig.board.all_packets()]))


def test_a_key_playing_along_on_a_note_of_the_take_neither_restarts_nor_cuts_it():
    rig = Rig()
    rig.tap(pins.BUTTON_RECORD)
    rig.press(0, 3)
    rig.run_ms(200)
    rig.release(0)
    rig.tap(pins.BUTTON_RECORD)
    rig.take()
    rig.tap(pins.BUTTON_PLAYBACK)  # the take's C3 sounds from about 5 ms to about 210 ms
    rig.run_ms(30)
    rig.press(0, 3)  # the same C3, played along
    rig.release(0)  # let go while the take still holds it
    rig.run_ms(300)
    notes = [(p[1] & 0xF0, p[2]) for p in rig.take() if p[0] in (0x08, 0x09)]
    assert notes == [(0x90, 48), (0x80, 48)]  # one note-on, one note-off: the take's

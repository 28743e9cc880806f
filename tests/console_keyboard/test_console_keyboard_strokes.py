"""How terminal key presses become the keyboard's contacts over time (hold, auto-repeat, latch)."""

import pytest

from keycomposer.console_keyboard.strokes import (
    BUTTON_HOLD_US,
    REPEAT_WINDOW_US,
    SETTLE_US,
    ContactChange,
    StrokePlanner,
)
from keycomposer.emulator.layout import button_switch, first_contact, second_contact
from keycomposer.emulator.velocity import scanned_contact_time_us, velocity_of

HOLD = 300_000
KEY = 4  # E3: first contact (0, 4), second (4, 4)


def run(planner, until_us, step_us=1_000, start_us=0):
    """Step the planner's clock 1 ms at a time; returns [(time, change)] of everything due."""
    changes = []
    for now in range(start_us, until_us + 1, step_us):
        changes += [(now, change) for change in planner.due(now)]
    return changes


def test_a_press_strikes_the_key_with_the_contact_time_of_its_velocity_and_lets_go_after_the_hold():
    planner = StrokePlanner(hold_us=HOLD)
    planner.press_key(KEY, 100, now_us=0)
    contact = scanned_contact_time_us(100)
    assert run(planner, 400_000) == [
        (0, ContactChange(first_contact(KEY), True)),
        (contact, ContactChange(second_contact(KEY), True)),
        (HOLD, ContactChange(second_contact(KEY), False)),
        (HOLD, ContactChange(first_contact(KEY), False)),
    ]
    assert velocity_of(contact) in (96, 103)
    assert planner.idle


def test_a_softer_velocity_is_a_longer_contact_time():
    planner = StrokePlanner()
    planner.press_key(0, 30, now_us=0)
    second_at = [t for t, c in run(planner, 100_000) if c == ContactChange(second_contact(0), True)]
    assert second_at == [scanned_contact_time_us(30)]
    assert second_at[0] > scanned_contact_time_us(100)


def test_the_key_shows_as_down_from_its_first_contact_until_it_is_let_go():
    planner = StrokePlanner(hold_us=HOLD)
    planner.press_key(KEY, 100, now_us=0)
    assert planner.keys_down == frozenset()
    planner.due(0)
    assert planner.keys_down == {KEY}
    planner.due(HOLD)
    assert planner.keys_down == frozenset()


def test_auto_repeat_keeps_the_note_sounding():
    planner = StrokePlanner(hold_us=HOLD)
    planner.press_key(KEY, 100, now_us=0)
    run(planner, 250_000)
    for repeat_at in range(250_000, 600_000, 40_000):  # the terminal repeats a held key
        planner.press_key(KEY, 100, now_us=repeat_at)
        run(planner, repeat_at + 39_000, start_us=repeat_at)
    last_repeat = max(range(250_000, 600_000, 40_000))
    later = run(planner, last_repeat + HOLD + 10_000, start_us=last_repeat + 40_000)
    assert [c.closed for _, c in later] == [False, False]
    assert later[0][0] == last_repeat + HOLD


def test_pressing_a_sounding_key_again_strikes_it_again():
    planner = StrokePlanner(hold_us=HOLD)
    planner.press_key(KEY, 100, now_us=0)
    run(planner, 150_000)
    planner.press_key(KEY, 100, now_us=150_001)
    again = run(planner, 500_000, start_us=150_001)
    kinds = [(c.switch, c.closed) for _, c in again]
    assert kinds == [
        (second_contact(KEY), False),
        (first_contact(KEY), False),
        (first_contact(KEY), True),
        (second_contact(KEY), True),
        (second_contact(KEY), False),  # the new note's own hold ends
        (first_contact(KEY), False),
    ]
    let_go, struck = again[1][0], again[2][0]
    assert struck - let_go >= SETTLE_US  # the keyboard's debounce sees it up in between


def test_latch_holds_a_note_until_its_key_is_pressed_again():
    planner = StrokePlanner(hold_us=HOLD, latch=True)
    planner.press_key(KEY, 100, now_us=0)
    assert [c.closed for _, c in run(planner, 2_000_000)] == [True, True]
    planner.press_key(KEY, 100, now_us=2_000_001)
    assert [c.closed for _, c in run(planner, 2_100_000, start_us=2_000_001)] == [False, False]
    assert planner.idle


def test_latch_ignores_the_terminals_auto_repeat():
    planner = StrokePlanner(latch=True)
    planner.press_key(KEY, 100, now_us=0)
    run(planner, 600_000)
    planner.press_key(KEY, 100, now_us=600_000)
    planner.press_key(KEY, 100, now_us=600_000 + REPEAT_WINDOW_US // 2)
    assert [c.closed for _, c in run(planner, 1_000_000, start_us=600_000)] == [False, False]
    assert planner.idle


def test_leaving_latch_mode_lets_every_latched_key_go():
    planner = StrokePlanner(latch=True)
    planner.press_key(0, 100, now_us=0)
    planner.press_key(7, 100, now_us=0)
    run(planner, 100_000)
    assert planner.keys_down == {0, 7}
    planner.set_latch(False, now_us=100_001)
    run(planner, 200_000, start_us=100_001)
    assert planner.keys_down == frozenset() and planner.idle and not planner.latch


def test_a_button_is_held_long_enough_to_count_and_then_let_go():
    planner = StrokePlanner()
    planner.tap_button("chord", now_us=0)
    assert run(planner, 100_000) == [
        (0, ContactChange(button_switch("chord"), True)),
        (BUTTON_HOLD_US, ContactChange(button_switch("chord"), False)),
    ]


def test_a_buttons_auto_repeat_does_nothing_but_a_second_tap_taps_again():
    assert BUTTON_HOLD_US + SETTLE_US < REPEAT_WINDOW_US  # so the button is up before a second tap
    planner = StrokePlanner()
    planner.tap_button("chord", now_us=0)
    planner.tap_button("chord", now_us=40_000)  # the terminal repeating a held Shift+C
    planner.tap_button("chord", now_us=80_000)
    assert [c.closed for _, c in run(planner, 200_000)] == [True, False]
    planner.tap_button("chord", now_us=300_000)
    assert [c.closed for _, c in run(planner, 400_000, start_us=300_000)] == [True, False]


def test_release_all_lets_go_of_every_key_and_forgets_planned_restrikes():
    planner = StrokePlanner(hold_us=HOLD)
    planner.press_key(0, 100, now_us=0)
    planner.press_key(1, 100, now_us=0)
    run(planner, 200_000)
    planner.press_key(0, 100, now_us=200_001)  # a re-strike, planned
    planner.release_all(now_us=200_002)
    opened = run(planner, 300_000, start_us=200_002)
    assert all(not c.closed for _, c in opened) and len(opened) == 4
    assert planner.idle


def test_next_due_says_when_to_come_back():
    planner = StrokePlanner(hold_us=HOLD)
    assert planner.next_due_us() is None
    planner.press_key(0, 100, now_us=1_000)
    assert planner.next_due_us() == 1_000
    planner.due(1_000)
    assert planner.next_due_us() == 1_000 + scanned_contact_time_us(100)


def test_bad_arguments_are_refused_with_what_is_wrong():
    with pytest.raises(ValueError, match="hold must be at least 20 ms"):
        StrokePlanner(hold_us=5_000)
    with pytest.raises(ValueError, match="no button 'sustain'"):
        StrokePlanner().tap_button("sustain", 0)
    with pytest.raises(ValueError, match="key must be in range 0..31"):
        StrokePlanner().press_key(32, 100, 0)

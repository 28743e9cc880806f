"""The key map: two computer-keyboard rows are two octaves, laid out as trackers do it."""

import curses

import pytest

from keycomposer.console_keyboard.keymap import (
    BUTTON_KEYS,
    COMMAND_KEYS,
    NOTE_KEYS,
    Command,
    PlayKey,
    PressButton,
    action_for,
    keys_of_button,
    label_of_key,
)
from keycomposer.console_keyboard.terminal import key_name
from keycomposer.emulator.layout import BUTTONS, N_KEYS


def test_the_bottom_row_is_the_lower_octave_chromatically():
    assert [NOTE_KEYS[c] for c in "zsxdcvgbhnjm"] == list(range(12))


def test_the_top_row_with_the_digits_is_the_upper_octave():
    assert [NOTE_KEYS[c] for c in "q2w3er5t6y7u"] == list(range(12, 24))


def test_the_top_row_runs_on_to_the_keyboards_last_key():
    assert [NOTE_KEYS[c] for c in "i9o0p[=]"] == list(range(24, 32))


def test_the_bottom_row_continues_into_the_next_octave_like_a_tracker():
    assert [NOTE_KEYS[c] for c in ",l.;/"] == [NOTE_KEYS[c] for c in "q2w3e"] == [12, 13, 14, 15, 16]


def test_every_key_of_the_keyboard_can_be_played():
    assert set(NOTE_KEYS.values()) == set(range(N_KEYS))


def test_every_button_has_a_key_and_no_computer_key_does_two_things():
    assert set(BUTTON_KEYS.values()) == set(BUTTONS)
    assert not set(NOTE_KEYS) & set(BUTTON_KEYS)
    assert not set(NOTE_KEYS) & set(COMMAND_KEYS)
    assert not set(BUTTON_KEYS) & set(COMMAND_KEYS)


def test_buttons_are_capital_letters_so_no_note_is_lost_to_them():
    assert action_for("C") == PressButton("chord")
    assert action_for("c") == PlayKey(4)  # E3
    assert action_for("R") == PressButton("record")
    assert action_for("up") == PressButton("octave_up")
    assert keys_of_button("tap_tempo") == ["T"]


def test_console_commands_and_unmapped_keys():
    assert action_for("escape") == Command("quit")
    assert action_for("ctrl-c") == Command("quit")
    assert action_for("enter") == Command("end_take")
    assert action_for("right") == Command("velocity_up")
    assert action_for("k") is None


def test_labels_shown_on_the_keys():
    assert label_of_key(0) == "z"
    assert label_of_key(11) == "m"
    assert label_of_key(12) == "q"
    assert label_of_key(31) == "]"
    with pytest.raises(ValueError, match="0..31"):
        label_of_key(32)


def test_curses_codes_become_key_names():
    assert key_name(ord("z")) == "z"
    assert key_name(ord("C")) == "C"
    assert key_name(curses.KEY_UP) == "up"
    assert key_name(curses.KEY_LEFT) == "left"
    assert key_name(10) == "enter"
    assert key_name(27) == "escape"
    assert key_name(3) == "ctrl-c"
    assert key_name(curses.KEY_F12) is None

"""The console keyboard's logic with a stand-in keyboard and a test clock (the terminal is tested in
test_console_keyboard_terminal.py)."""

import mido
import pytest

from keycomposer.console_keyboard.session import VELOCITIES, ConsoleKeyboard, next_velocity, playable_velocity
from keycomposer.console_keyboard.takes import TakeKeeper
from keycomposer.emulator import LedEvent, MidiEvent
from keycomposer.emulator.layout import button_switch, first_contact, second_contact
from keycomposer.emulator.velocity import scanned_contact_time_us


class StandInKeyboard:
    """Records the contact changes it is told; answers with the events a test gives it."""

    def __init__(self):
        self.now_us = 0
        self.changes = []
        self.pending = []
        self.syncs = 0

    def set_switch(self, row, col, closed):
        self.changes.append((self.now_us, (row, col), closed))

    def events(self):
        taken, self.pending = self.pending, []
        return taken

    def sync(self):
        self.syncs += 1


def console_with(hold_us=300_000):
    keyboard = StandInKeyboard()
    saved = []

    def save(composition, number):
        saved.append(composition)
        return 40 + number

    console = ConsoleKeyboard(keyboard, TakeKeeper(save), hold_us=hold_us)
    return console, keyboard, saved


def run(console, keyboard, until_us, start_us=0):
    for now in range(start_us, until_us + 1, 1_000):
        keyboard.now_us = now
        console.step(now)


def test_a_note_key_strikes_the_keyboard_key_and_shows_it_down():
    console, keyboard, _ = console_with()
    console.handle_key("q", 0)  # key12, C4
    run(console, keyboard, 50_000)
    contact = scanned_contact_time_us(console.view.velocity)
    assert keyboard.changes == [(0, first_contact(12), True), (contact, second_contact(12), True)]
    assert console.view.keys_down == {12}
    run(console, keyboard, 400_000, start_us=51_000)
    assert console.view.keys_down == frozenset()


def test_what_the_keyboard_sends_reaches_the_screen_and_the_take():
    console, keyboard, _ = console_with()
    keyboard.pending = [LedEvent(0, "chord", True), MidiEvent(5_000, mido.Message("note_on", note=60, velocity=96))]
    console.step(0)
    assert console.view.leds["chord"] and console.view.sounding == {60: 96}
    assert console.view.take_notes == 1 and console.dirty


def test_a_button_key_taps_the_button_and_the_octave_moves():
    console, keyboard, _ = console_with()
    console.handle_key("up", 0)
    run(console, keyboard, 100_000)
    assert [(switch, closed) for _, switch, closed in keyboard.changes] == [
        (button_switch("octave_up"), True), (button_switch("octave_up"), False)]
    assert console.view.octave == 1


def test_velocity_keys_step_through_the_velocities_the_keyboard_can_play():
    console, _, _ = console_with()
    start = console.view.velocity
    assert start == playable_velocity(100) and start in VELOCITIES
    console.handle_key("right", 0)
    assert console.view.velocity == next_velocity(start, 1) > start
    console.handle_key("left", 0)
    console.handle_key("left", 0)
    assert console.view.velocity == next_velocity(start, -1) < start
    assert next_velocity(127, 1) == 127 and next_velocity(1, -1) == 1


def test_quitting_lets_every_key_go_then_saves_the_take():
    console, keyboard, saved = console_with(hold_us=2_000_000)
    console.handle_key("z", 0)
    keyboard.pending = [MidiEvent(4_000, mido.Message("note_on", note=48, velocity=100))]
    run(console, keyboard, 100_000)
    console.handle_key("escape", 100_001)
    console.handle_key("x", 100_002)  # too late: the take is closing
    keyboard.pending = [MidiEvent(110_000, mido.Message("note_off", note=48, velocity=64))]
    syncs_before = keyboard.syncs
    run(console, keyboard, 400_000, start_us=101_000)
    assert console.done and keyboard.syncs == syncs_before + 1  # the last note-offs are waited for
    assert [n.pitch for n in saved[0].tracks[0].notes] == [48]
    assert keyboard.changes[-1][1:] == (first_contact(0), False)
    assert not any(switch == first_contact(2) for _, switch, _ in keyboard.changes)  # no x
    assert console.view.saved == ["take 1: 1 notes, saved as #41"]


def test_enter_ends_the_take_and_playing_goes_on():
    console, keyboard, saved = console_with()
    keyboard.pending = [MidiEvent(0, mido.Message("note_on", note=50, velocity=90)),
                        MidiEvent(1_000, mido.Message("note_off", note=50))]
    console.step(0)
    console.handle_key("enter", 1_000)
    run(console, keyboard, 200_000, start_us=1_000)
    assert len(saved) == 1 and not console.done
    assert "take 1 ended" in console.view.status
    console.handle_key("enter", 200_001)
    run(console, keyboard, 400_000, start_us=200_001)
    assert len(saved) == 1 and console.view.status == "the take was empty: nothing to save"
    console.handle_key("c", 400_001)
    run(console, keyboard, 410_000, start_us=400_001)
    assert console.view.keys_down == {4}


def test_latch_key_switches_the_mode():
    console, _, _ = console_with()
    console.handle_key("L", 0)
    assert console.view.latch and console.planner.latch
    console.handle_key("L", 1)
    assert not console.view.latch


def test_a_keyboard_that_has_gone_is_noticed_even_when_nobody_plays():
    console, keyboard, _ = console_with()

    class Gone(Exception):
        pass

    def sync():
        keyboard.syncs += 1
        if keyboard.syncs > 1:
            raise Gone("the emulator exited")

    keyboard.sync = sync
    run(console, keyboard, 900_000)
    with pytest.raises(Gone):
        run(console, keyboard, 1_100_000, start_us=901_000)

"""The screen, drawn from a view: what a person sees, tested without a terminal."""

from keycomposer.console_keyboard.screen import SCREEN_WIDTH, piano_lines, render
from keycomposer.console_keyboard.view import KeyboardView


def test_the_piano_shows_every_key_with_its_computer_key():
    border, blacks, whites, names = piano_lines(frozenset(), 48)
    assert whites.startswith("| z | x | c | v | b | n | m | q |")
    assert whites.endswith("| p | [ | ] |")
    assert blacks.startswith("|  [s] [d]  |  [g] [h] [j]  |  [2] [3]")
    assert blacks.rstrip().endswith("[=]  |")
    assert names.split() == ["C3", "C4", "C5"]
    assert len(border) == len(blacks) == len(whites)


def test_keys_down_are_marked_on_the_piano():
    _, blacks, whites, _ = piano_lines(frozenset({0, 13, 31}), 48)
    assert whites.startswith("|*z*| x |")
    assert whites.endswith("| [ |*]*|")
    assert "*2*" in blacks and "[2]" not in blacks


def test_the_octave_names_move_with_the_octave():
    assert piano_lines(frozenset(), 60)[3].split() == ["C4", "C5", "C6"]


def test_the_screen_shows_keys_octave_leds_velocity_and_midi():
    view = KeyboardView(velocity=96, octave=1)
    view.keys_down = frozenset({0, 4})
    view.leds.update(power=True, chord=True, octave_up=True)
    view.last_velocity = 113
    view.sounding = {60: 113}
    view.messages.append("    2.000 s  note_on  C4   velocity 113  channel 1")
    view.take_notes = 3
    view.saved.append("take 1: 4 notes, saved as #7")
    text = "\n".join(render(view))
    assert "Octave +1 (C4..G6)" in text
    assert "Velocity 96 (last sent 113)" in text
    assert "chord:ON" in text and "arp:off" in text and "oct-up:ON" in text and "record:off" in text
    assert "Keys down: C4 (z)  E4 (c)" in text
    assert "Sounding:  C4" in text
    assert "note_on  C4   velocity 113" in text
    assert "Take: 3 notes   Last saved: take 1: 4 notes, saved as #7" in text
    assert "Notes: held 300 ms" in text


def test_latch_mode_is_shown():
    lines = render(KeyboardView(latch=True, velocity=127, last_velocity=127))
    assert "Notes: latched (L)" in lines[2] and len(lines[2]) <= SCREEN_WIDTH


def test_nothing_down_nothing_sounding():
    text = "\n".join(render(KeyboardView()))
    assert "Keys down: none" in text and "Sounding:  none" in text and "last sent -" in text


def test_the_screen_fits_an_80_by_24_terminal():
    view = KeyboardView()
    view.keys_down = frozenset(range(32))
    view.status = "take 12 ended: 300 notes, saved as #12345"
    lines = render(view)
    assert len(lines) <= 24
    assert max(len(line) for line in lines) <= SCREEN_WIDTH


def test_the_legend_names_every_button_and_how_to_quit():
    text = "\n".join(render(KeyboardView()))
    for words in ("Up/Down octave", "C chord", "A arp", "R record", "P playback", "T tap tempo",
                  "Left/Right velocity", "L latch", "Enter end take", "Esc quit"):
        assert words in text


def test_the_midi_clock_tempo_is_shown_while_it_runs():
    view = KeyboardView()
    assert "MIDI clock (arp, playback): stopped" in render(view)
    view.clock_running = True
    view.clock_us.extend(i * 20_833 for i in range(25))  # a beat of pulses at 120 BPM
    assert "MIDI clock (arp, playback): 120 BPM" in render(view)

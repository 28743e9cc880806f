"""The script language: what each line means, and malformed lines named by their number."""

import pytest

from emulator_support import SCRIPTS
from keycomposer.cli import main
from keycomposer.emulator.script import (
    Button,
    Control,
    PedalStep,
    Press,
    Release,
    ScriptError,
    Send,
    Wait,
    format_time,
    parse_script,
)


def test_every_kind_of_line():
    steps = parse_script(
        """
        # a comment, then a blank line

        press C3
        press F#3 velocity=64   # trailing comment
        press key31 dt=2.5
        wait 12.5
        release C3
        button arp tap
        wheel pitch -0.5
        wheel mod 1
        slider volume 0
        pedal down
        send F0 7E 7F 06 01 F7
        """
    )
    assert steps == [
        Press(4, 0),
        Press(5, 6, velocity=64),
        Press(6, 31, contact_time_us=2500),
        Wait(7, 12_500),
        Release(8, 0),
        Button(9, "arp", "tap"),
        Control(10, "pitch", -0.5),
        Control(11, "mod", 1.0),
        Control(12, "volume", 0.0),
        PedalStep(13, True),
        Send(14, bytes.fromhex("F07E7F0601F7")),
    ]


def test_note_names_follow_the_octave_buttons_which_act_on_release():
    steps = parse_script("button octave_up down\npress C3\nbutton octave_up up\npress D4\n")
    assert steps[1] == Press(2, 0)  # still at octave 0 while the button is down
    assert steps[3] == Press(4, 2)  # D4 is key2 an octave up


def test_a_note_name_whose_key_is_held_under_another_name_is_already_down():
    with pytest.raises(ScriptError, match="line 3: C4 is already down"):
        parse_script("press C3\nbutton octave_up tap\npress C4\n")


def test_release_by_the_name_a_key_was_pressed_as_even_after_an_octave_shift():
    steps = parse_script("press C3\nbutton octave_up tap\npress D4\nrelease C3\nrelease D4\n")
    assert steps[2] == Press(3, 2)
    assert steps[3] == Release(4, 0)
    assert steps[4] == Release(5, 2)


def test_octave_shift_stops_where_a_key_would_leave_midi():
    # lowest note 48 + 12 * 4 = 96, and key31 = 127: a fifth shift up is refused by the keyboard.
    steps = parse_script("button octave_up tap\n" * 5 + "press G9\n")
    assert steps[-1] == Press(6, 31)


def test_both_octave_buttons_together_shift_nothing():
    steps = parse_script(
        "button octave_up down\nbutton octave_down down\nbutton octave_up up\nbutton octave_down up\npress C3\n"
    )
    assert steps[-1] == Press(5, 0)


@pytest.mark.parametrize(
    "script, message",
    [
        ("press C3\nhold C3\n", "line 2: unknown action 'hold'"),
        ("\n\npress H3\n", "line 3: 'H3' is not a note name"),
        ("press C2\n", r"line 1: C2 is not on the keyboard at octave shift \+0 \(C3..G5\)"),
        ("press C3 velocity=0\n", "line 1: velocity must be in range 1..127, got 0"),
        ("press C3 velocity=loud\n", "line 1: velocity wants an integer, got 'loud'"),
        ("press C3 speed=3\n", "line 1: press takes velocity=V or dt=MS"),
        ("press C3\npress C3\n", "line 2: C3 is already down"),
        ("release C3\n", "line 1: C3 is not down"),
        ("wait\n", "line 1: usage: wait MS"),
        ("wait -5\n", "line 1: wait wants milliseconds 0..4000000, got -5"),
        ("wait soon\n", "line 1: wait wants a number, got 'soon'"),
        ("button shift tap\n", "line 1: no button 'shift'"),
        ("button arp press\n", "line 1: a button goes down, up or tap"),
        ("button arp up\n", "line 1: button arp is not down"),
        ("button arp down\nbutton arp tap\n", "line 2: button arp is already down"),
        ("wheel pitch 2\n", r"line 1: pitch must be in range -1..1, got 2"),
        ("wheel mod -0.1\n", r"line 1: mod must be in range 0..1, got -0.1"),
        ("wheel volume 1\n", "line 1: wheel names pitch or mod, not 'volume'"),
        ("slider volume nan\n", "line 1: volume wants a finite number"),
        ("pedal sideways\n", "line 1: the pedal goes down or up"),
        ("send\n", "line 1: send wants MIDI bytes in hex"),
        ("send F0 7E XX\n", "line 1: send wants hex bytes"),
        ("send 90 3C\n", "line 1: send: message at byte 0 .0x90. wants 2 data bytes"),
        ("send F0 01\n", "line 1: send: SysEx at byte 0 has no F7 end"),
    ],
)
def test_a_malformed_line_is_named_by_its_number(script, message):
    with pytest.raises(ScriptError, match=message):
        parse_script(script)


def test_the_cli_names_the_file_and_line_and_starts_nothing(tmp_path, capsys):
    script = tmp_path / "bad.txt"
    script.write_text("press C3\nwait 10\nrelease C3 now\n")
    assert main(["emulate", "--script", str(script)]) == 1
    err = capsys.readouterr().err
    assert err == f"keycomposer emulate: {script}: line 3: usage: release KEY (in 'release C3 now')\n"


def test_the_cli_says_when_the_script_is_missing(tmp_path, capsys):
    assert main(["emulate", "--script", str(tmp_path / "nope.txt")]) == 1
    assert "cannot read script" in capsys.readouterr().err


def test_example_scripts_parse():
    for path in sorted(SCRIPTS.glob("*.txt")):
        assert parse_script(path.read_text()), path


@pytest.mark.parametrize("time_us, text", [(0, "0"), (5000, "5"), (1_234_000, "1234"), (1500, "1.500")])
def test_times_print_in_milliseconds(time_us, text):
    assert format_time(time_us) == text

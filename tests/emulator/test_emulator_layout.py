"""The host's key and button map agrees with hardware/keyboard.json, and note names resolve."""

import json

import pytest

from emulator_support import ROOT
from keycomposer.emulator import layout

KEYBOARD = json.loads((ROOT / "hardware" / "keyboard.json").read_text())


def test_every_switch_is_where_the_hardware_map_says():
    for switch in KEYBOARD["matrix"]["switches"]:
        where = (switch["row"], switch["col"])
        if switch["kind"] == "key_first":
            assert layout.first_contact(switch["key"]) == where
        elif switch["kind"] == "key_second":
            assert layout.second_contact(switch["key"]) == where
        else:
            assert layout.button_switch(switch["button"]) == where


def test_leds_and_adc_channels_are_in_hardware_order():
    assert list(layout.LEDS) == [led["name"] for led in KEYBOARD["leds"]]
    names = {"pitch_wheel": "pitch", "mod_wheel": "mod", "volume_slider": "volume"}
    assert {names[a["name"]]: a["adc"] for a in KEYBOARD["adc"]} == layout.ADC_CHANNELS
    assert layout.LOWEST_NOTE_DEFAULT == KEYBOARD["keys"]["lowest_note_default"]


@pytest.mark.parametrize(
    "name, note", [("C3", 48), ("C4", 60), ("F#4", 66), ("Bb3", 58), ("Cb4", 59), ("B#3", 60), ("c-1", 0), ("G9", 127)]
)
def test_note_names(name, note):
    assert layout.note_number(name) == note


def test_note_names_map_to_keys_at_the_octave_shift():
    assert layout.key_for("C3") == 0
    assert layout.key_for("G5") == 31
    assert layout.key_for("C4", octave_shift=1) == 0
    assert layout.key_for("key17", octave_shift=3) == 17


@pytest.mark.parametrize(
    "name, complaint",
    [
        ("H3", "not a note name"),
        ("C10", "outside MIDI notes"),
        ("B2", r"not on the keyboard at octave shift \+0 \(C3..G5\)"),
        ("key32", "key must be in range 0..31"),
    ],
)
def test_names_that_are_no_key_say_why(name, complaint):
    with pytest.raises(ValueError, match=complaint):
        layout.key_for(name)

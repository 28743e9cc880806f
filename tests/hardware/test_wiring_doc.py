"""hardware/WIRING.md's pin table agrees with keyboard.json and with the Raspberry Pi Pico's pinout."""

import csv
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYBOARD = json.loads((ROOT / "hardware" / "keyboard.json").read_text())

# Raspberry Pi Pico datasheet, pinout: GPIO -> physical pin (GP25 drives the on-board LED, no pin).
PICO_PIN_OF_GPIO = {
    0: 1, 1: 2, 2: 4, 3: 5, 4: 6, 5: 7, 6: 9, 7: 10, 8: 11, 9: 12, 10: 14, 11: 15, 12: 16, 13: 17,
    14: 19, 15: 20, 16: 21, 17: 22, 18: 24, 19: 25, 20: 26, 21: 27, 22: 29, 26: 31, 27: 32, 28: 34,
}


def pin_table():
    text = (ROOT / "hardware" / "WIRING.md").read_text()
    section = text.split("## Pin table", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*([^|]+?)\s*\|\s*GP(\d+)\s*\|\s*([^|]+?)\s*\|", line)
        if match:
            rows[match.group(1)] = (int(match.group(2)), match.group(3))
    return rows


def expected_gpios():
    expected = {}
    for i, gpio in enumerate(KEYBOARD["matrix"]["rows"]["gpio"]):
        expected[f"matrix row {i}"] = gpio
    for i, gpio in enumerate(KEYBOARD["matrix"]["cols"]["gpio"]):
        expected[f"matrix col {i}"] = gpio
    expected["sustain jack (tip)"] = KEYBOARD["sustain_jack"]["gpio"]
    for led in KEYBOARD["leds"]:
        expected["LED " + led["name"].replace("_", " ")] = led["gpio"]
    names = {"pitch_wheel": "pitch wheel", "mod_wheel": "mod wheel", "volume_slider": "volume slider"}
    for adc in KEYBOARD["adc"]:
        expected[f"{names[adc['name']]} (ADC{adc['adc']})"] = adc["gpio"]
    return expected


def test_every_wired_function_is_in_the_table_with_its_json_gpio():
    table = pin_table()
    assert {name: gpio for name, (gpio, _) in table.items()} == expected_gpios()


def test_the_physical_pin_numbers_are_the_picos():
    for name, (gpio, pin) in pin_table().items():
        if gpio in PICO_PIN_OF_GPIO:
            assert pin == str(PICO_PIN_OF_GPIO[gpio]), name
        else:
            assert pin == "(on the board)", name


def test_bom_quantities_cover_the_matrix_and_panel():
    with (ROOT / "hardware" / "BOM.csv").open(newline="") as handle:
        bom = {row["ref"]: row for row in csv.DictReader(handle)}
    switches = len(KEYBOARD["matrix"]["switches"])
    buttons = sum(1 for s in KEYBOARD["matrix"]["switches"] if s["kind"] == "button")
    assert int(bom["D1-D71"]["qty"]) == switches == 71
    assert int(bom["SW1-SW7"]["qty"]) == buttons == 7
    assert int(bom["LED1-LED5"]["qty"]) == len(KEYBOARD["leds"]) - 1  # power is the Pico's own LED
    for row in bom.values():
        assert int(row["qty"]) > 0 and row["part"], row

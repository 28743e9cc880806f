"""hardware/keyboard.json is sound, and firmware/pins.py is exactly what tools/gen_pins.py makes of it."""

import copy
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYBOARD_JSON = ROOT / "hardware" / "keyboard.json"
PINS_PY = ROOT / "firmware" / "pins.py"
MICROPYTHON = shutil.which("micropython", path=str(Path(sys.executable).parent)) or shutil.which("micropython")


def _load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_pins = _load_module("gen_pins", ROOT / "tools" / "gen_pins.py")
pins = _load_module("pins_under_test", PINS_PY)


@pytest.fixture
def keyboard():
    return json.loads(KEYBOARD_JSON.read_text())


def switches_of(keyboard, kind):
    return [s for s in keyboard["matrix"]["switches"] if s["kind"] == kind]


# --- the JSON itself ---------------------------------------------------------------------------------


def test_the_committed_json_passes_every_check(keyboard):
    facts = gen_pins.describe(keyboard)
    assert len(facts["rows"]) == 8 and len(facts["cols"]) == 9


def test_every_key_has_a_first_and_a_second_contact(keyboard):
    for kind in ("key_first", "key_second"):
        assert sorted(s["key"] for s in switches_of(keyboard, kind)) == list(range(32))


def test_key_contacts_follow_the_documented_layout(keyboard):
    # key k: first contact at row k//8 col k%8, second at row 4 + k//8, same column.
    for s in switches_of(keyboard, "key_first"):
        assert (s["row"], s["col"]) == (s["key"] // 8, s["key"] % 8)
    for s in switches_of(keyboard, "key_second"):
        assert (s["row"], s["col"]) == (4 + s["key"] // 8, s["key"] % 8)


def test_no_matrix_position_is_used_twice(keyboard):
    positions = [(s["row"], s["col"]) for s in keyboard["matrix"]["switches"]]
    assert len(positions) == len(set(positions)) == 71


def test_all_seven_buttons_sit_in_column_8(keyboard):
    buttons = {s["button"]: (s["row"], s["col"]) for s in switches_of(keyboard, "button")}
    assert buttons == {
        "arp": (0, 8), "chord": (1, 8), "octave_down": (2, 8), "octave_up": (3, 8),
        "playback": (4, 8), "record": (5, 8), "tap_tempo": (6, 8),
    }


def test_no_gpio_is_used_twice(keyboard):
    gpios = keyboard["matrix"]["rows"]["gpio"] + keyboard["matrix"]["cols"]["gpio"]
    gpios += [adc["gpio"] for adc in keyboard["adc"]] + [led["gpio"] for led in keyboard["leds"]]
    gpios.append(keyboard["sustain_jack"]["gpio"])
    assert len(gpios) == len(set(gpios))


def _defect(keyboard, mutate):
    broken = copy.deepcopy(keyboard)
    mutate(broken)
    with pytest.raises(gen_pins.KeyboardJsonError) as caught:
        gen_pins.describe(broken)
    return str(caught.value)


def _switch(keyboard, name):
    return next(s for s in keyboard["matrix"]["switches"] if s["name"] == name)


def test_a_key_without_its_second_contact_is_named(keyboard):
    message = _defect(keyboard, lambda k: k["matrix"]["switches"].remove(_switch(k, "key17.second")))
    assert message == "key 17 has no second contact in the matrix"


def test_a_position_used_twice_names_both_switches(keyboard):
    def collide(k):
        _switch(k, "key3.second").update(row=0, col=3)

    assert "row 0 col 3 is already used by key3.first" in _defect(keyboard, collide)


def test_a_missing_button_is_named(keyboard):
    message = _defect(keyboard, lambda k: k["matrix"]["switches"].remove(_switch(k, "tap_tempo")))
    assert message == "button tap_tempo is not wired in the matrix"


def test_a_gpio_used_twice_names_both_owners(keyboard):
    def clash(k):
        k["sustain_jack"]["gpio"] = k["leds"][0]["gpio"]

    assert "GPIO 18 is used by both led record and sustain jack" in _defect(keyboard, clash)


def test_columns_that_one_register_read_cannot_return_are_refused(keyboard):
    def scatter(k):
        cols = k["matrix"]["cols"]["gpio"]
        cols[3], cols[4] = cols[4], cols[3]

    assert "must be contiguous ascending GPIOs (one SIO read)" in _defect(keyboard, scatter)


def test_an_adc_on_the_wrong_pin_is_refused(keyboard):
    def miswire(k):
        k["adc"][1]["gpio"] = 28

    assert "ADC1 is GPIO 27, not 28" in _defect(keyboard, miswire)


# --- the generated table -----------------------------------------------------------------------------


def test_committed_pins_py_is_what_the_generator_makes():
    assert PINS_PY.read_text() == gen_pins.generate(KEYBOARD_JSON)


def test_pins_py_says_it_is_generated():
    assert PINS_PY.read_text().splitlines()[0].startswith("# GENERATED")


def test_check_mode_fails_on_a_stale_file_and_passes_on_a_fresh_one(tmp_path):
    stale = tmp_path / "pins.py"
    stale.write_text(PINS_PY.read_text().replace("ROW_SETTLE_US = const(10)", "ROW_SETTLE_US = const(5)"))
    fresh = tmp_path / "fresh.py"
    fresh.write_text(PINS_PY.read_text())
    assert gen_pins.main(["--check", "--output", str(stale)]) == 1
    assert gen_pins.main(["--check", "--output", str(fresh)]) == 0


def test_a_defective_json_generates_nothing(tmp_path, keyboard, capsys):
    keyboard["matrix"]["switches"].pop()
    broken = tmp_path / "keyboard.json"
    broken.write_text(json.dumps(keyboard))
    output = tmp_path / "pins.py"
    assert gen_pins.main(["--json", str(broken), "--output", str(output)]) == 2
    assert not output.exists()
    assert "key 31 has no second contact" in capsys.readouterr().err


def test_switch_tables_agree_with_every_switch_in_the_json(keyboard):
    for s in keyboard["matrix"]["switches"]:
        pos = s["row"] * pins.N_COLS + s["col"]
        if s["kind"] == "key_first":
            assert (pins.SWITCH_KIND[pos], pins.SWITCH_INDEX[pos]) == (pins.SWITCH_KEY_FIRST, s["key"])
            assert pins.KEY_FIRST_POS[s["key"]] == pos
        elif s["kind"] == "key_second":
            assert (pins.SWITCH_KIND[pos], pins.SWITCH_INDEX[pos]) == (pins.SWITCH_KEY_SECOND, s["key"])
            assert pins.KEY_SECOND_POS[s["key"]] == pos
        else:
            button = getattr(pins, "BUTTON_" + s["button"].upper())
            assert (pins.SWITCH_KIND[pos], pins.SWITCH_INDEX[pos]) == (pins.SWITCH_BUTTON, button)
            assert pins.BUTTON_POS[button] == pos
    for unused in keyboard["matrix"]["unused"]:
        assert pins.SWITCH_KIND[unused["row"] * pins.N_COLS + unused["col"]] == pins.SWITCH_NONE


def test_button_ids_are_numbered_in_the_documented_order():
    names = ["ARP", "CHORD", "OCTAVE_DOWN", "OCTAVE_UP", "PLAYBACK", "RECORD", "TAP_TEMPO"]
    assert [getattr(pins, "BUTTON_" + name) for name in names] == list(range(7))
    assert pins.N_BUTTONS == 7


def test_gpio_constants_agree_with_the_json(keyboard):
    assert list(pins.ROW_GPIO) == keyboard["matrix"]["rows"]["gpio"]
    assert list(pins.COL_GPIO) == keyboard["matrix"]["cols"]["gpio"]
    # Bit c of (GPIO_IN >> COL_SHIFT) & COL_MASK is column c.
    for col, gpio in enumerate(pins.COL_GPIO):
        assert ((1 << gpio) >> pins.COL_SHIFT) & pins.COL_MASK == 1 << col
    assert pins.COL_MASK == (1 << 9) - 1
    assert pins.ROW_SETTLE_US == keyboard["matrix"]["row_settle_us"]
    adc = {a["constant"]: a for a in keyboard["adc"]}
    assert (pins.ADC_PITCH, pins.ADC_MOD, pins.ADC_VOLUME) == (0, 1, 2)
    for constant in ("PITCH", "MOD", "VOLUME"):
        assert getattr(pins, f"ADC_{constant}") == adc[constant]["adc"]
        assert getattr(pins, f"ADC_{constant}_GPIO") == adc[constant]["gpio"]
    assert pins.PEDAL_GPIO == keyboard["sustain_jack"]["gpio"]
    leds = ["RECORD", "ARP", "CHORD", "OCTAVE_DOWN", "OCTAVE_UP", "POWER"]
    assert [getattr(pins, "LED_" + name) for name in leds] == list(range(6))
    assert list(pins.LED_GPIO) == [led["gpio"] for led in keyboard["leds"]]
    for led in keyboard["leds"]:
        assert getattr(pins, "LED_" + led["name"].upper() + "_GPIO") == led["gpio"]
    assert pins.USB_VID == int(keyboard["usb"]["vid"], 16)
    assert pins.USB_PID == int(keyboard["usb"]["pid"], 16)
    assert pins.USB_PRODUCT == keyboard["usb"]["product"]


@pytest.mark.timeout(30)
@pytest.mark.skipif(MICROPYTHON is None, reason="the micropython interpreter is not installed")
def test_micropython_reads_the_same_table_as_cpython():
    script = (
        "import pins\n"
        "print(pins.N_ROWS, pins.N_COLS, pins.COL_SHIFT, pins.COL_MASK, pins.ROW_SETTLE_US)\n"
        "print(list(pins.SWITCH_KIND), list(pins.SWITCH_INDEX))\n"
        "print(list(pins.KEY_FIRST_POS), list(pins.KEY_SECOND_POS), list(pins.BUTTON_POS))\n"
    )
    done = subprocess.run([MICROPYTHON, "-c", script], cwd=ROOT / "firmware", capture_output=True, text=True,
                          timeout=20)
    assert done.returncode == 0, done.stderr
    expected = (
        f"{pins.N_ROWS} {pins.N_COLS} {pins.COL_SHIFT} {pins.COL_MASK} {pins.ROW_SETTLE_US}\n"
        f"{list(pins.SWITCH_KIND)} {list(pins.SWITCH_INDEX)}\n"
        f"{list(pins.KEY_FIRST_POS)} {list(pins.KEY_SECOND_POS)} {list(pins.BUTTON_POS)}\n"
    )
    assert done.stdout == expected

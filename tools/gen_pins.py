"""Generate firmware/pins.py from hardware/keyboard.json, the single source of truth for the wiring.

    python tools/gen_pins.py            # rewrite firmware/pins.py
    python tools/gen_pins.py --check    # exit 1 if the committed firmware/pins.py is stale

The JSON is checked before anything is written (every key has both contacts, no matrix position or GPIO
is used twice, every button is present, the columns are contiguous GPIOs so one SIO read returns them all);
a defect is reported by name and nothing is generated.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYBOARD_JSON = ROOT / "hardware" / "keyboard.json"
PINS_PY = ROOT / "firmware" / "pins.py"

# RP2040 user GPIOs (GPIO 23, 24 and 29 exist but the Pico wires them to the SMPS, VBUS sense and VSYS/3).
PICO_FREE_GPIO = frozenset(range(0, 23)) | {25, 26, 27, 28}
# The RP2040's ADC inputs 0..3 sit on GPIO 26..29, in that order (RP2040 datasheet 4.9.1).
ADC_GPIO_BASE = 26
SWITCH_KINDS = ("none", "key_first", "key_second", "button")
ADC_CONSTANTS = ("PITCH", "MOD", "VOLUME")
LED_NAMES = ("record", "arp", "chord", "octave_down", "octave_up", "power")


class KeyboardJsonError(ValueError):
    """keyboard.json describes wiring that cannot be built or scanned."""


def _require(condition, message):
    if not condition:
        raise KeyboardJsonError(message)


def _load(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise KeyboardJsonError(f"{path}: cannot read keyboard description: {error}") from error


def _gpio_list(values, what):
    _require(isinstance(values, list) and values, f"{what} must be a non-empty list of GPIO numbers")
    for gpio in values:
        _require(isinstance(gpio, int) and gpio in PICO_FREE_GPIO,
                 f"{what}: GPIO {gpio!r} is not a free Raspberry Pi Pico GPIO")
    return values


def describe(keyboard):
    """Check the parsed keyboard.json and return the facts pins.py is made of (a dict of plain values)."""
    matrix = keyboard.get("matrix")
    _require(isinstance(matrix, dict), "keyboard.json has no 'matrix' object")
    rows = _gpio_list(matrix.get("rows", {}).get("gpio"), "matrix.rows.gpio")
    cols = _gpio_list(matrix.get("cols", {}).get("gpio"), "matrix.cols.gpio")
    # Column c must be bit c of (GPIO_IN >> COL_SHIFT): one register read then yields the whole row.
    _require(cols == list(range(cols[0], cols[0] + len(cols))),
             f"matrix.cols.gpio must be contiguous ascending GPIOs (one SIO read), got {cols}")
    settle = matrix.get("row_settle_us")
    _require(isinstance(settle, int) and 1 <= settle <= 1000,
             f"matrix.row_settle_us must be an integer 1..1000 microseconds, got {settle!r}")
    n_rows, n_cols = len(rows), len(cols)
    _require(n_rows <= 8 and n_cols <= 16, "the matrix is limited to 8 rows x 16 columns (bytes tables)")

    n_keys = keyboard.get("keys", {}).get("count")
    _require(isinstance(n_keys, int) and 1 <= n_keys <= 128, f"keys.count must be 1..128, got {n_keys!r}")
    button_order = keyboard.get("buttons", {}).get("order")
    _require(isinstance(button_order, list) and button_order, "buttons.order must list the button names")
    _require(len(set(button_order)) == len(button_order), f"buttons.order names a button twice: {button_order}")

    kind_at = [0] * (n_rows * n_cols)
    index_at = [0] * (n_rows * n_cols)
    name_at = {}
    key_first = [None] * n_keys
    key_second = [None] * n_keys
    button_pos = {name: None for name in button_order}
    for switch in matrix.get("switches", []):
        name = switch.get("name", "?")
        row, col, kind = switch.get("row"), switch.get("col"), switch.get("kind")
        _require(isinstance(row, int) and 0 <= row < n_rows, f"switch {name}: row {row!r} outside 0..{n_rows - 1}")
        _require(isinstance(col, int) and 0 <= col < n_cols, f"switch {name}: col {col!r} outside 0..{n_cols - 1}")
        pos = row * n_cols + col
        _require(pos not in name_at, f"switch {name}: row {row} col {col} is already used by {name_at.get(pos)}")
        name_at[pos] = name
        if kind in ("key_first", "key_second"):
            key = switch.get("key")
            _require(isinstance(key, int) and 0 <= key < n_keys, f"switch {name}: key {key!r} outside 0..{n_keys - 1}")
            table = key_first if kind == "key_first" else key_second
            _require(table[key] is None, f"switch {name}: key {key} already has a {kind} contact")
            table[key] = pos
            index_at[pos] = key
        elif kind == "button":
            button = switch.get("button")
            _require(button in button_pos, f"switch {name}: button {button!r} is not in buttons.order")
            _require(button_pos[button] is None, f"switch {name}: button {button} is wired twice")
            button_pos[button] = pos
            index_at[pos] = button_order.index(button)
        else:
            raise KeyboardJsonError(f"switch {name}: kind {kind!r} is not key_first, key_second or button")
        kind_at[pos] = SWITCH_KINDS.index(kind)
    for key in range(n_keys):
        _require(key_first[key] is not None, f"key {key} has no first contact in the matrix")
        _require(key_second[key] is not None, f"key {key} has no second contact in the matrix")
    for button, pos in button_pos.items():
        _require(pos is not None, f"button {button} is not wired in the matrix")

    adcs = keyboard.get("adc", [])
    adc_by_constant = {adc.get("constant"): adc for adc in adcs}
    _require(sorted(adc_by_constant) == sorted(ADC_CONSTANTS) and len(adcs) == len(ADC_CONSTANTS),
             f"adc must list exactly one each of constants {ADC_CONSTANTS}")
    for adc in adcs:
        channel, gpio = adc.get("adc"), adc.get("gpio")
        _require(isinstance(channel, int) and 0 <= channel <= 2,
                 f"adc {adc.get('name')}: channel {channel!r} must be 0..2 (ADC3 is VSYS/3 on the Pico)")
        _require(gpio == ADC_GPIO_BASE + channel,
                 f"adc {adc.get('name')}: ADC{channel} is GPIO {ADC_GPIO_BASE + channel}, not {gpio!r}")

    leds = keyboard.get("leds", [])
    _require([led.get("name") for led in leds] == list(LED_NAMES),
             f"leds must be, in this order: {', '.join(LED_NAMES)}")
    pedal_gpio = keyboard.get("sustain_jack", {}).get("gpio")

    owners = {}
    claims = [(gpio, f"row {i}") for i, gpio in enumerate(rows)]
    claims += [(gpio, f"col {i}") for i, gpio in enumerate(cols)]
    claims += [(adc["gpio"], f"adc {adc['name']}") for adc in adcs]
    claims += [(led.get("gpio"), f"led {led['name']}") for led in leds]
    claims += [(pedal_gpio, "sustain jack")]
    for gpio, owner in claims:
        _require(isinstance(gpio, int) and gpio in PICO_FREE_GPIO,
                 f"{owner}: GPIO {gpio!r} is not a free Raspberry Pi Pico GPIO")
        _require(gpio not in owners, f"GPIO {gpio} is used by both {owners.get(gpio)} and {owner}")
        owners[gpio] = owner

    usb = keyboard.get("usb", {})
    try:
        vid, pid = int(usb["vid"], 16), int(usb["pid"], 16)
    except (KeyError, TypeError, ValueError) as error:
        raise KeyboardJsonError(f"usb.vid and usb.pid must be hex strings such as '0x2E8A': {error}") from error
    _require(0 < vid <= 0xFFFF and 0 < pid <= 0xFFFF, "usb.vid and usb.pid must be 16-bit")
    for field in ("manufacturer", "product"):
        _require(isinstance(usb.get(field), str) and usb[field], f"usb.{field} must be a non-empty string")

    return {
        "rows": rows, "cols": cols, "settle_us": settle, "n_keys": n_keys,
        "lowest_note": keyboard.get("keys", {}).get("lowest_note_default", 48),
        "buttons": button_order, "kind_at": kind_at, "index_at": index_at,
        "key_first": key_first, "key_second": key_second,
        "button_pos": [button_pos[name] for name in button_order],
        "adc": {c: (adc_by_constant[c]["adc"], adc_by_constant[c]["gpio"]) for c in ADC_CONSTANTS},
        "leds": [(led["name"], led["gpio"]) for led in leds], "pedal_gpio": pedal_gpio,
        "vid": vid, "pid": pid, "manufacturer": usb["manufacturer"], "product": usb["product"],
    }


def _bytes(values):
    return "bytes((" + ", ".join(str(v) for v in values) + ("," if len(values) == 1 else "") + "))"


def render(facts):
    """The text of firmware/pins.py for the facts returned by describe()."""
    n_rows, n_cols = len(facts["rows"]), len(facts["cols"])
    out = [
        "# GENERATED by tools/gen_pins.py from hardware/keyboard.json: do not edit; edit the JSON and rerun.",
        '"""Pin and matrix table of the keycomposer keyboard (Raspberry Pi Pico, RP2040).',
        "",
        "Matrix positions are numbered pos = row * N_COLS + col. Bit c of a row's column mask is column c:",
        "on the pico all columns come from one SIO read, (GPIO_IN >> COL_SHIFT) & COL_MASK.",
        "Tables are bytes, so looking one up allocates nothing.",
        '"""',
        "",
        "try:",
        "    from micropython import const",
        "except ImportError:  # CPython runs the same core as the oracle",
        "",
        "    def const(value):  # type: ignore[no-redef, misc]",
        "        return value",
        "",
        "",
        "# Matrix: rows are driven high one at a time, columns read with pull-downs.",
        f"N_ROWS = const({n_rows})",
        f"N_COLS = const({n_cols})",
        f"N_SWITCHES = const({n_rows * n_cols})",
        f"ROW_GPIO = {_bytes(facts['rows'])}",
        f"COL_GPIO = {_bytes(facts['cols'])}",
        f"COL_SHIFT = const({facts['cols'][0]})",
        f"COL_MASK = const(0x{(1 << n_cols) - 1:X})",
        "# Wait this long after driving a row before reading the columns (ghost keys otherwise).",
        f"ROW_SETTLE_US = const({facts['settle_us']})",
        "",
        "# What sits at each matrix position: SWITCH_KIND[pos], and SWITCH_INDEX[pos] is the key or button id.",
    ]
    for number, kind in enumerate(SWITCH_KINDS):
        out.append(f"SWITCH_{kind.upper()} = const({number})")
    kind_rows = [facts["kind_at"][r * n_cols:(r + 1) * n_cols] for r in range(n_rows)]
    index_rows = [facts["index_at"][r * n_cols:(r + 1) * n_cols] for r in range(n_rows)]
    out.append("# fmt: off")
    out.append("SWITCH_KIND = bytes((")
    out += ["    " + ", ".join(str(v) for v in row) + f",  # row {r}" for r, row in enumerate(kind_rows)]
    out.append("))")
    out.append("SWITCH_INDEX = bytes((")
    out += ["    " + ", ".join(str(v) for v in row) + f",  # row {r}" for r, row in enumerate(index_rows)]
    out.append("))")
    out.append("# fmt: on")
    out += [
        "",
        "# Keys: key 0 is the leftmost. Each has two contacts; the time between them is the velocity.",
        f"N_KEYS = const({facts['n_keys']})",
        f"LOWEST_NOTE_DEFAULT = const({facts['lowest_note']})",
        f"KEY_FIRST_POS = {_bytes(facts['key_first'])}",
        f"KEY_SECOND_POS = {_bytes(facts['key_second'])}",
        "",
        "# Buttons, by id.",
        f"N_BUTTONS = const({len(facts['buttons'])})",
    ]
    out += [f"BUTTON_{name.upper()} = const({i})" for i, name in enumerate(facts["buttons"])]
    out += [
        f"BUTTON_POS = {_bytes(facts['button_pos'])}",
        "",
        "# Analog controls: ADC_* is the ADC channel (machine.ADC(channel)); *_GPIO is its pin.",
    ]
    for constant in ADC_CONSTANTS:
        out.append(f"ADC_{constant} = const({facts['adc'][constant][0]})")
    for constant in ADC_CONSTANTS:
        out.append(f"ADC_{constant}_GPIO = const({facts['adc'][constant][1]})")
    out += [
        "",
        "# Sustain jack: input with pull-up; the level at power-up is 'pedal up'.",
        f"PEDAL_GPIO = const({facts['pedal_gpio']})",
        "",
        "# LEDs, by id; LED_GPIO[led] is its pin (active high).",
        f"N_LEDS = const({len(facts['leds'])})",
    ]
    out += [f"LED_{name.upper()} = const({i})" for i, (name, _) in enumerate(facts["leds"])]
    out += [f"LED_{name.upper()}_GPIO = const({gpio})" for name, gpio in facts["leds"]]
    out += [
        f"LED_GPIO = {_bytes([gpio for _, gpio in facts['leds']])}",
        "",
        "# USB identity (see hardware/keyboard.json: the PID is a placeholder until one is granted).",
        f"USB_VID = const(0x{facts['vid']:04X})",
        f"USB_PID = const(0x{facts['pid']:04X})",
        f"USB_MANUFACTURER = {facts['manufacturer']!r}",
        f"USB_PRODUCT = {facts['product']!r}",
        "",
    ]
    return "\n".join(out)


def generate(json_path=KEYBOARD_JSON):
    return render(describe(_load(json_path)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the output file is not up to date")
    parser.add_argument("--json", type=Path, default=KEYBOARD_JSON, help="keyboard description to read")
    parser.add_argument("--output", type=Path, default=PINS_PY, help="pins module to write or check")
    args = parser.parse_args(argv)
    try:
        text = generate(args.json)
    except KeyboardJsonError as error:
        print(f"gen_pins: {error}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text() if args.output.exists() else None
        if current != text:
            print(f"gen_pins: {args.output} is not up to date with {args.json}; run tools/gen_pins.py",
                  file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

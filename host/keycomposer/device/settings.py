"""The keyboard's settings from the host: read them all, change one, reset them (firmware/PROTOCOL.md,
section 2, commands 10..12).

The table below is the host's copy of firmware/core/settings_table.py (the host never imports firmware
code); tests/host/device/test_device_settings.py holds the two equal. Values travel as 21-bit numbers in
three 7-bit bytes, most significant first.
"""

from __future__ import annotations

from dataclasses import dataclass

import mido

from keycomposer.device.info import MANUFACTURER_ID, PRODUCT_ID

GET_SETTINGS = 0x10
SET_SETTING = 0x11
RESET_SETTINGS = 0x12
REPLY_FLAG = 0x40
NAK = 0x7E
FAULT = 0x7F
NAK_REASONS = {
    0x01: "the keyboard does not know this command (firmware too old?)",
    0x02: "the request had the wrong length",
    0x03: "the keyboard has no such setting (firmware too old?)",
    0x04: "the value is out of range",
    0x05: "the keyboard took the value but could not save it to its flash",
}


class SettingsError(Exception):
    """A setting name or value the keyboard cannot take, or a reply that does not add up."""


@dataclass(frozen=True)
class Setting:
    id: int
    name: str
    minimum: int
    maximum: int
    default: int
    choices: tuple[str, ...] = ()  # names of the values minimum.., for enumerated settings
    unit: str = ""
    meaning: str = ""

    def format(self, value: int) -> str:
        if self.choices and 0 <= value - self.minimum < len(self.choices):
            return self.choices[value - self.minimum]
        if self.name == "channel":
            return str(value + 1)  # as people count channels: 1..16
        return f"{value}{self.unit}"

    def parse(self, text: str) -> int:
        """The wire value for ``text``: a choice's name, or a number (channels counted 1..16)."""
        text = text.strip()
        if self.choices:
            names = [choice.replace(" ", "_") for choice in self.choices]
            wanted = text.lower().replace(" ", "_").replace("-", "_")
            folded = [name.lower() for name in names]
            if wanted in folded:
                return self.minimum + folded.index(wanted)
            raise SettingsError(f"{self.name} must be one of {', '.join(names)}; got {text!r}")
        number_text = text[: -len(self.unit)] if self.unit and text.endswith(self.unit) else text
        try:
            value = int(number_text)
        except ValueError:
            raise SettingsError(f"{self.name} wants a whole number, got {text!r}") from None
        if self.name == "channel":
            if not 1 <= value <= 16:
                raise SettingsError(f"channel must be in range 1..16, got {value}")
            return value - 1
        if not self.minimum <= value <= self.maximum:
            raise SettingsError(f"{self.name} must be in range {self.minimum}..{self.maximum}, got {value}")
        return value


# id, name, range and default as in firmware/core/settings_table.py.
SETTINGS: tuple[Setting, ...] = (
    Setting(0, "channel", 0, 15, 0, meaning="MIDI channel (1..16)"),
    Setting(1, "velocity_curve", 0, 2, 0, ("log", "linear", "fixed"), meaning="key velocity curve"),
    Setting(2, "fixed_velocity", 1, 127, 100, meaning="velocity of every note on the fixed curve"),
    Setting(3, "debounce_us", 0, 100000, 5000, unit="us", meaning="switch debounce time"),
    Setting(4, "chord_mode", 0, 3, 0, ("major", "minor", "diatonic", "seventh"), meaning="auto-chord"),
    Setting(5, "chord_key", 0, 11, 0, ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"),
            meaning="key of the diatonic chord mode"),
    Setting(6, "arp_mode", 0, 5, 0, ("up", "down", "inclusive", "exclusive", "random", "as played"),
            meaning="arpeggiator pattern"),
    Setting(7, "arp_rate", 0, 7, 1, ("1/4", "1/8", "1/16", "1/32", "1/4T", "1/8T", "1/16T", "1/32T"),
            meaning="arpeggiator step length"),
    Setting(8, "arp_gate", 10, 90, 50, unit="%", meaning="how long each arp note sounds, of its step"),
    Setting(9, "arp_swing", 50, 75, 50, unit="%", meaning="arp swing (50 is straight)"),
    Setting(10, "arp_octaves", 1, 4, 1, meaning="octaves the arp pattern climbs"),
    Setting(11, "pitch_bend_range", 1, 24, 2, unit=" semitones", meaning="told to the synth as RPN 0"),
)
_BY_NAME = {setting.name: setting for setting in SETTINGS}


def setting_named(name: str) -> Setting:
    try:
        return _BY_NAME[name.strip().lower().replace("-", "_")]
    except KeyError:
        raise SettingsError(f"no setting {name!r}; the settings are {', '.join(_BY_NAME)}") from None


def parse_assignment(text: str) -> tuple[Setting, int]:
    """``NAME=VALUE`` -> the setting and its wire value; SettingsError says what is wrong."""
    name, equals, value = text.partition("=")
    if not equals or not name.strip() or not value.strip():
        raise SettingsError(f"expected NAME=VALUE, got {text!r}")
    setting = setting_named(name)
    return setting, setting.parse(value)


def _seven_bit_triplet(value: int) -> tuple[int, int, int]:
    return (value >> 14) & 0x7F, (value >> 7) & 0x7F, value & 0x7F


def _private(command: int, *payload: int) -> mido.Message:
    return mido.Message("sysex", data=(MANUFACTURER_ID, PRODUCT_ID, command, *payload))


def get_settings_request() -> mido.Message:
    return _private(GET_SETTINGS)


def set_setting_request(setting: Setting, value: int) -> mido.Message:
    return _private(SET_SETTING, setting.id, *_seven_bit_triplet(value))


def reset_settings_request() -> mido.Message:
    return _private(RESET_SETTINGS)


def parse_settings_reply(data: bytes) -> dict[str, int]:
    """GET_SETTINGS reply payload (after 7D 4B 50): count, then 3 bytes per setting, in id order."""
    if not data:
        raise SettingsError("GET_SETTINGS reply is empty")
    count = data[0]
    if len(data) != 1 + 3 * count:
        raise SettingsError(f"GET_SETTINGS reply says {count} settings but carries {len(data) - 1} bytes")
    values = {}
    for i in range(min(count, len(SETTINGS))):  # settings a newer firmware added are not shown here
        c2, c1, c0 = data[1 + 3 * i : 4 + 3 * i]
        values[SETTINGS[i].name] = c2 << 14 | c1 << 7 | c0
    return values


def exchange(transport, request: mido.Message, timeout_s: float = 1.0, faults: list[str] | None = None) -> bytes:
    """Send a private request and return the payload of its reply (after 7D 4B cc|40). A NAK raises
    SettingsError with its reason; FAULT messages seen meanwhile are appended to ``faults``."""
    from keycomposer.device.transport import TransportError

    command = request.data[2]
    transport.send(request)
    step = 0.05
    waited = 0.0
    while waited < timeout_s:
        for _, message in transport.receive(step):
            if message.type != "sysex":
                continue
            data = bytes(message.data)
            if data[:2] != bytes((MANUFACTURER_ID, PRODUCT_ID)) or len(data) < 3:
                continue
            if data[2] == FAULT and faults is not None:
                faults.append(data[3:].decode("ascii", "replace"))
            elif data[2] == NAK and len(data) >= 5 and data[3] == command:
                reason = NAK_REASONS.get(data[4], f"reason {data[4]:#04x}")
                raise SettingsError(f"the keyboard refused: {reason}")
            elif data[2] == command | REPLY_FLAG:
                return data[3:]
        waited += step
    raise TransportError(f"{transport.name} did not answer within {timeout_s:g} s (command {command:#04x})")


def read_settings(transport, faults: list[str] | None = None) -> dict[str, int]:
    """Every setting's wire value, by name."""
    return parse_settings_reply(exchange(transport, get_settings_request(), faults=faults))


def write_setting(transport, setting: Setting, value: int, faults: list[str] | None = None) -> int:
    """Change one setting (the keyboard saves it at once); returns the value it now holds."""
    payload = exchange(transport, set_setting_request(setting, value), faults=faults)
    if len(payload) != 4 or payload[0] != setting.id:
        raise SettingsError(f"SET_SETTING reply does not match the request: {payload.hex(' ')}")
    return payload[1] << 14 | payload[2] << 7 | payload[3]


def reset_settings(transport, faults: list[str] | None = None) -> None:
    exchange(transport, reset_settings_request(), faults=faults)

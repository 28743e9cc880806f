"""The host's side of the settings protocol: its table equals the firmware's, names and values parse with
clear errors, and requests and replies have the bytes firmware/PROTOCOL.md gives them."""

import ast
from pathlib import Path

import mido
import pytest

from keycomposer.device.settings import (
    SETTINGS,
    SettingsError,
    exchange,
    get_settings_request,
    parse_assignment,
    parse_settings_reply,
    reset_settings_request,
    set_setting_request,
    setting_named,
)

FIRMWARE_TABLE = Path(__file__).resolve().parents[3] / "firmware" / "core" / "settings_table.py"


def firmware_settings():
    """The SETTINGS rows of firmware/core/settings_table.py, read as data (the host never imports it)."""
    tree = ast.parse(FIRMWARE_TABLE.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "SETTINGS":
            return ast.literal_eval(node.value)
    raise AssertionError("no SETTINGS table in settings_table.py")


def test_host_table_is_the_firmware_table():
    host = [(s.id, s.name, s.minimum, s.maximum, s.default) for s in SETTINGS]
    firmware = [(row[0], row[1], row[3], row[4], row[5]) for row in firmware_settings()]
    assert host == firmware


def test_enumerated_settings_name_every_value():
    for setting in SETTINGS:
        if setting.choices:
            assert len(setting.choices) == setting.maximum - setting.minimum + 1, setting.name


@pytest.mark.parametrize(
    "text, name, value",
    [
        ("channel=1", "channel", 0),
        ("channel=16", "channel", 15),
        ("velocity_curve=linear", "velocity_curve", 1),
        ("VELOCITY-CURVE=Fixed", "velocity_curve", 2),
        ("arp_rate=1/16T", "arp_rate", 6),
        ("arp_mode=as_played", "arp_mode", 5),
        ("arp_mode=as played", "arp_mode", 5),
        ("chord_key=F#", "chord_key", 6),
        ("debounce_us=8000", "debounce_us", 8000),
        ("arp_gate=90%", "arp_gate", 90),
        ("pitch_bend_range=12", "pitch_bend_range", 12),
    ],
)
def test_assignments_parse_to_wire_values(text, name, value):
    setting, parsed = parse_assignment(text)
    assert (setting.name, parsed) == (name, value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("tempo=120", "no setting 'tempo'; the settings are channel,"),
        ("channel", "expected NAME=VALUE"),
        ("channel=", "expected NAME=VALUE"),
        ("channel=0", "channel must be in range 1..16, got 0"),
        ("channel=17", "channel must be in range 1..16, got 17"),
        ("arp_gate=95", "arp_gate must be in range 10..90, got 95"),
        ("debounce_us=-1", "debounce_us must be in range 0..100000, got -1"),
        ("debounce_us=fast", "debounce_us wants a whole number, got 'fast'"),
        ("velocity_curve=cubic", "velocity_curve must be one of log, linear, fixed; got 'cubic'"),
    ],
)
def test_bad_assignments_say_what_is_wrong(text, message):
    with pytest.raises(SettingsError) as error:
        parse_assignment(text)
    assert message in str(error.value)


def test_values_format_the_way_people_read_them():
    assert setting_named("channel").format(0) == "1"
    assert setting_named("velocity_curve").format(2) == "fixed"
    assert setting_named("arp_swing").format(60) == "60%"


def test_request_bytes():
    assert bytes(get_settings_request().bin()) == bytes.fromhex("F0 7D 4B 10 F7")
    assert bytes(reset_settings_request().bin()) == bytes.fromhex("F0 7D 4B 12 F7")
    # 20000 = 1 << 14 | 28 << 7 | 32: three 7-bit bytes, most significant first.
    request = set_setting_request(setting_named("debounce_us"), 20000)
    assert bytes(request.bin()) == bytes.fromhex("F0 7D 4B 11 03 01 1C 20 F7")


def test_settings_reply_is_decoded_by_id():
    payload = bytes([len(SETTINGS)]) + b"".join(bytes((0, 0, s.default & 0x7F)) for s in SETTINGS)
    payload = bytearray(payload)
    payload[1 + 3 * 3 : 4 + 3 * 3] = bytes((0, 0x27, 0x08))  # debounce 5000
    values = parse_settings_reply(bytes(payload))
    assert values["debounce_us"] == 5000 and values["fixed_velocity"] == 100
    with pytest.raises(SettingsError, match="says 12 settings but carries 3 bytes"):
        parse_settings_reply(bytes((12, 0, 0, 1)))


class ScriptedTransport:
    """Answers every request with the messages it was given (no keyboard needed)."""

    name = "scripted"

    def __init__(self, *answers):
        self.answers = [mido.Message("sysex", data=answer) for answer in answers]
        self.sent = []

    def send(self, message):
        self.sent.append(message)

    def receive(self, seconds):
        answers, self.answers = self.answers, []
        return [(0, message) for message in answers]


def test_a_nak_is_told_with_its_reason_and_faults_are_kept():
    transport = ScriptedTransport((0x7D, 0x4B, 0x7F, *b"settings.boot: bad"), (0x7D, 0x4B, 0x7E, 0x11, 0x04))
    faults = []
    with pytest.raises(SettingsError, match="the value is out of range"):
        exchange(transport, set_setting_request(setting_named("channel"), 3), faults=faults)
    assert faults == ["settings.boot: bad"]


def test_no_answer_is_a_transport_error():
    from keycomposer.device.transport import TransportError

    with pytest.raises(TransportError, match="did not answer"):
        exchange(ScriptedTransport(), get_settings_request(), timeout_s=0.1)

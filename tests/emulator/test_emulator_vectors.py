"""The host's codec and curve against the shared test vectors (tests/vectors/, firmware/PROTOCOL.md),
which the firmware's tests read too: the two wings agree because both match the same bytes."""

import json

import mido
import pytest

from emulator_support import ROOT
from keycomposer.emulator.usb_midi import PacketDecoder, packets_from_bytes
from keycomposer.emulator.velocity import velocity_of

VECTORS = ROOT / "tests" / "vectors"


def _load(name):
    path = VECTORS / name
    if not path.exists():
        pytest.skip(f"{path} is not generated yet")
    return json.loads(path.read_text())


def _hex(packets):
    return bytes.fromhex(" ".join(packets))


def test_device_packets_decode_to_their_messages_and_encode_back():
    for vector in _load("usbmidi.json")["device_to_host"]:
        message = bytes.fromhex(vector["message"])
        packets = _hex(vector["packets"])
        assert PacketDecoder().feed(packets) == [mido.Message.from_bytes(message)], vector["name"]
        assert packets_from_bytes(message) == packets, vector["name"]


def test_sysex_the_host_sends_is_packed_as_the_keyboard_expects():
    vectors = _load("usbmidi.json")["host_to_device"]
    # One SysEx in SysEx packets only (no clock byte between them), nothing wrong with it.
    clean = [
        v
        for v in vectors
        if not v["counted"] and len(v["sysex"]) == 1 and all(int(p[:2], 16) in (4, 5, 6, 7) for p in v["packets"])
    ]
    assert clean, "no clean SysEx vectors to compare with"
    for vector in clean:
        assert packets_from_bytes(bytes.fromhex(vector["sysex"][0])) == _hex(vector["packets"]), vector["name"]


def test_velocity_vectors_of_the_default_curve():
    for contact_time_us, velocity in _load("velocity.json")["log"]:
        assert velocity_of(contact_time_us) == velocity, contact_time_us

"""The shared vectors in tests/vectors/ are current, and agree with the core AND with independent
references: the DSN rule written out here, the closed-form velocity curves, and mido as MIDI parser."""

import json
import math
import subprocess
import sys

import mido
import pytest

from core_harness import ROOT, VECTORS, import_core, midi_from_packets

import_core()
from core.counters import COUNTER_NAMES, Counters  # noqa: E402
from core.dsn import dsn_from_unique_id, dsn_is_valid  # noqa: E402
from core.usbmidi import Receiver  # noqa: E402
from core.velocity import CURVE_LINEAR, CURVE_LOG, velocity_from_us  # noqa: E402

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def load(name):
    return json.loads((VECTORS / name).read_text())


@pytest.mark.timeout(60)
def test_vectors_are_current():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_vectors.py"), "--check"],
                          capture_output=True, text=True, timeout=50)
    assert done.returncode == 0, done.stderr


def weighted_sum_rule(dsn: str) -> bool:
    # The rule as PROTOCOL.md states it, written out independently of core/dsn.py.
    return (len(dsn) == 16 and all(c in ALPHABET for c in dsn)
            and sum((i + 1) * ALPHABET.index(c) for i, c in enumerate(dsn)) % 37 == 0)


def test_dsn_vectors():
    vectors = load("dsn.json")
    for entry in vectors["valid"]:
        uid = bytes.fromhex(entry["unique_id"])
        assert dsn_from_unique_id(uid) == entry["dsn"]
        assert weighted_sum_rule(entry["dsn"]) and dsn_is_valid(entry["dsn"])
    assert len({e["dsn"] for e in vectors["valid"]}) == len(vectors["valid"])
    for entry in vectors["invalid"]:
        assert not weighted_sum_rule(entry["dsn"]) and not dsn_is_valid(entry["dsn"]), entry


def test_velocity_vectors_follow_the_closed_form_curves():
    vectors = load("velocity.json")
    curves = {
        "log": (CURVE_LOG, lambda t: 127 - 126 * math.log(t / 2000) / math.log(40)),
        "linear": (CURVE_LINEAR, lambda t: 127 - 126 * (t - 2000) / 78000),
    }
    for name, (curve, formula) in curves.items():
        for t, velocity in vectors[name]:
            assert velocity_from_us(curve, t, 100) == velocity
            expected = min(127.0, max(1.0, formula(max(t, 1))))
            # Rounding to the nearest velocity, give or take the thresholds' rounding to whole microseconds.
            assert abs(velocity - expected) <= 0.52, (name, t, velocity, expected)
        assert dict(vectors[name])[2000] == 127 and dict(vectors[name])[80000] == 1


def test_device_to_host_packets_decode_with_mido():
    for entry in load("usbmidi.json")["device_to_host"]:
        packets = [bytes.fromhex(p) for p in entry["packets"]]
        messages = midi_from_packets(packets)
        assert len(messages) == 1, entry["name"]
        assert messages[0].bytes() == list(bytes.fromhex(entry["message"])), entry["name"]


def test_host_to_device_packets_give_the_listed_sysex_and_counters():
    for entry in load("usbmidi.json")["host_to_device"]:
        counters = Counters()
        received = []
        receiver = Receiver(counters, lambda buf, n: received.append(bytes(buf[:n])))
        data = b"".join(bytes.fromhex(p) for p in entry["packets"])
        receiver.feed(data, len(data))
        assert [r.hex(" ").upper() for r in received] == entry["sysex"], entry["name"]
        counted = {COUNTER_NAMES[i]: v for i, v in enumerate(counters.values) if v}
        assert counted == entry["counted"], entry["name"]
        for message in entry["sysex"]:
            parsed = mido.parse(bytes.fromhex(message))
            assert parsed is not None and parsed.type == "sysex"

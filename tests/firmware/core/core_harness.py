"""Helpers for the core tests: run scripts under CPython and the real `micropython`; decode packets with mido."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import mido
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FIRMWARE = ROOT / "firmware"
VECTORS = ROOT / "tests" / "vectors"


def import_core():
    """Make firmware/ and this folder importable in-process (CPython), for direct tests of the core."""
    for path in (str(FIRMWARE), str(HERE)):
        if path not in sys.path:
            sys.path.insert(0, path)


def micropython_binary():
    found = Path(sys.executable).with_name("micropython")
    if found.exists():
        return str(found)
    return shutil.which("micropython")


def run_script(script: Path, interpreter: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a script with firmware/ and this folder importable; CPython or MicroPython."""
    env = dict(os.environ)
    if interpreter == "cpython":
        command = [sys.executable, str(script)]
        env["PYTHONPATH"] = os.pathsep.join([str(FIRMWARE), str(HERE)])
    else:
        binary = micropython_binary()
        if binary is None:
            pytest.skip("no micropython binary")
        # The fake board keeps a 64 KB log of every packet; the core itself needs far less.
        command = [binary, "-X", "heapsize=1M", str(script)]
        env["MICROPYPATH"] = os.pathsep.join([str(FIRMWARE), str(HERE), ".frozen"])
    return subprocess.run(command, cwd=HERE, env=env, capture_output=True, text=True, timeout=timeout)


# USB MIDI 1.0 table 4-1: how many MIDI bytes follow each code index number.
CIN_LENGTH = (0, 0, 2, 3, 3, 1, 2, 3, 3, 3, 3, 3, 2, 2, 3, 1)


def packets_from_hex(text: str) -> list[bytes]:
    return [bytes.fromhex(token) for token in text.split()]


def midi_from_packets(packets: list[bytes]) -> list[mido.Message]:
    """Decode USB-MIDI event packets with mido as the independent MIDI parser."""
    parser = mido.Parser()
    for packet in packets:
        assert len(packet) == 4, packet
        assert packet[0] >> 4 == 0, "cable must be 0: %s" % packet.hex()
        length = CIN_LENGTH[packet[0] & 0xF]
        assert length, "reserved CIN: %s" % packet.hex()
        parser.feed(packet[1 : 1 + length])
    return list(parser)


def printed_packets(output: str, label: str) -> list[bytes]:
    for line in output.splitlines():
        if line.startswith(label + ":"):
            return packets_from_hex(line[len(label) + 1 :])
    raise AssertionError("no %r line in the output" % label)


def check_notes_balance(messages) -> None:
    """Every note-off ends a note that is sounding, no note starts twice, nothing sounds at the end."""
    sounding = set()
    for message in messages:
        if message.type == "note_on" and message.velocity > 0:
            key = (message.channel, message.note)
            assert key not in sounding, "note-on for a note already sounding: %s" % message
            sounding.add(key)
        elif message.type == "note_off" or (message.type == "note_on" and message.velocity == 0):
            key = (message.channel, message.note)
            assert key in sounding, "note-off for a note not sounding: %s" % message
            sounding.discard(key)
    assert not sounding, "still sounding at the end: %s" % sorted(sounding)

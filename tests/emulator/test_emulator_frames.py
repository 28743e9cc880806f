"""The host's frame codec: every kind round-trips, and damage costs one frame, never the stream."""

import pytest

from keycomposer.emulator.frames import (
    FRAME_TYPES,
    Adc,
    Advance,
    Boot,
    Error,
    Fault,
    FrameDecoder,
    FrameError,
    Led,
    MidiIn,
    MidiOut,
    Pedal,
    Quit,
    Ready,
    Switch,
    Sync,
    SyncReply,
    Usb,
    crc8,
    encode_frame,
)

# One of each kind, with distinct field values so a swapped field fails the round trip.
EVERY_KIND = [
    Switch(row=7, col=8, closed=True),
    Switch(row=1, col=2, closed=False),
    Adc(channel=2, value=0xBEEF),
    Pedal(level=False),
    Advance(microseconds=0xDEADBEEF),
    MidiIn(packets=bytes.fromhex("09903C64 04F07E7F 070601F7")),
    Sync(token=0x01020304),
    Boot(),
    Quit(),
    Usb(state=Usb.STALLED, microseconds=0x01020304),
    Ready(protocol_version=1, firmware_version="0.1.0"),
    MidiOut(time_us=2**40 + 3, packets=bytes.fromhex("08803C40")),
    Led(time_us=5, led=4, on=True),
    Fault(time_us=6, text="arp: ZeroDivisionError: divide by zero – ü"),
    SyncReply(token=9, time_us=10, garbled=11),
    Error(time_us=12, text="unknown frame kind 0x42"),
]


def test_every_kind_is_exercised():
    assert {type(f) for f in EVERY_KIND} == set(FRAME_TYPES.values())


@pytest.mark.parametrize("frame", EVERY_KIND, ids=lambda f: type(f).__name__)
def test_every_kind_round_trips(frame):
    assert FrameDecoder().feed(encode_frame(frame)) == [frame]


def test_the_documented_example_bytes():
    # firmware/EMULATOR.md, "Example".
    assert encode_frame(Boot()) == bytes.fromhex("A5 07 00 6B")
    assert encode_frame(Switch(0, 0, True)) == bytes.fromhex("A5 01 03 00 00 01 5F")
    assert encode_frame(Advance(3000)) == bytes.fromhex("A5 04 04 00 00 0B B8 9D")
    assert encode_frame(SyncReply(1, 4000, 0)) == bytes.fromhex("A5 85 10 00000001 0000000000000FA0 00000000 FE")


def test_crc_is_crc8_smbus():
    assert crc8(b"123456789") == 0xF4  # the catalogue's check value


def test_frames_split_anywhere_still_decode():
    stream = b"".join(encode_frame(f) for f in EVERY_KIND)
    decoder = FrameDecoder()
    frames = []
    for i in range(len(stream)):
        frames += decoder.feed(stream[i : i + 1])
    assert frames == EVERY_KIND
    assert decoder.garbled == 0 and decoder.stray == b""


@pytest.mark.parametrize("position", range(1, 7))
def test_a_flipped_bit_costs_that_frame_only(position):
    damaged = bytearray(encode_frame(Adc(1, 0x1234)))
    damaged[position] ^= 0x10
    decoder = FrameDecoder()
    # A damaged length byte makes the decoder wait for bytes that belong to later frames; they come.
    following = [Led(1, 2, True)] + [Boot()] * 8
    frames = decoder.feed(bytes(damaged) + b"".join(encode_frame(f) for f in following))
    assert frames == following
    assert decoder.garbled >= 1


def test_text_outside_frames_is_kept_as_stray_output():
    decoder = FrameDecoder()
    assert decoder.feed(b"hello\n" + encode_frame(Boot()) + b"bye") == [Boot()]
    assert bytes(decoder.stray) == b"hello\nbye"


def test_a_good_crc_on_a_bad_payload_is_garbled_with_the_reason():
    body = bytes((Switch.KIND, 2, 1, 2))  # SWITCH wants 3 bytes
    decoder = FrameDecoder()
    assert decoder.feed(b"\xa5" + body + bytes((crc8(body),))) == []
    assert decoder.garbled == 1
    assert decoder.problems == ["Switch payload has 2 bytes, wants 3"]


def test_unknown_kind_is_garbled():
    body = bytes((0x42, 0))
    decoder = FrameDecoder()
    decoder.feed(b"\xa5" + body + bytes((crc8(body),)))
    assert decoder.problems == ["unknown frame kind 0x42"]


@pytest.mark.parametrize(
    "frame, complaint",
    [
        (Switch(256, 0, True), "Switch"),
        (Adc(0, 65536), "Adc"),
        (Advance(-1), "Advance"),
        (MidiIn(b"\x09\x90\x3c"), "whole 4-byte USB-MIDI packets"),
        (MidiIn(bytes(256)), "at most 255 fit a frame"),
    ],
)
def test_frames_that_cannot_be_encoded_say_why(frame, complaint):
    with pytest.raises(FrameError, match=complaint):
        encode_frame(frame)

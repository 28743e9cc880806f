"""MIDI bytes to USB-MIDI 1.0 event packets (table 4-1) and back through mido."""

import mido
import pytest

from keycomposer.emulator.usb_midi import MidiBytesError, PacketDecoder, packets_from_bytes, split_messages


@pytest.mark.parametrize(
    "midi, packets",
    [
        ("90 3C 64", "09 90 3C 64"),
        ("81 3D 40", "08 81 3D 40"),
        ("A2 3E 01", "0A A2 3E 01"),
        ("B3 07 7F", "0B B3 07 7F"),
        ("C4 05", "0C C4 05 00"),
        ("D5 06", "0D D5 06 00"),
        ("E6 00 40", "0E E6 00 40"),
        ("F1 12", "02 F1 12 00"),
        ("F2 01 02", "03 F2 01 02"),
        ("F3 04", "02 F3 04 00"),
        ("F6", "05 F6 00 00"),
        ("F8", "0F F8 00 00"),
        ("FA", "0F FA 00 00"),
        ("FC", "0F FC 00 00"),
        ("F0 F7", "06 F0 F7 00"),
        ("F0 01 F7", "07 F0 01 F7"),
        ("F0 01 02 F7", "04 F0 01 02 05 F7 00 00"),
        ("F0 7E 7F 06 01 F7", "04 F0 7E 7F 07 06 01 F7"),
        ("F0 01 02 03 04 F7", "04 F0 01 02 07 03 04 F7"),
        ("F0 01 02 03 04 05 F7", "04 F0 01 02 04 03 04 05 05 F7 00 00"),
    ],
)
def test_each_kind_of_message_gets_its_code_index_number(midi, packets):
    assert packets_from_bytes(bytes.fromhex(midi)) == bytes.fromhex(packets)


@pytest.mark.parametrize("length", range(0, 10))
def test_sysex_of_any_length_comes_back_whole(length):
    data = bytes(range(1, length + 1))
    message = mido.Message("sysex", data=data)
    decoded = PacketDecoder().feed(packets_from_bytes(bytes(message.bytes())))
    assert decoded == [message]


def test_a_stream_of_messages_comes_back_in_order():
    messages = [
        mido.Message("note_on", channel=3, note=60, velocity=100),
        mido.Message("clock"),
        mido.Message("control_change", channel=1, control=7, value=99),
        mido.Message("sysex", data=(0x7D, 0x4B, 0x01)),
        mido.Message("pitchwheel", channel=0, pitch=-8192),
        mido.Message("program_change", channel=15, program=127),
    ]
    data = b"".join(bytes(m.bytes()) for m in messages)
    assert PacketDecoder().feed(packets_from_bytes(data)) == messages


def test_reserved_code_index_numbers_are_dropped_and_counted():
    decoder = PacketDecoder()
    assert decoder.feed(bytes.fromhex("00 90 3C 64  01 90 3C 64  09 90 3C 64")) == [
        mido.Message("note_on", note=60, velocity=100)
    ]
    assert decoder.dropped == 2


@pytest.mark.parametrize(
    "midi, complaint",
    [
        ("3C 64", "byte 0 .0x3C. is data with no status byte"),
        ("90 3C", "wants 2 data bytes"),
        ("90 3C 80", "wants 2 data bytes"),
        ("F0 01 02", "has no F7 end"),
        ("F0 01 90 F7", "carries a status byte"),
        ("F4", "not a MIDI status byte"),
    ],
)
def test_bytes_that_are_not_whole_messages_are_refused(midi, complaint):
    with pytest.raises(MidiBytesError, match=complaint):
        split_messages(bytes.fromhex(midi))

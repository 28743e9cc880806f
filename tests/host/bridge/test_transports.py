"""Transports: the serial one over a pseudo-terminal pair, as a UART keyboard would appear."""

import os
import tty

import mido
import pytest

from keycomposer.device.transport import SerialTransport, TransportError


@pytest.fixture
def serial_pair():
    keyboard_side, host_side = os.openpty()
    tty.setraw(keyboard_side)
    tty.setraw(host_side)
    yield keyboard_side, os.ttyname(host_side)
    os.close(keyboard_side)


def test_midi_bytes_from_the_keyboard_arrive_as_messages_and_garbage_is_skipped(serial_pair):
    keyboard, path = serial_pair
    transport = SerialTransport(path)
    try:
        os.write(keyboard, bytes([0x90, 60, 100]) + bytes([0x45, 0x12]) + bytes([0x80, 60, 64]))
        messages = [m for _, m in transport.receive(0.2)]
        assert [(m.type, m.note) for m in messages] == [("note_on", 60), ("note_off", 60)]
        transport.send(mido.Message("sysex", data=(0x7D, 0x4B, 0x01)))
        assert os.read(keyboard, 16) == bytes([0xF0, 0x7D, 0x4B, 0x01, 0xF7])
    finally:
        transport.close()


def test_a_missing_serial_port_is_a_transport_error():
    with pytest.raises(TransportError, match="cannot open serial port"):
        SerialTransport("/dev/no-such-keyboard")

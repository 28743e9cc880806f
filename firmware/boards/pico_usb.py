"""The pico's USB-MIDI interface over micropython-lib's usb-device-midi, through its public API only.

Kept out of boards/pico.py so that a keyboard whose usb-device-midi is missing still starts far enough to
say so: boards/pico.py imports this module inside its start-up `try`, and a missing package blinks the
power LED with the reason on the serial console instead of dying at import.

Public API used (usb/device/midi.py): MIDIInterface(rxlen, txlen), is_open(), the on_midi_event callback,
send_event(cin, midi0, midi1, midi2) -> False when its transmit buffer is full; and usb.device.get().init.
"""

import time

import usb.device
from micropython import const
from usb.device.midi import MIDIInterface

from boards.packet_ring import PacketRing

# usb-device-midi defaults to 16-byte buffers (4 packets). A ten-finger seventh chord is 40 note-ons,
# plus clock, pitch bend and CCs in the same millisecond: 64 packets out. In: a settings SysEx of a few
# dozen bytes arrives as 3 data bytes per packet.
USB_TX_BYTES = const(256)
USB_RX_BYTES = const(128)
# Received packets wait here for midi_receive(); the core drains it every tick. Power of two: index mask.
_RX_RING_BYTES = const(512)
# send_event is Python (a buffer slice, an interrupt-masked update and a transfer check per packet): on
# a cost model of the library, about 150 us a packet on the RP2040 (tools/bench/scan_tick.py). Packets go
# out while the scan tick (1000 us) has used less than this; one always goes, and the rest wait in the
# core for the next tick, so a burst (a ten-finger chord) is spread over ticks instead of overrunning one.
SEND_UNTIL_US = const(600)


class KeyboardMidi(MIDIInterface):
    """USB-MIDI interface that moves whole event packets between the USB buffers and the core."""

    def __init__(self) -> None:
        super().__init__(rxlen=USB_RX_BYTES, txlen=USB_TX_BYTES)
        self._received = PacketRing(_RX_RING_BYTES)
        self.tick_started_us = time.ticks_us()  # set by the board at every scan tick

    @property
    def rx_overflows(self) -> int:
        return self._received.overflows

    def on_midi_event(self, cin: int, midi0: int, midi1: int, midi2: int) -> None:
        # Runs in scheduled USB context: copy four bytes, allocate nothing. usb-device-midi has
        # already split off the cable number (always 0 here), so the header byte is the CIN.
        self._received.put(cin, midi0, midi1, midi2)

    def receive_packets(self, buf) -> int:
        return self._received.take_into(buf)

    def send_packets(self, packets, n: int) -> int:
        """Hand packets[0:n] to usb-device-midi; returns the bytes it took (board contract)."""
        if not self.is_open():
            # Unplugged, or not configured yet: nobody reads. Take nothing, so the core keeps the
            # note-offs it owes for when a host is back (firmware/PROTOCOL.md, "Outgoing queue").
            return 0
        started = self.tick_started_us
        sent = 0
        while sent < n:
            if sent and time.ticks_diff(time.ticks_us(), started) >= SEND_UNTIL_US:
                break  # this tick's time is spent: the rest goes next tick
            # The cable number is 0, so the packet's header byte is its CIN, as send_event wants it.
            if not self.send_event(packets[sent], packets[sent + 1], packets[sent + 2], packets[sent + 3]):
                break  # its transmit buffer is full: the rest waits in the core
            sent += 4
        return sent


def start_usb(serial_number, manufacturer, product, vid, pid):
    """Register the MIDI interface with the USB stack and return it."""
    midi = KeyboardMidi()
    # builtin_driver=True keeps the USB serial REPL beside MIDI, so mpremote can still update files.
    usb.device.get().init(
        midi,
        builtin_driver=True,
        manufacturer_str=manufacturer,
        product_str=product,
        serial_str=serial_number,
        id_vendor=vid,
        id_product=pid,
    )
    return midi

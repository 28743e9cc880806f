"""The pico's USB-MIDI interface over micropython-lib's usb-device-midi, through public APIs only.

Kept out of boards/pico.py so that a keyboard whose usb-device-midi is missing still starts far enough to
say so: boards/pico.py imports this module inside its start-up `try`, and a missing package blinks the
power LED with the reason on the serial console instead of dying at import.

APIs used: usb-device-midi's MIDIInterface(rxlen, txlen), its on_midi_event callback and `ep_in` (the
IN endpoint its desc_cfg assigns); usb-device's Interface API for drivers: submit_xfer(ep, data,
done_cb) and the on_open / on_reset callbacks (which tell when the host has configured the device and
when a bus reset has cancelled what was on its way); and usb.device.get().init.

Sending: MIDIInterface.send_event costs a Python call chain per packet (a buffer slice, an
interrupt-masked update, a transfer check and submit): about 600 us a packet on the RP2040 by
tools/bench/scan_tick.py's estimate on a cost model, too much for a 1 ms scan tick that sends a chord.
So the whole chunk the core offers (up to 16 packets, 64 bytes: one full-speed bulk packet) goes out as
one transfer on the MIDI IN endpoint, through the same Interface.submit_xfer the library's send_event
ends in: one transfer's cost for the lot (about 420 us by the same estimate).
"""

import time

import usb.device
from micropython import const
from usb.device.midi import MIDIInterface

from boards.packet_ring import PacketRing

# What usb-device-midi allocates for its own buffers: its transmit buffer goes unused (packets go out
# as transfers of our own), the receive one takes what the host sends. In: a settings SysEx of a few
# dozen bytes arrives as 3 data bytes per packet.
USB_TX_BYTES = const(16)
USB_RX_BYTES = const(128)
# One transfer carries at most this much: what the core offers at once (core/usbmidi.py TX_CHUNK_PACKETS)
# and one full-speed bulk packet. While it is on its way nothing more is taken: the rest waits in the core.
OUT_BYTES = const(64)
# Received packets wait here for midi_receive(); the core drains it every tick. Power of two: index mask.
_RX_RING_BYTES = const(512)
# A transfer is submitted only while the scan tick (1000 us) has used less than this: a tick whose own
# work ran long leaves its packets for the next tick, which sends them whatever its own work. A safety
# net: the core offers packets only on a tick that does little else (boards/pico.py
# sending_needs_its_own_tick), estimated at about 700 us with the send (tools/bench/scan_tick.py).
SEND_UNTIL_US = const(600)


class KeyboardMidi(MIDIInterface):
    """USB-MIDI interface that moves whole event packets between the USB stack and the core."""

    def __init__(self) -> None:
        super().__init__(rxlen=USB_RX_BYTES, txlen=USB_TX_BYTES)
        self._received = PacketRing(_RX_RING_BYTES)
        self.tick_started_us = time.ticks_us()  # set by the board at every scan tick
        self.send_until_us = SEND_UNTIL_US  # (a benchmark scales it to the machine it runs on)
        self._out = bytearray(OUT_BYTES)
        # A view of the first 4 * k bytes for every packet count k: submitting allocates nothing.
        self._views = [memoryview(self._out)[0 : 4 * k] for k in range(OUT_BYTES // 4 + 1)]
        # Bytes of the last transfer not yet known to have reached the host: a bus reset cancels a
        # transfer without calling back, so these go again once the host is back (note-offs among them).
        self._unconfirmed = 0
        self._in_flight = False  # a transfer is on its way (until its completion callback or a bus reset)
        self._ready = False  # the host has configured the device (on_open) and not reset it since
        self._deferred = False  # the last tick left its packets for this one
        self._done = self._transferred  # the bound method, made once: submitting allocates nothing

    def on_open(self) -> None:
        super().on_open()
        self._ready = True

    def on_reset(self) -> None:
        # Unplugged, or reset by the host: what was on its way is cancelled without a callback.
        super().on_reset()
        self._ready = False
        self._in_flight = False

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
        """Hand packets[0:n] to the USB stack as one transfer; returns the bytes taken (board contract)."""
        # The clock first: on a tick whose own work ran long that is all this call costs.
        spent = time.ticks_diff(time.ticks_us(), self.tick_started_us) >= self.send_until_us
        if spent and not self._deferred:
            self._deferred = True  # this tick's time is spent: its packets go next tick
            return 0
        ep = self.ep_in
        if not self._ready or self._in_flight or ep is None:
            # Unplugged or not configured (nobody reads: the core keeps the note-offs it owes for when
            # a host is back, firmware/PROTOCOL.md "Outgoing queue"), or the last transfer is still on
            # its way: take nothing.
            return 0
        if self._unconfirmed:
            self._submit(ep, self._unconfirmed)  # cancelled by a bus reset: the same bytes again, first
            return 0
        self._deferred = False
        if n > OUT_BYTES:
            n = OUT_BYTES
        out = self._out
        if len(packets) == OUT_BYTES:
            # Copied in C, allocating nothing (the core's chunk is this size): bytecode builds this slice on
            # the stack, machine code (@micropython.native) would allocate it, so this stays bytecode.
            out[0:OUT_BYTES] = packets
        else:
            for i in range(n):
                out[i] = packets[i]
        n &= ~3
        # self._submit(ep, n), written out: this is every sending tick's
        self._unconfirmed = n
        self._in_flight = True
        try:
            self.submit_xfer(ep, self._views[n >> 2], self._done)
        except (OSError, RuntimeError):
            self._in_flight = False
        return n

    def _submit(self, ep: int, nbytes: int) -> None:
        self._unconfirmed = nbytes
        self._in_flight = True  # first: the completion callback may run before submit_xfer returns
        try:
            self.submit_xfer(ep, self._views[nbytes >> 2], self._done)
        except (OSError, RuntimeError):
            self._in_flight = False  # not queued (the host went away meanwhile): sent again later

    def _transferred(self, ep: int, result: int, nbytes: int) -> None:
        # The USB stack's completion callback (scheduled context): the host has the bytes, or (result
        # not 0) the transfer failed and the same bytes go again.
        self._in_flight = False
        if result == 0:
            self._unconfirmed = 0


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

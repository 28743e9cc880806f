# Fake micropython-lib `usb.device.midi.MIDIInterface` with the usb-device Interface methods the firmware
# uses: same constructor, open state, `ep_in`, is_open(), xfer_pending(ep) and submit_xfer(ep, data,
# done_cb) as the library (submit raises RuntimeError when not open or a transfer is pending, and one
# transfer at a time per endpoint). The test plays the host: host_reads() completes the pending IN
# transfer and returns its bytes; bus_reset() cancels it without a callback, as a USB reset does.
# send_event is left out on purpose: the firmware sends whole transfers (boards/pico_usb.py).

EP_IN = 0x83


class MIDIInterface:
    def __init__(self, rxlen=16, txlen=16):
        self.rxlen = rxlen
        self.txlen = txlen
        self._open = False
        self.ep_in = None  # set when the host configures the device, as desc_cfg does
        self._pending = None  # the data of the IN transfer on its way (no tuple: submitting allocates nothing)
        self._pending_cb = None
        self.transfers = 0

    def is_open(self):
        return self._open

    def on_open(self):
        self._open = True
        self.ep_in = EP_IN

    def on_reset(self):
        self._open = False

    def xfer_pending(self, ep):
        assert ep == EP_IN
        return self._pending is not None

    def submit_xfer(self, ep, data, done_cb=None):
        if not self._open:
            raise RuntimeError("Not open")
        if self._pending is not None:
            raise RuntimeError("xfer_pending")
        assert ep == EP_IN
        self._pending = data
        self._pending_cb = done_cb
        self.transfers += 1

    def host_reads(self):
        """The host takes the pending transfer: its bytes, and the completion callback runs."""
        if self._pending is None:
            return b""
        data, done_cb = self._pending, self._pending_cb
        self._pending = None
        sent = bytes(data)
        if done_cb:
            done_cb(EP_IN, 0, len(sent))
        return sent

    def bus_reset(self):
        """USB reset (unplugged): the pending transfer is cancelled, no callback, the interface closes."""
        self._pending = None
        self.on_reset()

    def on_midi_event(self, cin, midi0, midi1, midi2):
        pass

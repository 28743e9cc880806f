# Cost model of usb-device-midi's MIDIInterface send path (see ../../README.md). Not the library.

_irq_state = set()
_disable_irq = _irq_state.copy  # a cheap native call standing in for machine.disable_irq()
_enable_irq = _irq_state.discard  # ... and machine.enable_irq(state)
_usb_stack = set()
_submit_native = _usb_stack.discard  # standing in for the USB stack's native transfer submit


class _TxBuffer:
    def __init__(self, length):
        self._b = memoryview(bytearray(length))
        self._n = 0  # bytes waiting for the host
        self._w = length

    def readable(self):
        return self._n

    def pend_write(self):
        self._w = self._n
        return self._b[self._w : len(self._b)]  # a new memoryview: one heap block per call

    def finish_write(self, nbytes):
        state = _disable_irq()
        try:
            if self._n == self._w:
                self._n += nbytes
        finally:
            _enable_irq(state)

    def pend_read(self):
        return self._b[: self._n]

    def finish_read(self, nbytes):
        state = _disable_irq()
        try:
            self._n -= nbytes
        finally:
            _enable_irq(state)


class MIDIInterface:
    def __init__(self, rxlen=16, txlen=16):
        self._tx = _TxBuffer(txlen)
        self._open = True
        self._pending = {}
        self.ep_in = 0x81

    def is_open(self):
        return self._open

    def xfer_pending(self, ep):
        return bool(self._pending.get(ep))

    def submit_xfer(self, ep, data, done_cb):
        if not self._open:
            raise RuntimeError("Not open")
        self._pending[ep] = done_cb
        _submit_native(data)

    def send_event(self, cin, midi0, midi1=0, midi2=0):
        w = self._tx.pend_write()
        if len(w) < 4:
            return False
        w[0] = cin
        w[1] = midi0
        w[2] = midi1
        w[3] = midi2
        self._tx.finish_write(4)
        self._tx_xfer()
        return True

    def _tx_xfer(self):
        if self.is_open() and not self.xfer_pending(self.ep_in) and self._tx.readable():
            self.submit_xfer(self.ep_in, self._tx.pend_read(), self._tx_cb)

    def _tx_cb(self, ep, res, num_bytes):
        self._pending[ep] = None
        if res == 0:
            self._tx.finish_read(num_bytes)
        self._tx_xfer()

    def host_took_everything(self):
        """The host read the pending transfer: its completion callback runs (as scheduled on the pico)."""
        callback = self._pending.get(self.ep_in)
        if callback is not None:
            callback(self.ep_in, 0, self._tx.readable())

    def on_midi_event(self, cin, midi0, midi1, midi2):
        pass

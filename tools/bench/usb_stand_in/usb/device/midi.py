# Cost model of micropython-lib's usb-device / usb-device-midi transmit path (see ../../README.md). Not
# the library: the same kinds of work, written anew from reading it.

_irq_state = set()
_disable_irq = _irq_state.copy  # a cheap native call standing in for machine.disable_irq()
_enable_irq = _irq_state.discard  # ... and machine.enable_irq(state)
_usb_stack = set()
_submit_native = _usb_stack.discard  # standing in for machine.USBDevice.submit_xfer (native)


class _Device:
    """usb.device's singleton: endpoint -> interface and endpoint -> pending callback, in dicts."""

    def __init__(self):
        self._eps = {}
        self._ep_cbs = {}

    def _submit_xfer(self, ep_addr, data, done_cb=None):
        if ep_addr not in self._eps:
            raise ValueError("ep_addr")
        if self._ep_cbs[ep_addr]:
            raise RuntimeError("xfer_pending")
        self._ep_cbs[ep_addr] = done_cb or True
        return _submit_native(data)

    def _xfer_cb(self, ep_addr, result, xferred_bytes):
        cb = self._ep_cbs.get(ep_addr, None)
        self._ep_cbs[ep_addr] = None
        if callable(cb):
            cb(ep_addr, result, xferred_bytes)


_dev = _Device()


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


_next_ep = [0x81]


class MIDIInterface:
    def __init__(self, rxlen=16, txlen=16):
        self._tx = _TxBuffer(txlen)
        self._open = True
        self.ep_in = _next_ep[0]  # an endpoint each: the benchmark runs several keyboards side by side
        _next_ep[0] += 1
        _dev._eps[self.ep_in] = self
        _dev._ep_cbs[self.ep_in] = None

    # usb-device's Interface: what a driver calls, and the callbacks it overrides.
    def is_open(self):
        return self._open

    def on_open(self):
        self._open = True

    def on_reset(self):
        self._open = False

    def xfer_pending(self, ep_addr):
        return _dev and bool(_dev._ep_cbs[ep_addr])

    def submit_xfer(self, ep_addr, data, done_cb=None):
        if not self._open:
            raise RuntimeError("Not open")
        _dev._submit_xfer(ep_addr, data, done_cb)

    # usb-device-midi's own send path: a packet a call.
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
        if res == 0:
            self._tx.finish_read(num_bytes)
        self._tx_xfer()

    def host_took_everything(self):
        """The host read the pending IN transfer: its completion callback runs (scheduled, on the pico)."""
        if _dev._ep_cbs[self.ep_in]:
            _dev._xfer_cb(self.ep_in, 0, 64)

    def on_midi_event(self, cin, midi0, midi1, midi2):
        pass

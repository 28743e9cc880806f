# Fake micropython-lib `usb.device.midi.MIDIInterface`: same constructor, open state and public
# send_event as the library (which queues even while the port is closed, and returns False when its
# transmit buffer is full), with a transmit buffer the test can drain as the host would.


class _TxBuffer:
    def __init__(self, length):
        self.data = bytearray(length)
        self.used = 0

    def writable(self):
        return len(self.data) - self.used

    def write(self, w):
        n = min(len(w), self.writable())
        self.data[self.used:self.used + n] = w[:n]
        self.used += n
        return n

    def host_reads(self):
        sent = bytes(self.data[:self.used])
        self.used = 0
        return sent


class MIDIInterface:
    def __init__(self, rxlen=16, txlen=16):
        self.rxlen = rxlen
        self.txlen = txlen
        self._tx = _TxBuffer(txlen)
        self._open = False
        self.transfers_started = 0

    def is_open(self):
        return self._open

    def on_open(self):
        self._open = True

    def _tx_xfer(self):
        self.transfers_started += 1

    def send_event(self, cin, midi0, midi1=0, midi2=0):
        if self._tx.writable() < 4:
            return False
        self._tx.write(bytes((cin, midi0, midi1, midi2)))
        self._tx_xfer()
        return True

    def on_midi_event(self, cin, midi0, midi1, midi2):
        pass

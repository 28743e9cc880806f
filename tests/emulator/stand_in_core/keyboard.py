"""A stand-in for firmware/core/keyboard.py that shows the tests what the emulator board shows it.

It speaks raw USB-MIDI packets whose bytes are chosen to be easy to check, not musical:
- at boot: a SysEx with the unique id as 16 nibbles and the pedal level it read, and a file `booted.txt`
  written to the current directory (the emulator's flash);
- a switch that changes: a packet 09 90 <row * 9 + col> <1 closed, 0 open>;
- an ADC reading that changes: 0B <B0 + channel> <value >> 9> <(value >> 2) & 7F>;
- the pedal level changing: 0B B0 40 <level>;
- while the chord button (row 1, col 8) is held: every tick, 0F and now_us in three 7-bit bytes;
- the playback button (row 4, col 8) pressed: 100 packets 0F F8 00 00, offered 8 at a time (backpressure);
- the arp button (row 0, col 8) lights the arp LED while held;
- the record button (row 5, col 8) closed: board.fault("record pressed");
- while the tap tempo button (row 6, col 8) is held: tick raises RuntimeError;
- packets from the host come straight back.
"""

import pins



class Keyboard:
    def __init__(self, board, now_us):
        self.board = board
        self.rows = [0] * pins.N_ROWS
        self.seen = [0] * pins.N_ROWS
        self.adc = [board.read_adc(channel) for channel in range(3)]
        self.pedal = board.read_pedal()
        self.backlog = bytearray()
        self.rx = bytearray(64)
        board.set_led(pins.LED_POWER, True)
        with open("booted.txt", "w") as f:
            f.write("booted at %d\n" % now_us)
        uid = board.unique_id()
        sysex = bytearray([0xF0])
        for byte in uid:
            sysex.append(byte >> 4)
            sysex.append(byte & 0x0F)
        sysex.append(1 if self.pedal else 0)
        sysex.append(0xF7)
        # 19 bytes: six packets of three (CIN 4) and one end packet with one byte (CIN 5).
        for i in range(0, 18, 3):
            self.queue(0x04, sysex[i], sysex[i + 1], sysex[i + 2])
        self.queue(0x05, sysex[18], 0, 0)
        self.flush()

    def queue(self, a, b, c, d):
        self.backlog.extend(bytes((a, b, c, d)))

    def flush(self):
        while self.backlog:
            n = min(32, len(self.backlog))
            if not self.board.midi_send(self.backlog, n):
                return
            self.backlog = self.backlog[n:]

    def tick(self, now_us):
        board = self.board
        board.read_matrix(self.rows)
        for row in range(pins.N_ROWS):
            changed = self.rows[row] ^ self.seen[row]
            for col in range(pins.N_COLS):
                if changed & (1 << col):
                    closed = 1 if self.rows[row] & (1 << col) else 0
                    self.queue(0x09, 0x90, row * pins.N_COLS + col, closed)
                    self.on_switch(row, col, closed)
            self.seen[row] = self.rows[row]
        for channel in range(3):
            value = board.read_adc(channel)
            if value != self.adc[channel]:
                self.adc[channel] = value
                self.queue(0x0B, 0xB0 + channel, value >> 9, (value >> 2) & 0x7F)
        pedal = board.read_pedal()
        if pedal != self.pedal:
            self.pedal = pedal
            self.queue(0x0B, 0xB0, 0x40, 1 if pedal else 0)
        if self.seen[1] & (1 << 8):
            self.queue(0x0F, (now_us >> 14) & 0x7F, (now_us >> 7) & 0x7F, now_us & 0x7F)
        n = board.midi_receive(self.rx)
        if n:
            self.backlog.extend(self.rx[:n])
        self.flush()
        if self.seen[6] & (1 << 8):
            raise RuntimeError("stand-in fault")

    def on_switch(self, row, col, closed):
        if (row, col) == (0, 8):
            self.board.set_led(pins.LED_ARP, closed == 1)
        elif (row, col) == (4, 8) and closed:
            for _ in range(100):
                self.queue(0x0F, 0xF8, 0, 0)
        elif (row, col) == (5, 8) and closed:
            self.board.fault("record pressed")

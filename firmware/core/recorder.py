"""Record and playback on the keyboard: the record and playback buttons, the record LED.

Record captures every channel message the keyboard sends while it runs (notes with their velocity, the
wheels, slider and pedal, panics), stamped with its time since the record button was pressed, for at
most 8 bars at the current tempo. Playback sends the take again on the current channel, each message at
the same time after the playback button as it had after the record button (scans are 1 ms, so the
timing holds to the scan tick), with the MIDI clock (core/midi_clock.py) running meanwhile. The record
LED is on while a take records.

Takes live in two preallocated buffers: recording goes into the spare one, and the new take replaces the
old only when it is finished (record pressed again, 8 bars reached, or the buffer full), so the old take
can still be played while a new one is recorded. A take never ends with a note on: room for every note
the take has sounding is kept free, and a take that ends early gets their note-offs at its end (and the
sustain pedal up and the bend centred, if it had them otherwise). Playback remembers the notes it started,
the pedal and the bend, and stopping it (the playback button, a panic, the end of the take) ends them.

Capacity: TAKE_EVENTS = 2048 messages a take (10 KB, twice: 20 KB of RAM, allocated before anything
else at boot: core/take_buffers.py). Eight bars of four-note
chords on every 16th note at 120 BPM are 1024 messages (on and off for each note), which leaves half the
buffer for the wheels (a full sweep of the pitch wheel is about 700 bends).
"""

import pins
from core.compat import const, micropython, ticks_diff
from core.feature import Feature
from core.midi_clock import USER_PLAYBACK
from core.sysex import GENERATE_REQUEST, RECORD_STATE
from core.take_buffers import TAKE_EVENTS, claim

TAKE_BARS = const(8)
_BEATS_PER_BAR = const(4)
# One event: time in ms since the take began (16 bits, big-endian: 8 bars at 30 BPM are 64000 ms), the
# status byte's high nibble (the channel is the one current at playback), the two data bytes.
_EVENT_BYTES = const(5)  # core/take_buffers.py EVENT_BYTES, as a private const for the hot loops
_NOTE_OFF = const(0x80)
_NOTE_ON = const(0x90)
_CONTROL_CHANGE = const(0xB0)
_PITCH_BEND = const(0xE0)
_RELEASE_VELOCITY = const(0x40)
_CC_SUSTAIN = const(64)
_BEND_CENTRE_MSB = const(0x40)  # 8192: LSB 00, MSB 40
# Kept free at the end of every take: the pedal's release and the bend's return to centre.
_END_RESERVE = const(2)


def _held(keyboard, button):
    """Whether ``button`` is down now (debounced), whatever order this scan reports its switches in."""
    position = pins.BUTTON_POS[button]
    return keyboard.debouncer.debounced[position // pins.N_COLS] >> (position % pins.N_COLS) & 1


def tempo_bpm(keyboard):
    """The tempo the take's 8 bars are counted in: the tap tempo's (core/tempo.py)."""
    return keyboard.tempo.bpm


class RecorderFeature(Feature):
    NAME = "recorder"

    def __init__(self, keyboard):
        self._keyboard = keyboard  # the tap needs its clock (keyboard.now_us) and its record LED
        self._buffers = claim()  # allocated first thing at boot (core/take_buffers.py)
        self._take = 0  # the buffer holding the finished take (the one playback plays)
        self.take_events = 0  # events in the finished take (0: nothing recorded yet)
        self.take_length_ms = 0
        self.takes_finished = 0
        # Recording, into the spare buffer.
        self.recording = False
        self._recorded = 0
        self._record_started = 0
        self._record_limit_us = 0
        self._held = bytearray(128)  # notes the take being recorded has sounding
        self._held_count = 0
        self._take_sustain = False  # the take being recorded has the sustain pedal down
        self._take_bent = False  # ... and the pitch bend away from centre
        # Playing the finished take.
        self.playing = False
        self.ticking = self.recording or self.playing  # before_scan has work
        self._play_buffer = 0
        self._play_events = 0
        self._play_length_ms = 0
        self._next = 0
        self._play_started = 0
        self._sounding = bytearray(128)  # notes playback started and has not ended
        self._sending = False  # playback's own messages are not recorded
        self._play_sustain = False  # playback has sent sustain down (and not up)
        self._play_bent = False  # playback has sent a bend away from centre

    def boot(self, keyboard, now_us):
        # The queue's tap is set only while a take records: otherwise every message sent would cost a
        # call that returns at once. Made once: setting it allocates nothing.
        self._capture = self.capture

    @micropython.native
    def before_scan(self, keyboard, now_us):
        if self.recording and ticks_diff(now_us, self._record_started) >= self._record_limit_us:
            self._finish_take()
        if self.playing:
            self._play_due(keyboard, now_us)

    def on_switch(self, keyboard, kind, button, closed, now_us):
        if kind != pins.SWITCH_BUTTON:
            return
        if not closed:
            return
        if button == pins.BUTTON_PLAYBACK and _held(keyboard, pins.BUTTON_TAP_TEMPO):
            # Tap tempo held + playback: standalone generate. The host bridge answers by running its
            # model on the last take; the keyboard itself plays nothing.
            keyboard.sysex.send_notice(GENERATE_REQUEST)
            return
        if button == pins.BUTTON_RECORD:
            if self.recording:
                self._finish_take()
            else:
                self._start_take(keyboard, now_us)
        elif button == pins.BUTTON_PLAYBACK:
            if self.playing:
                self.stop_playback(keyboard, now_us)
            elif self.take_events:
                self.playing = True
                self.ticking = self.recording or self.playing  # before_scan has work
                self._play_buffer = self._take
                self._play_events = self.take_events
                self._play_length_ms = self.take_length_ms
                self._next = 0
                self._play_started = now_us
                keyboard.clock.start(keyboard, now_us, USER_PLAYBACK)  # MIDI clock runs while it plays
                self._play_due(keyboard, now_us)  # what the take had at 0 ms goes out in this scan

    def on_panic(self, keyboard):
        if self.playing:
            # The panic has already ended every note (and cleared the reference counts).
            for note in range(128):
                self._sounding[note] = 0
            self.stop_playback(keyboard, keyboard.now_us)

    # Recording -----------------------------------------------------------------------------------

    def _start_take(self, keyboard, now_us):
        if self.playing and self._play_buffer != self._take:
            # Still playing the take before last, from the buffer this take is about to fill.
            self.stop_playback(keyboard, now_us)
        self.recording = True
        self.ticking = self.recording or self.playing  # before_scan has work
        keyboard.tx.tap = self._capture
        self._recorded = 0
        self._record_started = now_us
        self._record_limit_us = TAKE_BARS * _BEATS_PER_BAR * (60000000 // tempo_bpm(keyboard))
        for note in range(128):
            self._held[note] = 0
        self._held_count = 0
        self._take_sustain = False
        self._take_bent = False
        keyboard.set_led(pins.LED_RECORD, True)
        keyboard.sysex.send_notice(RECORD_STATE, 1)

    def capture(self, status, data1, data2):
        """TxQueue's tap: a channel message is going out."""
        if not self.recording or self._sending:
            return
        kind = status & 0xF0
        # Room for this event, for a note-on its note-off, and the end's pedal up and bend centre: a full
        # buffer ends the take cleanly.
        need = 2 if kind == _NOTE_ON else 1
        if self._recorded + self._held_count + _END_RESERVE + need > TAKE_EVENTS:
            self._finish_take()
            return
        if kind == _NOTE_ON:
            if not self._held[data1]:
                self._held[data1] = 1
                self._held_count += 1
        elif kind == _NOTE_OFF:
            if not self._held[data1]:
                return  # began before the take: its note-on is not in it
            self._held[data1] = 0
            self._held_count -= 1
        elif kind == _CONTROL_CHANGE:
            if data1 == _CC_SUSTAIN:
                self._take_sustain = data2 >= 64
        elif kind == _PITCH_BEND:
            self._take_bent = data1 != 0 or data2 != _BEND_CENTRE_MSB
        self._put(ticks_diff(self._keyboard.now_us, self._record_started) // 1000, kind, data1, data2)

    def _put(self, time_ms, kind, data1, data2):
        buffer = self._buffers[1 - self._take]
        at = self._recorded * _EVENT_BYTES
        buffer[at] = time_ms >> 8
        buffer[at + 1] = time_ms & 0xFF
        buffer[at + 2] = kind
        buffer[at + 3] = data1
        buffer[at + 4] = data2
        self._recorded += 1

    def _finish_take(self):
        elapsed_ms = ticks_diff(self._keyboard.now_us, self._record_started) // 1000
        limit_ms = self._record_limit_us // 1000
        if elapsed_ms > limit_ms:
            elapsed_ms = limit_ms
        for note in range(128):
            if self._held[note]:
                self._held[note] = 0
                self._put(elapsed_ms, _NOTE_OFF, note, _RELEASE_VELOCITY)
        self._held_count = 0
        if self._take_sustain:
            self._put(elapsed_ms, _CONTROL_CHANGE, _CC_SUSTAIN, 0)
        if self._take_bent:
            self._put(elapsed_ms, _PITCH_BEND, 0, _BEND_CENTRE_MSB)
        self.recording = False
        self.ticking = self.recording or self.playing  # before_scan has work
        self._keyboard.tx.tap = None
        # The new take replaces the old one now, and not before. A playback of the old one goes on
        # from its own buffer to its end.
        self._take = 1 - self._take
        self.take_events = self._recorded
        self.take_length_ms = elapsed_ms
        self.takes_finished += 1
        self._keyboard.set_led(pins.LED_RECORD, False)
        self._keyboard.sysex.send_notice(RECORD_STATE, 0)

    # Playback ------------------------------------------------------------------------------------

    def _play_due(self, keyboard, now_us):
        elapsed_ms = ticks_diff(now_us, self._play_started) // 1000
        buffer = self._buffers[self._play_buffer]
        channel = keyboard.settings.channel
        tx = keyboard.tx
        at = self._next * _EVENT_BYTES
        self._sending = True
        refcount = keyboard.notes.refcount
        while self._next < self._play_events and (buffer[at] << 8 | buffer[at + 1]) <= elapsed_ms:
            kind = buffer[at + 2]
            note = buffer[at + 3]
            value = buffer[at + 4]
            self._next += 1
            at += _EVENT_BYTES
            # Playback holds its notes in the same reference counts as the keys (core/notes.py): a key
            # playing along on a note the take is sounding neither restarts it nor cuts it short.
            if kind == _NOTE_ON:
                if self._sounding[note]:
                    continue
                self._sounding[note] = 1
                refcount[note] += 1
                if refcount[note] != 1:
                    continue
            elif kind == _NOTE_OFF:
                if not self._sounding[note]:
                    continue
                self._sounding[note] = 0
                refcount[note] -= 1
                if refcount[note]:
                    continue
            elif kind == _CONTROL_CHANGE:
                if note == _CC_SUSTAIN:
                    self._play_sustain = value >= 64
            elif kind == _PITCH_BEND:
                self._play_bent = note != 0 or value != _BEND_CENTRE_MSB
            tx.channel_message(kind | channel, note, value)
        self._sending = False
        if self._next >= self._play_events and elapsed_ms >= self._play_length_ms:
            self.stop_playback(keyboard, now_us)

    def stop_playback(self, keyboard, now_us):
        """Stop playing; note-off for every note playback started and has not ended, then the sustain
        pedal up and the bend back to centre if playback left them otherwise."""
        channel = keyboard.settings.channel
        tx = keyboard.tx
        refcount = keyboard.notes.refcount
        self._sending = True
        for note in range(128):
            if self._sounding[note]:
                self._sounding[note] = 0
                refcount[note] -= 1
                if not refcount[note]:  # a key still holding it ends it when let go
                    tx.channel_message(_NOTE_OFF | channel, note, _RELEASE_VELOCITY)
        if self._play_sustain:
            self._play_sustain = False
            tx.channel_message(_CONTROL_CHANGE | channel, _CC_SUSTAIN, 0)
        if self._play_bent:
            self._play_bent = False
            tx.channel_message(_PITCH_BEND | channel, 0, _BEND_CENTRE_MSB)
        self._sending = False
        self.playing = False
        self.ticking = self.recording or self.playing  # before_scan has work
        keyboard.clock.stop(keyboard, now_us, USER_PLAYBACK)

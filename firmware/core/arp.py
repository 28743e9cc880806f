"""The arpeggiator: the arp button turns it on; the held keys (or their auto-chords) become a pattern
that plays one note per step, in time with the tempo (KeyStep style).

Settings (core/settings.py; also changed over SysEx): mode (core/arp_pattern.py), rate (RATE_NAMES),
gate 10..90 % of a step, swing 50..75 %, octave range 1..4. Latch is the arpeggiator's own state.

Time comes from the clock, not from the scan loop: step k is due at start + floor(k * N / D) us
(core/time_grid.py), where the step lasts N / D us (60e6 * beats / bpm), and a step goes out on the first
scan tick at or after its due time: exact to the tick (1 ms) in the emulator's virtual time, and within
one scan period on the keyboard. Swing delays every second step by (swing - 50) / 50 of a step (75 %:
the first of a pair lasts three times the second). A note sounds for `gate` % of its own step: always
ended before the next step starts.

The pattern starts, with MIDI clock (FA, F8), on the tick its first key sounds, and stops (note off, FC)
when the last key is let go, unless latch is on: then it keeps running until a new chord is played (a key
pressed when none was down) replaces it. The arp's note goes through the note tracker as one more holder
(ARP_VOICE), so every note-off is the note that was sent: turning the arp off, a new mode or octave range,
a panic never leave a note sounding.

On the keyboard itself, with no screen: hold the arp button and press a key to pick a setting (the map is
_PICK_ROWS below, and firmware/README.md); releasing the arp button without having picked anything turns the
arpeggiator on or off. While it is on, its LED blinks on the beat.
"""

import pins
from core.arp_pattern import MAX_NOTES, MODE_RANDOM, Pattern
from core.chord import UNISON
from core.compat import const, micropython, ticks_add, ticks_diff
from core.feature import Feature
from core.midi_clock import NO_LED, USER_ARP
from core.notes import MAX_NOTES_PER_KEY
from core.time_grid import TimeGrid
from core.xorshift import Xorshift16

ARP_VOICE = pins.N_KEYS  # the note tracker's holder for the arp's note, after the keys
RATE_NAMES = ("1/4", "1/8", "1/16", "1/32", "1/4T", "1/8T", "1/16T", "1/32T")
# A step's length in quarter notes, as numerator and denominator, by rate.
_RATE_BEATS = bytes((1, 1, 1, 1, 2, 1, 1, 1))
_RATE_PER = bytes((1, 2, 4, 8, 3, 3, 6, 12))
_US_PER_MINUTE = const(60000000)
# core.compat.ticks_diff, inlined in the per-tick check: ticks_diff(a, b) >= 0 when
# (a - b + _TICKS_HALF) & _TICKS_MAX >= _TICKS_HALF.
_TICKS_HALF = const(1 << 29)
_TICKS_MAX = const((1 << 30) - 1)

# Hold the arp button and press key k (the note at octave 0 in brackets) to pick:
#   0..5   (C3..F3)   mode: up, down, inclusive, exclusive, random, as played
#   7..11  (G3..B3)   gate: 10, 30, 50, 70, 90 %
#   12..19 (C4..G4)   rate: 1/4, 1/8, 1/16, 1/32, 1/4T, 1/8T, 1/16T, 1/32T
#   20..23 (G#4..B4)  swing: 50, 58, 66, 75 %
#   24..27 (C5..D#5)  octave range: 1, 2, 3, 4
#   28, 29 (E5, F5)   latch on, latch off
PICK_NONE = const(0)
PICK_MODE = const(1)
PICK_GATE = const(2)
PICK_RATE = const(3)
PICK_SWING = const(4)
PICK_OCTAVES = const(5)
PICK_LATCH = const(6)
# (first key, what the keys pick, the value each key picks, from the first key on)
_PICK_ROWS = (
    (0, PICK_MODE, (0, 1, 2, 3, 4, 5)),
    (7, PICK_GATE, (10, 30, 50, 70, 90)),
    (12, PICK_RATE, (0, 1, 2, 3, 4, 5, 6, 7)),
    (20, PICK_SWING, (50, 58, 66, 75)),
    (24, PICK_OCTAVES, (1, 2, 3, 4)),
    (28, PICK_LATCH, (1, 0)),
)


def _pick_tables():
    kinds = bytearray(pins.N_KEYS)
    values = bytearray(pins.N_KEYS)
    for first, kind, picks in _PICK_ROWS:
        for i in range(len(picks)):
            kinds[first + i] = kind
            values[first + i] = picks[i]
    return bytes(kinds), bytes(values)


PICK_KIND, PICK_VALUE = _pick_tables()  # by key: what it picks (PICK_NONE: nothing), and the value

class Arpeggiator(Feature):
    NAME = "arp"

    def __init__(self):
        self.on = False
        self.ticking = self.on  # after_scan has work only while on
        self.latch = False
        self.running = False  # a pattern is playing (and the clock runs for it)
        self._button_down = False
        self._picked = False  # a key picked a setting while the arp button was down
        # What the keys routed here hold: per key its notes, whether it is still down, the press order.
        self._key_notes = bytearray(pins.N_KEYS * MAX_NOTES_PER_KEY)
        self._key_count = bytearray(pins.N_KEYS)
        self._key_down = bytearray(pins.N_KEYS)
        self._n_down = 0
        self._order = bytearray(pins.N_KEYS)  # keys with notes, oldest press first
        self._n_order = 0
        self._velocity = bytearray(128)  # the velocity each held note was played with
        self._seen = bytearray(128)  # scratch: notes already collected
        self._played = bytearray(MAX_NOTES)
        self._pattern = Pattern()
        self._length = 0  # steps in the pattern's cycle: 0 when nothing is held
        self._changed = False  # the held notes changed: the pattern is rebuilt before the next step
        self._mode = -1
        self._octaves = 0
        self._rate = -1
        self._bpm = 0
        self._position = 0  # the pattern's next step
        self._grid = TimeGrid()
        self._sounding = False
        self._off_due = 0
        self._next_at = 0  # the next thing to do while running: a note-off or a step
        self._random = Xorshift16()
        self._keyboard = None

    def boot(self, keyboard, now_us):
        self._keyboard = keyboard

    # The keys' notes come here (keyboard.key_target) while the arp is on or its button is down ----

    def hold(self, key, note, velocity):
        if self._button_down:
            self._pick(key)
            return
        if not self.on or note < 0 or note > 127:
            return  # a chord's top notes can leave the MIDI range: the tracker skips them too
        if not self._key_down[key]:
            if not self._n_down and self.latch:
                self._forget_keys()  # a new chord replaces the latched one
            self._key_down[key] = 1
            self._n_down += 1
            self._drop_key(key)
            self._order[self._n_order] = key
            self._n_order += 1
        first = key * MAX_NOTES_PER_KEY
        count = self._key_count[key]
        for i in range(first, first + count):
            if self._key_notes[i] == note:
                return
        if count < MAX_NOTES_PER_KEY:
            self._key_notes[first + count] = note
            self._key_count[key] = count + 1
            self._velocity[note] = velocity
            self._changed = True

    def hold_chord(self, key, root, intervals, velocity):
        for interval in intervals:
            self.hold(key, root + interval, velocity)

    def release(self, key):
        if not self._key_down[key]:
            return
        self._key_down[key] = 0
        self._n_down -= 1
        if not self.latch:
            self._drop_key(key)

    # Hooks ------------------------------------------------------------------------------------------

    def on_switch(self, keyboard, kind, button, closed, now_us):
        if kind != pins.SWITCH_BUTTON or button != pins.BUTTON_ARP:
            return
        if closed:
            self._button_down = True
            self._picked = False
            keyboard.key_target = self
            return
        self._button_down = False
        if not self._picked:
            self.set_on(keyboard, not self.on, now_us)
        keyboard.key_target = self if self.on else keyboard.notes

    @micropython.native
    def after_scan(self, keyboard, now_us):
        if not self.on:
            return
        if self._changed:  # keys came or went this tick
            self._rebuild(keyboard.settings)
            if not self.running:
                if self._length:
                    self._start(keyboard, now_us)
                return
            if not self._length:
                self._stop(keyboard, now_us)
                return
        if self.running and (now_us - self._next_at + _TICKS_HALF) & _TICKS_MAX >= _TICKS_HALF:
            self._service(keyboard, now_us)

    def on_panic(self, keyboard):
        # The tracker already forgot every note, the arp's among them: stop, and hold nothing.
        self._sounding = False
        self._forget_keys()
        if self.running:
            self.running = False
            keyboard.clock.stop(keyboard, keyboard.now_us, USER_ARP)

    # Services -----------------------------------------------------------------------------------------

    def set_on(self, keyboard, on, now_us):
        """Turn the arpeggiator on or off; off ends its note and the clock it runs."""
        if on == self.on:
            return
        self.on = on
        self.ticking = self.on  # after_scan has work only while on
        if not on:
            if self.running:
                self._stop(keyboard, now_us)
            self._forget_keys()
        keyboard.key_target = self if on else keyboard.notes
        clock = keyboard.clock
        clock.beat_led = pins.LED_ARP if on else NO_LED
        keyboard.set_led(pins.LED_ARP, on)
        clock.count_beats(keyboard, now_us, on)

    def set_latch(self, keyboard, latch):
        """Latch off lets go of the keys that are no longer down."""
        self.latch = latch
        if not latch:
            for key in range(pins.N_KEYS):
                if not self._key_down[key]:
                    self._drop_key(key)

    # Inside -------------------------------------------------------------------------------------------

    def _pick(self, key):
        kind = PICK_KIND[key]
        value = PICK_VALUE[key]
        keyboard = self._keyboard
        if keyboard is None:
            return  # not booted
        settings = keyboard.settings
        if kind == PICK_MODE:
            settings.arp_mode = value
        elif kind == PICK_GATE:
            settings.arp_gate = value
        elif kind == PICK_RATE:
            settings.arp_rate = value
        elif kind == PICK_SWING:
            settings.arp_swing = value
        elif kind == PICK_OCTAVES:
            settings.arp_octaves = value
        elif kind == PICK_LATCH:
            self.set_latch(keyboard, value == 1)
        else:
            return
        self._picked = True

    def _drop_key(self, key):
        if not self._key_count[key]:
            return
        self._key_count[key] = 0
        order = self._order
        n = self._n_order
        for i in range(n):
            if order[i] == key:
                for j in range(i, n - 1):
                    order[j] = order[j + 1]
                self._n_order = n - 1
                break
        self._changed = True

    def _forget_keys(self):
        for key in range(pins.N_KEYS):
            self._key_count[key] = 0
            self._key_down[key] = 0
        self._n_down = 0
        self._n_order = 0
        self._length = 0
        self._position = 0
        self._changed = True

    def _rebuild(self, settings):
        """The distinct held notes in the order they were played, then the pattern from them."""
        self._changed = False
        self._mode = settings.arp_mode
        self._octaves = settings.arp_octaves
        seen = self._seen
        played = self._played
        n = 0
        for i in range(self._n_order):
            first = self._order[i] * MAX_NOTES_PER_KEY
            for j in range(first, first + self._key_count[self._order[i]]):
                note = self._key_notes[j]
                if not seen[note] and n < MAX_NOTES:
                    seen[note] = 1
                    played[n] = note
                    n += 1
        for i in range(n):
            seen[played[i]] = 0
        self._pattern.build(self._mode, played, self._velocity, n, self._octaves)
        self._length = self._pattern.length

    def _start(self, keyboard, now_us):
        self.running = True
        self._position = 0
        self._rate = keyboard.settings.arp_rate
        self._bpm = keyboard.tempo.bpm
        rate = self._rate
        self._grid.start(now_us, _US_PER_MINUTE * _RATE_BEATS[rate], self._bpm * _RATE_PER[rate])
        keyboard.clock.start(keyboard, now_us, USER_ARP)
        self._steps_due(keyboard, keyboard.settings, now_us)

    def _service(self, keyboard, now_us):
        # Settings changed on the keyboard or over SysEx take effect here, at the arp's next event.
        settings = keyboard.settings
        if settings.arp_mode != self._mode or settings.arp_octaves != self._octaves:
            self._rebuild(settings)
            if not self._length:
                self._stop(keyboard, now_us)
                return
        if settings.arp_rate != self._rate or keyboard.tempo.bpm != self._bpm:
            self._set_period(keyboard)
        self._steps_due(keyboard, settings, now_us)

    def _stop(self, keyboard, now_us):
        self.running = False
        self._end_note(keyboard)
        keyboard.clock.stop(keyboard, now_us, USER_ARP)

    def _set_period(self, keyboard):
        # From the next step on; the steps already played keep their times.
        self._rate = keyboard.settings.arp_rate
        self._bpm = keyboard.tempo.bpm
        self._grid.set_period(_US_PER_MINUTE * _RATE_BEATS[self._rate], self._bpm * _RATE_PER[self._rate])

    def _end_note(self, keyboard):
        if self._sounding:
            self._sounding = False
            keyboard.notes.release(ARP_VOICE)

    def _swung(self, due, step, swing_delay):
        return ticks_add(due, swing_delay) if step & 1 else due

    def _steps_due(self, keyboard, settings, now_us):
        """Ends the note when its gate is over, plays the step that is due, and works out when the arp
        has something to do next (_next_at)."""
        if self._sounding and ticks_diff(now_us, self._off_due) >= 0:
            self._end_note(keyboard)
        grid = self._grid
        swing_delay = grid.period_us() * (settings.arp_swing - 50) // 50
        due = self._swung(grid.due, grid.count, swing_delay)
        if ticks_diff(now_us, due) >= 0:
            following = self._swung(grid.next_due(), grid.count + 1, swing_delay)
            while ticks_diff(now_us, following) >= 0:
                # Late after a stall (never in a healthy 1 ms scan): the steps missed are skipped.
                self._next_index()
                grid.advance()
                due = following
                following = self._swung(grid.next_due(), grid.count + 1, swing_delay)
            self._end_note(keyboard)
            index = self._next_index()
            # (hold_chord of one note: hold() would be a call more)
            keyboard.notes.hold_chord(ARP_VOICE, self._pattern.note(index), UNISON, self._pattern.velocity(index))
            self._sounding = True
            # The gate is a share of this step's own length, swing included: over before the next step.
            self._off_due = ticks_add(due, ticks_diff(following, due) * settings.arp_gate // 100)
            grid.advance()
            due = following
        if self._sounding and ticks_diff(due, self._off_due) > 0:
            self._next_at = self._off_due
        else:
            self._next_at = due

    def _next_index(self):
        """The place in the pattern's cycle of the step to play: the next one, or a random one."""
        length = self._length
        if self._mode == MODE_RANDOM:
            return self._random.below(length)
        index = self._position if self._position < length else 0
        self._position = index + 1
        return index

"""The keyboard: one scan tick reads the board, runs the features, and sends what they queued.

    keyboard = Keyboard(board, now_us)   # boot: pedal rest level, unique id, features' boot hooks
    keyboard.tick(now_us)                # about every millisecond

`board` is the duck-typed object of firmware/README.md; `now_us` wraps like time.ticks_us().
"""

from array import array

import pins
from core import counters as _counters
from core.arp import Arpeggiator
from core.buttons import ButtonsFeature
from core.compat import const, micropython, ticks_diff
from core.controls import ControlsFeature
from core.counters import Counters
from core.debounce import EVENT_CLOSED, MatrixDebouncer
from core.dsn import dsn_from_unique_id
from core.feature import EVERY_TICK, LANE_EVEN, LANE_ODD, Feature
from core.keys import KeysFeature
from core.midi_clock import MidiClock
from core.midi_in import MidiIn
from core.notes import NoteTracker
from core.pedal import SustainPedal
from core.recorder import RecorderFeature
from core.settings import Settings
from core.settings_store import SettingsStore
from core.sysex import SysexResponder
from core.tempo import TapTempo
from core.usbmidi import TxQueue

try:
    from core.compat import ptr8, ptr32  # CPython: stand-ins (MicroPython: viper builtins)
except ImportError:
    pass

# A feature that keeps raising is reported at most this often (it is counted every time).
_FAULT_REPORT_INTERVAL_US = const(1000000)
_POSITION_MASK = const(0x7F)
# At most this many switch events that send nothing (a key's first contact closing, its second opening)
# are handled in one tick, or a single one that plays or ends a note (or a button). The rest wait, in
# order and with the time the scan saw them (velocity stays exact), for the next ticks. A key's note
# costs about a quarter of the RP2040's 1 ms tick (tools/bench/scan_tick.py), so ten keys struck at once
# are played one a tick (one every 2 ms on the pico) instead of in one tick several times too long.
MAX_EVENTS_PER_TICK = const(2)
# A lane is left to a later tick on at most this many ticks running (a burst of notes): the pedal, the
# wheels and MIDI in then wait at most this many ms more.
_MAX_LANES_SKIPPED = const(4)
_WAITING_EVENTS = const(128)  # room for a whole scan's worth (8 x 16 switches); power of two
# pins.SWITCH_KEY_FIRST, SWITCH_KEY_SECOND and SWITCH_BUTTON, as constants the compiler folds into the
# tick (pins.X is two dictionary lookups each time it runs); test_core_static holds them equal to pins'.
_KEY_FIRST = const(1)
_KEY_SECOND = const(2)
_BUTTON = const(3)
_SWITCH_KIND = pins.SWITCH_KIND  # (a global: one lookup)
_SWITCH_INDEX = pins.SWITCH_INDEX


class Keyboard:
    def __init__(self, board, now_us):
        self.board = board
        self.now_us = now_us
        self.settings = Settings()
        self.counters = Counters()
        self.tx = TxQueue(self.counters)
        # One holder per key, and one more for the arpeggiator's note (core.arp.ARP_VOICE).
        self.notes = NoteTracker(self.tx, pins.N_KEYS + 1)
        self.key_target = self.notes  # where the keys' notes go: the tracker, or the arpeggiator (core.arp)
        self.notes.channel = self.settings.channel
        self.sysex = SysexResponder(self)
        self.last_fault = ""
        self.octave = 0
        self.chord_on = False
        self._leds = bytearray(pins.N_LEDS)
        self.rows = array("H", [0] * pins.N_ROWS)
        self.debouncer = MatrixDebouncer(pins.N_ROWS, pins.N_COLS, self.settings.debounce_us)
        # Switch events waiting for a later tick (MAX_EVENTS_PER_TICK): a ring of events and their times.
        self._waiting = bytearray(_WAITING_EVENTS)
        self._waiting_at = array("i", [0] * _WAITING_EVENTS)
        self._first_waiting = 0
        self.events_waiting = 0
        self.max_events_per_tick = MAX_EVENTS_PER_TICK  # (a test of bursts lifts it ...
        self.heavy_alone = True  # ... and this: a note's event is handled alone in its tick)
        # Features run in this order every tick; each one's hooks are isolated from the others'.
        self.settings_store = SettingsStore()
        self.recorder = RecorderFeature(self)
        self.tempo = TapTempo()
        self.arp = Arpeggiator()
        self.clock = MidiClock()
        self.features = [
            self.settings_store,  # first: every other feature boots with the stored settings
            self.recorder,  # before the others' before_scan: playback's due events go out first
            KeysFeature(),
            ButtonsFeature(),
            ControlsFeature(),
            SustainPedal(),
            MidiIn(self.counters, self.sysex.handle),
            self.tempo,  # before the arp and the clock: a tap's tempo counts in its own tick
            self.arp,  # after the keys: it plays what they held this tick, in this tick
            self.clock,
        ]
        # Per-tick hooks are called only on the features that have them: the scan stays short. The
        # before_scan hooks of features in a lane run every other tick (core/feature.py LANE), after the
        # scan and only on a tick that handles no switch event (see tick).
        self._before_scan = self._having("before_scan", EVERY_TICK)
        self._lanes = (self._having("before_scan", LANE_EVEN), self._having("before_scan", LANE_ODD))
        self._lane = LANE_EVEN
        self._lanes_skipped = 0  # ticks running whose lane was left for a later tick
        # The board's sending needs a tick of its own (optional, firmware/README.md): then what a tick
        # queued is sent by the next one, which plays no note and runs no lane (_send_next).
        self._send_alone = bool(getattr(board, "sending_needs_its_own_tick", False))
        self._send_next = False
        on_switch = self._having("on_switch")
        self._on_key = bytes([i for i in on_switch if self.features[i].ON_KEYS])
        self._on_button = bytes([i for i in on_switch if self.features[i].ON_BUTTONS])
        self._after_scan = self._having("after_scan")
        self._fault_reported_at = array("i", [0] * len(self.features))
        self._fault_reported = bytearray(len(self.features))
        try:
            self.dsn = dsn_from_unique_id(board.unique_id())
        except Exception as error:
            self.dsn = dsn_from_unique_id(bytes(8))
            self._fault(None, "boot", error)
        for i in range(len(self.features)):
            try:
                self.features[i].boot(self, now_us)
            except Exception as error:
                self._fault(i, "boot", error)
        self.tx.flush(board, now_us)

    @micropython.native
    def tick(self, now_us):
        self.now_us = now_us
        features = self.features
        for i in self._before_scan:
            feature = features[i]
            if feature.ticking:  # (a feature with nothing to do this tick is not called: core/feature.py)
                try:
                    feature.before_scan(self, now_us)
                except Exception as error:
                    self._fault(i, "before_scan", error)

        self.board.read_matrix(self.rows)
        n_events = self.debouncer.scan(self.rows, now_us)
        light = True  # no switch event handled in this tick plays or ends a note, or is a button
        # On a board whose sending needs a tick of its own (boards/pico_usb.py), the tick after one that
        # queued packets (a note played or ended, a controller, a clock byte) sends them: it handles no
        # switch event, and runs a lane only when the lane is due (left 4 ticks running; a send and a lane
        # fit one tick, a note and a lane do not). A lane still waiting after that takes a tick of its own,
        # which plays no note (light_only). A scan that saw more contacts move than a tick handles (keys
        # struck or let go together) leaves its events to later ticks, and runs no lane unless it is due.
        sending = self._send_next
        lane_due = self._lanes_skipped >= _MAX_LANES_SKIPPED
        crowded = False
        if n_events or self.events_waiting:
            events = self.debouncer.events
            # A key's second contact opening is handed to nobody: the keys end a note when the first
            # contact opens, and nothing else wants it. A release opens both in one scan, usually: its
            # tick then has one event, not two.
            if n_events == 1:
                event = events[0]  # (one event: the check written out)
                if event < EVENT_CLOSED and _SWITCH_KIND[event] == _KEY_SECOND:
                    n_events = 0
            elif n_events:
                n_events = self._drop_second_openings(events, n_events)
                crowded = self._send_alone and n_events > MAX_EVENTS_PER_TICK
            light_only = self._send_alone and not sending and self._lanes_skipped > _MAX_LANES_SKIPPED
            if n_events == 1 and not self.events_waiting and not sending and not light_only:
                # (_switch_event written out: the common case, a note's tick, is the heaviest one)
                event = events[0]
                position = event & _POSITION_MASK
                kind = _SWITCH_KIND[position]
                index = _SWITCH_INDEX[position]
                closed = event >= EVENT_CLOSED
                light = kind != _BUTTON and closed == (kind == _KEY_FIRST)
                for i in self._on_button if kind == _BUTTON else self._on_key:
                    try:
                        features[i].on_switch(self, kind, index, closed, now_us)
                    except Exception as error:
                        self._fault(i, "on_switch", error)
            elif n_events or self.events_waiting:
                light = self._wait_and_handle(events, n_events, now_us, sending or crowded, light_only)
        if (light and not sending and not crowded) or (lane_due and (light or not self._send_alone)):
            # The lane's before_scan hooks (wheels, or pedal and MIDI in), after the scan: only on a tick
            # whose switch events were at most first contacts closing (they send nothing, so the lane's
            # messages keep their place before the keys'). A tick that plays a note leaves the lane to the
            # next one, at most 4 ticks running: the two together would not fit the tick
            # (tools/bench/scan_tick.py). (On a board whose sending needs a tick of its own, a due lane
            # waits for the next tick that plays no note: the one that sends, or a light_only one.)
            self._lanes_skipped = 0
            lane = self._lane
            self._lane = lane ^ 1
            for i in self._lanes[lane]:
                try:
                    features[i].before_scan(self, now_us)
                except Exception as error:
                    self._fault(i, "before_scan", error)
        else:
            self._lanes_skipped += 1

        for i in self._after_scan:
            feature = features[i]
            if feature.ticking:
                try:
                    feature.after_scan(self, now_us)
                except Exception as error:
                    self._fault(i, "after_scan", error)
        if sending or not self._send_alone:
            self.tx.flush(self.board, now_us)
            self._send_next = False
        else:
            # On a board whose sending needs a tick of its own, what this tick queued is not offered (the
            # offer alone is the board's send call): it is readied, and the next tick sends it.
            self._send_next = self.tx.stage()

    @micropython.native
    def _switch_event(self, event, at_us):
        """Hand one debounced switch event, seen by the scan at at_us, to the features that want it."""
        features = self.features
        position = event & _POSITION_MASK
        kind = _SWITCH_KIND[position]
        index = _SWITCH_INDEX[position]
        closed = event >= EVENT_CLOSED
        for i in self._on_button if kind == _BUTTON else self._on_key:
            try:
                features[i].on_switch(self, kind, index, closed, at_us)
            except Exception as error:
                self._fault(i, "on_switch", error)

    @micropython.native
    def _wait_and_handle(self, events, n_events, now_us, none_now, light_only):
        """This scan's events join those waiting, and the oldest are handled now: up to
        max_events_per_tick light ones (a key's first contact closing: it sends nothing), or one heavy
        one (a note played or ended, a button) alone. On a board whose sending needs a tick of its own:
        none at all on the tick that sends what the last one queued or whose scan saw more contacts move
        than a tick handles (none_now), and only light ones on a tick that runs a lane left 5 ticks
        running (light_only); see tick. True when all were light."""
        if n_events:
            self._join_waiting(events, n_events, now_us)
        if none_now:
            return True  # sending, or that scan, is this tick's work
        waiting = self._waiting
        waiting_at = self._waiting_at
        handled = 0
        features = self.features
        while self.events_waiting and handled < self.max_events_per_tick:
            first = self._first_waiting
            event = waiting[first]
            position = event & _POSITION_MASK
            kind = _SWITCH_KIND[position]
            closed = event >= EVENT_CLOSED
            heavy = kind == _BUTTON or closed != (kind == _KEY_FIRST)
            if heavy and (handled or light_only) and self.heavy_alone:
                return True  # a heavy event goes alone: in a later tick
            self._first_waiting = (first + 1) & (_WAITING_EVENTS - 1)
            self.events_waiting -= 1
            # (_switch_event written out: ten keys struck at once are handled this way, one a tick)
            index = _SWITCH_INDEX[position]
            at_us = waiting_at[first]
            for i in self._on_button if kind == _BUTTON else self._on_key:
                try:
                    features[i].on_switch(self, kind, index, closed, at_us)
                except Exception as error:
                    self._fault(i, "on_switch", error)
            if heavy and self.heavy_alone:
                return False
            handled += 1
        return handled == 0 or self.heavy_alone

    @micropython.viper
    def _drop_second_openings(self, events, n_events: int) -> int:
        """Remove the events of keys' second contacts opening from events[0:n_events]; returns how many
        are left (viper: a scan where ten keys are let go has twenty events)."""
        seen = ptr8(events)
        kinds = ptr8(_SWITCH_KIND)
        second = _KEY_SECOND
        closed = int(EVENT_CLOSED)
        kept = 0
        e = 0
        while e < n_events:
            event = seen[e]
            if event >= closed or kinds[event & _POSITION_MASK] != second:
                seen[kept] = event
                kept += 1
            e += 1
        return kept

    @micropython.viper
    def _join_waiting(self, events, n_events: int, now_us: int):
        """Put events[0:n_events], seen at now_us, at the end of the waiting ring (viper: ten contacts
        moving in one scan cost about 50 us each on the RP2040 as machine code calling the runtime)."""
        waiting = ptr8(self._waiting)
        waiting_at = ptr32(self._waiting_at)
        seen = ptr8(events)
        count = int(self.events_waiting)
        first = int(self._first_waiting)
        e = 0
        while e < n_events:
            if count == _WAITING_EVENTS:
                self.events_waiting = count
                self._handle_first_waiting()  # (never, short of every switch chattering at once)
                count = int(self.events_waiting)
                first = int(self._first_waiting)
            at = (first + count) & (_WAITING_EVENTS - 1)
            waiting[at] = seen[e]
            waiting_at[at] = now_us
            count += 1
            e += 1
        self.events_waiting = count

    @micropython.native
    def _handle_first_waiting(self):
        first = self._first_waiting
        self._first_waiting = (first + 1) & (_WAITING_EVENTS - 1)
        self.events_waiting -= 1
        self._switch_event(self._waiting[first], self._waiting_at[first])

    # Services for features and for SysEx --------------------------------------------------------

    def panic(self):
        """All notes off: note-off for every note the core believes sounding, then CC 123."""
        self.notes.panic()
        for i in range(len(self.features)):
            try:
                self.features[i].on_panic(self)
            except Exception as error:
                self._fault(i, "on_panic", error)

    def set_channel(self, channel):
        """Move to MIDI channel 0..15 (wire value): a panic first, since note-offs on the new channel
        could not end notes started on the old one; then the pedal and the wheel are released on the old
        channel and restated on the new one (their later pedal-up and bend-centre go to the new one)."""
        if not 0 <= channel <= 15:
            raise ValueError("channel must be in range 0..15, got %d" % channel)
        old_channel = self.settings.channel
        self.panic()
        self.settings.channel = channel
        self.notes.channel = channel
        for i in range(len(self.features)):
            try:
                self.features[i].on_channel_change(self, old_channel)
            except Exception as error:
                self._fault(i, "on_channel_change", error)

    def set_debounce_us(self, debounce_us):
        """Debounce time of every switch and of the pedal, in microseconds (0..100000)."""
        if not 0 <= debounce_us <= 100000:
            raise ValueError("debounce must be in range 0..100000 us, got %d" % debounce_us)
        self.settings.debounce_us = debounce_us
        self.debouncer.debounce_us = debounce_us

    def set_led(self, led, on):
        """board.set_led, called only when the LED changes."""
        on = 1 if on else 0
        if self._leds[led] != on:
            self._leds[led] = on
            self.board.set_led(led, bool(on))

    def _having(self, hook, lane=None):
        """Indexes of the features whose class overrides `hook` of Feature; given a lane (EVERY_TICK,
        LANE_EVEN or LANE_ODD), only those in it."""
        base = getattr(Feature, hook)
        features = self.features
        return bytes(
            [
                i
                for i in range(len(features))
                if getattr(type(features[i]), hook) is not base and (lane is None or features[i].LANE == lane)
            ]
        )

    def _fault(self, feature_index, hook, error):
        self.counters.count(_counters.FAULTS)
        name = "core" if feature_index is None else self.features[feature_index].NAME
        text = "%s.%s: %s: %s" % (name, hook, type(error).__name__, error)
        self.last_fault = text
        if feature_index is not None:
            if self._fault_reported[feature_index] and ticks_diff(
                self.now_us, self._fault_reported_at[feature_index]
            ) < _FAULT_REPORT_INTERVAL_US:
                return
            self._fault_reported[feature_index] = 1
            self._fault_reported_at[feature_index] = self.now_us
        self.sysex.send_fault(text)
        self.board.fault(text)

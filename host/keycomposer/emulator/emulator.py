"""The emulated keyboard as a person plays it: keys, buttons, wheels, pedal, MIDI in, and virtual time.

Wraps one EmulatorProcess. In virtual time (the default) nothing happens between calls: ``advance`` and
``wait`` move the clock, and ``events`` returns what the keyboard did, each stamped with its virtual time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import mido

from keycomposer.emulator import layout
from keycomposer.emulator.frames import Adc, Advance, Boot, Fault, Led, MidiIn, MidiOut, Pedal, Switch, Usb
from keycomposer.emulator.process import EmulatorError, EmulatorProcess
from keycomposer.emulator.usb_midi import PacketDecoder, packets_from_bytes
from keycomposer.emulator.velocity import scanned_contact_time_us

# A contact the emulator changes stays put at least this long before it changes again, so the keyboard's
# debounce (5 ms by default: eager on press, deferred on release) sees every press and release.
STABLE_US = 10_000
DEFAULT_VELOCITY = 100
# MicroPython runs the core at roughly 50x real time here; a minute of virtual time between syncs keeps
# every answer a second or two away, far inside EmulatorProcess's timeout.
_SYNC_EVERY_US = 60_000_000
_PACKETS_PER_FRAME_BYTES = 252
# The keyboard reads 256 bytes of packets for each scan (1 ms) since it last read, every other scan or
# later (a scan that plays a note leaves its reading to the next one), from a queue that holds 4092
# (firmware/EMULATOR.md "USB-MIDI"): send_midi keeps within that, as a USB link's flow control would,
# counting 256 bytes a scan and leaving 512 spare for the scans between two reads.
SCAN_US = 1000
_RX_BYTES_PER_SCAN = 256
_RX_QUEUE_BYTES = 4092 - 512


@dataclass(frozen=True)
class MidiEvent:
    """A MIDI message the keyboard sent, at ``time_us`` of virtual time since boot."""

    time_us: int
    message: mido.Message


@dataclass(frozen=True)
class LedEvent:
    time_us: int
    led: str
    on: bool


@dataclass(frozen=True)
class FaultEvent:
    time_us: int
    text: str


Event = MidiEvent | LedEvent | FaultEvent


class Emulator:
    """One emulated keyboard. Use as a context manager: it starts powered on (booted) and quits on exit.

    ``boot=False`` starts it with the power off, so virtual pins can be set before ``boot()`` (a key held
    at power-up, the pedal's resting level).
    """

    def __init__(
        self,
        interpreter: str = "micropython",
        dsn_seed: int = 0,
        realtime: bool = False,
        firmware_dir: str | Path | None = None,
        flash_dir: str | Path | None = None,
        boot: bool = True,
        timeout_s: float = 20.0,
    ) -> None:
        self.process = EmulatorProcess(
            interpreter=interpreter,
            dsn_seed=dsn_seed,
            realtime=realtime,
            firmware_dir=firmware_dir,
            flash_dir=flash_dir,
            timeout_s=timeout_s,
        )
        self.realtime = realtime
        self._boot_on_start = boot
        self._booted = False
        self._now_us = 0
        self._unsynced_us = 0  # virtual time sent since the last sync
        self._last_change_us: dict[tuple[int, int], int] = {}
        self._closed: set[tuple[int, int]] = set()
        self._pedal_level = True  # the jack's pull-up (firmware/EMULATOR.md "Virtual pins")
        self._pedal_level_at_boot = True
        self._decoder = PacketDecoder()
        self._events: list[Event] = []
        self.plugged = True  # the USB cable (usb_unplug, usb_plug)
        self._rx_backlog = 0  # bytes sent that the keyboard may not have read yet
        self._rx_backlog_at_us = 0  # ... as of this virtual time
        self._rx_backlog_at_s = 0.0  # ... as of this wall-clock time (real time)

    # -- life cycle ------------------------------------------------------------------------------------

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the process (and boot it unless made with boot=False)."""
        try:
            self.process.start()
            if self._boot_on_start:
                self.boot()
        except BaseException:
            self.process.close()
            raise

    def boot(self) -> None:
        """Power the keyboard on at virtual time 0, with the virtual pins as they are."""
        if self._booted:
            raise EmulatorError("the keyboard is already on")
        self.process.send(Boot())
        self._booted = True
        self._pedal_level_at_boot = self._pedal_level
        self.sync()

    def close(self) -> int | None:
        return self.process.close()

    @property
    def firmware_version(self) -> str:
        return self.process.ready.firmware_version if self.process.ready else ""

    @property
    def now_us(self) -> int:
        """Virtual time since boot, in microseconds."""
        return self._now_us

    # -- time --------------------------------------------------------------------------------------------

    def advance(self, microseconds: int) -> None:
        """Let ``microseconds`` of virtual time pass; the keyboard scans once every millisecond of it."""
        if self.realtime:
            raise EmulatorError("advance() is for virtual time; in real time the wall clock moves")
        if microseconds < 0:
            raise ValueError(f"time only moves forward; got {microseconds} us")
        self._require_booted()
        while microseconds > 0:
            step = min(microseconds, _SYNC_EVERY_US - self._unsynced_us)
            self.process.send(Advance(step))
            self._now_us += step
            self._unsynced_us += step
            microseconds -= step
            if self._unsynced_us >= _SYNC_EVERY_US:
                self.sync()  # a long wait is answered in pieces, each well inside the process timeout

    def wait(self, milliseconds: float) -> None:
        self.advance(round(milliseconds * 1000))

    # -- playing -----------------------------------------------------------------------------------------

    def press(self, key: int, velocity: int | None = None, contact_time_us: int | None = None) -> None:
        """Press ``key`` (0..31): close its first contact, then its second ``contact_time_us`` later (by
        default the scanned contact time of ``velocity``, itself 100 by default). Virtual time moves by that
        much; in real time this call sleeps that long."""
        if velocity is not None and contact_time_us is not None:
            raise ValueError("give velocity or contact_time_us, not both")
        if contact_time_us is None:
            contact_time_us = scanned_contact_time_us(DEFAULT_VELOCITY if velocity is None else velocity)
        first, second = layout.first_contact(key), layout.second_contact(key)
        if first in self._closed:
            raise EmulatorError(f"key{key} is already down")
        self.set_switch(*first, closed=True)
        if self.realtime:
            time.sleep(contact_time_us / 1e6)  # a live keyboard: the wall clock is the one that counts
        else:
            self.advance(contact_time_us)
        self.set_switch(*second, closed=True)

    def release(self, key: int) -> None:
        """Let ``key`` go: both contacts open together."""
        first, second = layout.first_contact(key), layout.second_contact(key)
        if first not in self._closed:
            raise EmulatorError(f"key{key} is not down")
        self._hold_stable(first, second)
        self.set_switch(*second, closed=False)
        self.set_switch(*first, closed=False)

    def button(self, name: str, down: bool) -> None:
        """Press (down=True) or let go of the button called ``name`` (see layout.BUTTONS).

        Buttons act on release, and the keyboard's debounce defers a release: so after letting go this
        lets STABLE_US pass, and what the button does has happened before the next action."""
        where = layout.button_switch(name)
        self.set_switch(*where, closed=down)
        if not down:
            self._hold_stable(where)

    def tap(self, name: str) -> None:
        """Press and let go of a button, holding it long enough to count."""
        self.button(name, True)
        self.button(name, False)

    def set_control(self, name: str, value: float) -> None:
        """Move an analog control: ``pitch`` -1..1 (0 is the centre), ``mod`` 0..1, ``volume`` 0..1."""
        low = -1.0 if name == "pitch" else 0.0
        if name not in layout.ADC_CHANNELS:
            raise ValueError(f"no control {name!r}; the controls are {', '.join(layout.ADC_CHANNELS)}")
        if not low <= value <= 1.0:
            raise ValueError(f"{name} must be in range {low:g}..1, got {value:g}")
        self.set_adc(layout.ADC_CHANNELS[name], adc_reading(value, low))

    def pedal(self, down: bool) -> None:
        """Press or lift the sustain pedal. The keyboard takes the jack's level at boot (high, its pull-up,
        unless set otherwise before boot()) as 'up', so 'down' is the other level."""
        self.set_pedal_level(down != self._pedal_level_at_boot)

    def send_midi(self, data: bytes) -> None:
        """Send MIDI bytes (whole messages, SysEx included) from the host to the keyboard.

        Paced as a USB link is: no more than the keyboard's receive queue holds is ever in flight, and
        when it is full, virtual time moves on a scan at a time (1 ms per 256 bytes of packets, about 85
        SysEx bytes) while the keyboard reads. In real time this call sleeps instead."""
        if not self.plugged:
            raise EmulatorError("the USB cable is unplugged: nothing reaches the keyboard (usb_plug first)")
        packets = packets_from_bytes(data)
        for start in range(0, len(packets), _PACKETS_PER_FRAME_BYTES):
            chunk = packets[start : start + _PACKETS_PER_FRAME_BYTES]
            self._make_room(len(chunk))
            self.process.send(MidiIn(chunk))
            self._rx_backlog += len(chunk)

    def _make_room(self, n: int) -> None:
        while True:
            if self.realtime:
                now_s = time.monotonic()
                scans = int((now_s - self._rx_backlog_at_s) * 1e6) // SCAN_US
                if scans:
                    self._rx_backlog_at_s = now_s
            else:
                scans = self._now_us // SCAN_US - self._rx_backlog_at_us // SCAN_US
                self._rx_backlog_at_us = self._now_us
            self._rx_backlog = max(0, self._rx_backlog - scans * _RX_BYTES_PER_SCAN)
            if self._rx_backlog + n <= _RX_QUEUE_BYTES or not self._booted:
                return
            if self.realtime:
                time.sleep(SCAN_US / 1e6)
            else:
                self.advance(SCAN_US - self._now_us % SCAN_US)  # up to the next scan, which reads

    # -- the USB cable -----------------------------------------------------------------------------------

    def usb_stall(self, milliseconds: float) -> None:
        """From now on the host reads nothing the keyboard sends for ``milliseconds``, then reads again;
        this call returns at once, so what is played meanwhile is played into the stall."""
        if not self.plugged:
            raise EmulatorError("the USB cable is unplugged: a stall needs a host (usb_plug first)")
        microseconds = round(milliseconds * 1000)
        if not 0 < microseconds < 2**32:
            raise ValueError(f"a stall lasts 0 < ms < {2**32 // 1000}, got {milliseconds:g}")
        self.process.send(Usb(Usb.STALLED, microseconds))

    def usb_unplug(self) -> None:
        """Pull the USB cable out: the keyboard plays on, and nothing it sends arrives."""
        if not self.plugged:
            raise EmulatorError("the USB cable is already unplugged")
        self.process.send(Usb(Usb.UNPLUGGED))
        self.plugged = False

    def usb_plug(self) -> None:
        """Plug the USB cable back in: the host reads again."""
        if self.plugged:
            raise EmulatorError("the USB cable is already plugged in")
        self.process.send(Usb(Usb.READING))
        self.plugged = True

    # -- virtual pins ------------------------------------------------------------------------------------

    def set_switch(self, row: int, col: int, closed: bool) -> None:
        """Close or open one matrix switch, first letting it settle from its last change (STABLE_US)."""
        where = (row, col)
        if (where in self._closed) == closed:
            return
        self._hold_stable(where)
        self.process.send(Switch(row, col, closed))
        self._last_change_us[where] = self._now_us
        if closed:
            self._closed.add(where)
        else:
            self._closed.discard(where)

    def set_adc(self, channel: int, value: int) -> None:
        self.process.send(Adc(channel, value))

    def set_pedal_level(self, level: bool) -> None:
        self.process.send(Pedal(level))
        self._pedal_level = level

    def _hold_stable(self, *switches: tuple[int, int]) -> None:
        if self.realtime or not self._booted:
            return
        oldest_allowed = self._now_us - STABLE_US
        latest = max((self._last_change_us.get(s, oldest_allowed) for s in switches), default=oldest_allowed)
        if latest > oldest_allowed:
            self.advance(latest - oldest_allowed)

    # -- what came out -----------------------------------------------------------------------------------

    def sync(self) -> None:
        """Wait until the keyboard has done everything asked so far; check the clocks agree."""
        reply = self.process.sync()
        self._unsynced_us = 0
        if not self.realtime and reply.time_us != self._now_us:
            raise EmulatorError(f"the emulator's clock says {reply.time_us} us, the host's {self._now_us} us")
        self._collect()

    def events(self) -> list[Event]:
        """What the keyboard did up to the last sync (in real time: until now), oldest first; clears it."""
        self._collect()
        taken, self._events = self._events, []
        return taken

    def midi(self) -> list[MidiEvent]:
        """Only the MIDI messages among events(); the other events are dropped."""
        return [e for e in self.events() if isinstance(e, MidiEvent)]

    def _collect(self) -> None:
        for frame in self.process.take_received():
            if isinstance(frame, MidiOut):
                for message in self._decoder.feed(frame.packets):
                    self._events.append(MidiEvent(frame.time_us, message))
            elif isinstance(frame, Led):
                self._events.append(LedEvent(frame.time_us, layout.LEDS[frame.led], frame.on))
            elif isinstance(frame, Fault):
                self._events.append(FaultEvent(frame.time_us, frame.text))

    def _require_booted(self) -> None:
        if not self._booted:
            raise EmulatorError("the keyboard is off: call boot() first")


def adc_reading(value: float, low: float = 0.0) -> int:
    """The 16-bit ADC reading of a control at ``value`` in low..1: low -> 0, 1 -> 65535, and for the
    pitch wheel (low = -1) its centre 0 -> 32768."""
    return min(65535, int((value - low) / (1.0 - low) * 65536))

"""The real keyboard: a Raspberry Pi Pico (RP2040) wired as hardware/WIRING.md describes.

Implements the board contract of firmware/README.md over machine.Pin, machine.ADC, the SIO registers
(boards/matrix_scan.py) and micropython-lib's usb-device-midi (runtime USB, MicroPython >= 1.23;
install it on the Pico with `mpremote mip install usb-device-midi`, see hardware/README.md; the
interface itself is boards/pico_usb.py). `run()` is the keyboard's main loop.
"""

import sys
import time
from array import array

import machine
from micropython import const

from boards.matrix_scan import SIO_BASE, scan_matrix
from pins import (
    ADC_MOD_GPIO,
    ADC_PITCH_GPIO,
    ADC_VOLUME_GPIO,
    COL_GPIO,
    LED_GPIO,
    LED_POWER,
    PEDAL_GPIO,
    ROW_GPIO,
    ROW_SETTLE_US,
    USB_MANUFACTURER,
    USB_PID,
    USB_PRODUCT,
    USB_VID,
)

_TICK_US = const(1000)
# Behind by more than this: restart the schedule rather than run a burst of late ticks.
_MAX_LATE_US = const(20_000)
# A feature that raises on every tick is reported at most once a second, not 1000 times.
_FAULT_REPORT_US = const(1_000_000)
_USB_MISSING = "usb-device-midi is not installed: install it with `mpremote mip install usb-device-midi`"


class UsbMidiMissing(Exception):
    """micropython-lib's usb-device-midi, the one package the firmware needs beside itself, is missing."""


class PicoBoard:
    """The board contract (firmware/README.md) on a Raspberry Pi Pico.

    `sio` and `wait` are the SIO registers the matrix is scanned through and the row settle wait; only
    tests pass anything else (a buffer standing in for the registers, a wait that plays the switches).
    """

    # Sending costs a tick of its own on the usb-device library (boards/pico_usb.py): the core sends what a
    # tick queued in the next tick, which plays no note and runs no lane (firmware/README.md, the board
    # contract).
    sending_needs_its_own_tick = True

    def __init__(self, serial_number: str, sio=SIO_BASE, wait=time.sleep_us) -> None:
        # machine.Pin puts the rows under SIO control as outputs; scan_matrix then drives them directly.
        self._rows = tuple(machine.Pin(gpio, machine.Pin.OUT, value=0) for gpio in ROW_GPIO)
        self._row_bits = array("I", [1 << gpio for gpio in ROW_GPIO])
        self._sio = sio
        self._wait = wait
        self._cols = tuple(machine.Pin(gpio, machine.Pin.IN, machine.Pin.PULL_DOWN) for gpio in COL_GPIO)
        # Indexed by ADC channel, which is what pins.ADC_PITCH, ADC_MOD and ADC_VOLUME are; ADC n is on
        # GPIO 26 + n, so sorting the pins sorts the channels.
        adc_gpios = sorted((ADC_PITCH_GPIO, ADC_MOD_GPIO, ADC_VOLUME_GPIO))
        self._adcs = tuple(machine.ADC(machine.Pin(gpio)) for gpio in adc_gpios)
        self._pedal = machine.Pin(PEDAL_GPIO, machine.Pin.IN, machine.Pin.PULL_UP)
        self._leds = tuple(machine.Pin(gpio, machine.Pin.OUT, value=0) for gpio in LED_GPIO)
        self._leds[LED_POWER].value(1)
        # Imported here, inside run()'s start-up try: a missing usb-device-midi is told, not fatal.
        try:
            import usb.device.midi  # noqa: F401  (only asked whether it is there)
        except ImportError as error:
            raise UsbMidiMissing(str(error))
        from boards.pico_usb import start_usb

        self._midi = start_usb(serial_number, USB_MANUFACTURER, USB_PRODUCT, USB_VID, USB_PID)
        # The board contract's midi_send and midi_receive are the interface's own methods: the core calls
        # them every tick, and a method of ours passing the call on would cost a Python call each.
        self.midi_send = self._midi.send_packets
        self.midi_receive = self._midi.receive_packets

    def read_matrix(self, rows) -> None:
        # One GPIO_IN read per row after the settle wait: diodes and column capacitance need a moment,
        # and reading at once shows ghost keys.
        scan_matrix(self._sio, self._row_bits, rows, self._wait, ROW_SETTLE_US)

    def read_adc(self, channel: int) -> int:
        return self._adcs[channel].read_u16()

    def read_pedal(self) -> bool:
        return self._pedal.value() == 1

    def set_led(self, led: int, on: bool) -> None:
        self._leds[led].value(1 if on else 0)

    def start_tick(self, now_us) -> None:
        """A scan tick starts now: what is sent in it is measured from here (boards/pico_usb.py)."""
        self._midi.tick_started_us = now_us

    def unique_id(self) -> bytes:
        return machine.unique_id()

    def fault(self, text: str) -> None:
        # The USB serial console is the pico's log; the core has already sent the SysEx fault report.
        print("keycomposer fault:", text)


def _report(error: BaseException) -> None:
    print("keycomposer: unexpected error, the keyboard carries on:")
    sys.print_exception(error)


def _halt_blinking(error: BaseException, why: str = "") -> None:
    # Could not even start: say why on the serial console and blink the power LED. Ctrl-C still reaches
    # the REPL, so the board can be fixed over USB; no reset loop.
    if why:
        print("keycomposer: cannot start:", why)
    _report(error)
    led = machine.Pin(LED_GPIO[LED_POWER], machine.Pin.OUT)
    while True:
        led.toggle()
        time.sleep_ms(250)


def run() -> None:
    """Start the keyboard and tick it at 1 kHz, forever."""
    from core.dsn import dsn_from_unique_id
    from core.keyboard import Keyboard

    try:
        board = PicoBoard(dsn_from_unique_id(machine.unique_id()))
        keyboard = Keyboard(board, time.ticks_us())
    except UsbMidiMissing as error:
        _halt_blinking(error, _USB_MISSING)
        return
    except Exception as error:  # KeyboardInterrupt is not an Exception: Ctrl-C still stops us
        _halt_blinking(error)
        return
    from core.counters import LATE_TICKS

    count = keyboard.counters.count
    deadline = time.ticks_us()
    last_report = time.ticks_add(deadline, -_FAULT_REPORT_US)
    suppressed = 0
    while True:
        deadline = time.ticks_add(deadline, _TICK_US)
        wait = time.ticks_diff(deadline, time.ticks_us())
        if wait > 0:
            time.sleep_us(wait)
        else:
            # The last tick's work (with the USB stack's) ran past its 1 ms: counted, so a real keyboard
            # tells its budget over GET_COUNTERS (late_ticks), where no benchmark here can.
            count(LATE_TICKS)
            if wait < -_MAX_LATE_US:
                deadline = time.ticks_us()
        now = time.ticks_us()
        board.start_tick(now)
        try:
            keyboard.tick(now)
        except Exception as error:
            now = time.ticks_us()
            if time.ticks_diff(now, last_report) >= _FAULT_REPORT_US:
                if suppressed:
                    print("keycomposer:", suppressed, "more errors since the last report")
                _report(error)
                last_report = now
                suppressed = 0
            else:
                suppressed += 1

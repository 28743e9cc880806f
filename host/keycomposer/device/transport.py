"""Transports: how the host exchanges MIDI messages with one keyboard.

Three kinds, one shape (``send``, ``receive``, ``close``, ``name``):
- ``EmulatorTransport``: the real firmware in its own process (keycomposer.emulator), in virtual time,
  where ``receive(seconds)`` lets that much virtual time pass.
- ``PortTransport``: a MIDI port pair through mido and python-rtmidi, where ``receive(seconds)`` waits
  that long on the wall clock. It notices an unplugged keyboard by its port disappearing.
- ``SerialTransport``: plain MIDI bytes over a serial port (pyserial), for a keyboard wired through a
  UART-to-USB adapter or a serial MIDI bridge; bytes are parsed by mido's parser, garbage is skipped.
Messages come back as ``(time_us, mido.Message)`` so a recorder can keep the keyboard's timing.
"""

from __future__ import annotations

import time

import mido

from keycomposer.emulator import Emulator, EmulatorError
from keycomposer.quiet import quiet_c_stderr


class TransportError(Exception):
    """The keyboard cannot be reached (any more): not found, unplugged, or its process ended."""


class EmulatorTransport:
    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.name = f"emulator ({emulator.process.interpreter})" if hasattr(emulator.process, "interpreter") else "emulator"

    def send(self, message: mido.Message) -> None:
        try:
            self.emulator.send_midi(bytes(message.bin()))
        except EmulatorError as error:
            raise TransportError(f"the emulated keyboard stopped: {error}") from error

    def receive(self, seconds: float) -> list[tuple[int, mido.Message]]:
        try:
            self.emulator.advance(round(seconds * 1_000_000))
            self.emulator.sync()
            return [(event.time_us, event.message) for event in self.emulator.midi()]
        except EmulatorError as error:
            raise TransportError(f"the emulated keyboard stopped: {error}") from error

    def close(self) -> None:
        self.emulator.close()


class PortTransport:
    """A keyboard seen as MIDI ports (input and output of the same name prefix)."""

    def __init__(self, input_name: str, output_name: str | None = None, now=time.monotonic):
        self.name = input_name
        self._now = now
        try:
            with quiet_c_stderr():
                self._input = mido.open_input(input_name)
                self._output = mido.open_output(output_name or input_name)
        except (OSError, SystemError, IOError) as error:
            raise TransportError(f"cannot open MIDI port {input_name!r}: {error}") from error
        self._origin = now()

    def send(self, message: mido.Message) -> None:
        try:
            self._output.send(message)
        except (OSError, SystemError) as error:
            raise TransportError(f"{self.name} is gone (unplugged?): {error}") from error

    def receive(self, seconds: float) -> list[tuple[int, mido.Message]]:
        deadline = self._now() + seconds
        received = []
        while True:
            for message in self._input.iter_pending():
                received.append((round((self._now() - self._origin) * 1e6), message))
            if self._now() >= deadline:
                break
            time.sleep(0.001)
        if self.name not in mido.get_input_names():
            raise TransportError(f"{self.name} disappeared (unplugged?); {len(received)} messages kept")
        return received

    def close(self) -> None:
        self._input.close()
        self._output.close()


class SerialTransport:
    """MIDI bytes over a serial port. ``port`` may be a device path or an already open pyserial port."""

    def __init__(self, port, baudrate: int = 31250, now=time.monotonic):
        import serial

        try:
            self._serial = port if hasattr(port, "read") else serial.Serial(port, baudrate, timeout=0)
        except serial.SerialException as error:
            raise TransportError(f"cannot open serial port {port}: {error}") from error
        self.name = getattr(self._serial, "port", None) or str(port)
        self._parser = mido.Parser()
        self._now = now
        self._origin = now()

    def send(self, message: mido.Message) -> None:
        import serial

        try:
            self._serial.write(bytes(message.bin()))
        except (serial.SerialException, OSError) as error:
            raise TransportError(f"{self.name} is gone (unplugged?): {error}") from error

    def receive(self, seconds: float) -> list[tuple[int, mido.Message]]:
        import serial

        deadline = self._now() + seconds
        received = []
        while True:
            try:
                data = self._serial.read(256)
            except (serial.SerialException, OSError) as error:
                raise TransportError(f"{self.name} is gone (unplugged?): {error}") from error
            if data:
                self._parser.feed(data)
                stamp = round((self._now() - self._origin) * 1e6)
                received.extend((stamp, message) for message in self._parser)
            elif self._now() >= deadline:
                return received
            else:
                time.sleep(0.001)

    def close(self) -> None:
        self._serial.close()

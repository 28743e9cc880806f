"""Opening a transport to a keyboard from command-line choices: the emulator, a serial port, a named MIDI
port, or the keyboard's MIDI port found by name."""

from __future__ import annotations

import contextlib
from pathlib import Path

from keycomposer.device.discovery import PRODUCT_NAME, find_midi_ports
from keycomposer.device.transport import EmulatorTransport, PortTransport, SerialTransport, TransportError


def add_connection_options(parser, emulator_help: str = "use the emulated keyboard instead of a real one") -> None:
    """The options every command that talks to a keyboard takes."""
    parser.add_argument("--emulator", action="store_true", help=emulator_help)
    parser.add_argument("--interpreter", choices=("micropython", "cpython"), default="micropython",
                        help="the emulator's interpreter (default: micropython)")
    parser.add_argument("--dsn-seed", type=int, default=0, metavar="N",
                        help="the emulated keyboard's unique id comes from this seed (default 0)")
    parser.add_argument("--flash", metavar="DIR", help="the emulated keyboard keeps its flash (settings) here, "
                        "made if missing (without it, a temporary flash that ends with the command)")
    parser.add_argument("--port", metavar="NAME", help="the keyboard's MIDI port (default: the one found)")
    parser.add_argument("--serial", metavar="DEVICE", help="a keyboard sending plain MIDI bytes on a serial port")


@contextlib.contextmanager
def open_transport(args):
    """A transport for ``args`` (see add_connection_options); closed on exit."""
    flash = getattr(args, "flash", None)
    if flash and not args.emulator:
        raise TransportError("--flash DIR is the emulated keyboard's flash: add --emulator")
    if args.emulator:
        from keycomposer.emulator import Emulator, EmulatorError

        if flash:
            _make_flash_folder(Path(flash))
        try:
            emulator = Emulator(interpreter=args.interpreter, dsn_seed=args.dsn_seed, flash_dir=flash)
            emulator.start()
        except EmulatorError as error:
            raise TransportError(f"the emulator would not start: {error}") from error
        transport = EmulatorTransport(emulator)
    elif getattr(args, "serial", None):
        transport = SerialTransport(args.serial)
    else:
        port = args.port
        if port is None:
            found, problem = find_midi_ports()
            if problem:
                raise TransportError(f"{problem}; use --emulator to work without a keyboard")
            if not found:
                raise TransportError(
                    f"no MIDI port named like {PRODUCT_NAME!r}: is the keyboard plugged in? "
                    "(`keycomposer devices` lists what is seen; --emulator works without one)"
                )
            port = found[0].name
        transport = PortTransport(port)
    try:
        yield transport
    finally:
        transport.close()


def _make_flash_folder(folder: Path) -> None:
    """A new flash is an empty folder, as a new keyboard's flash is empty: made here when it is missing."""
    if folder.exists() and not folder.is_dir():
        raise TransportError(f"--flash {folder} is a file; the emulated keyboard's flash is a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TransportError(f"cannot make the flash folder {folder}: {error.strerror or error}") from error

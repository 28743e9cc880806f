"""Finding keyboards: on USB (pyusb), as MIDI ports (mido over python-rtmidi), as serial ports (pyserial).

Each finder returns what it saw plus, when it could not look, a one-line reason instead of a traceback:
a PC with no libusb, no MIDI system (no ALSA sequencer here) or no serial ports is an ordinary case.
"""

from dataclasses import dataclass, field

from keycomposer.quiet import quiet_c_stderr

# The keyboard's USB identity, as hardware/keyboard.json gives it to the firmware.
USB_VENDOR_ID = 0x2E8A
USB_PRODUCT_ID = 0x10C9
PRODUCT_NAME = "keycomposer"


@dataclass
class Found:
    """One keyboard (or a place one may be), as one finder saw it."""

    via: str  # "usb", "midi", "serial" or "emulator"
    name: str
    serial: str | None = None  # the USB serial-number string: the DSN on a keycomposer keyboard
    detail: str = ""


@dataclass
class Search:
    found: list[Found] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per finder that could not look


def find_usb() -> tuple[list[Found], str | None]:
    try:
        import usb.core
        import usb.util
    except ImportError:
        return [], "USB: pyusb is not installed"
    try:
        devices = list(usb.core.find(find_all=True, idVendor=USB_VENDOR_ID, idProduct=USB_PRODUCT_ID))
    except usb.core.NoBackendError:
        return [], "USB: no libusb backend (install libusb-1.0, e.g. apt-get install libusb-1.0-0)"
    except usb.core.USBError as error:
        return [], f"USB: cannot list devices ({error})"
    found = []
    for device in devices:
        try:
            serial = usb.util.get_string(device, device.iSerialNumber) if device.iSerialNumber else None
        except (usb.core.USBError, ValueError) as error:
            serial, detail = None, f"serial unreadable: {error} (permissions? see README, udev rule)"
        else:
            detail = ""
        where = f"bus {device.bus} address {device.address}"
        found.append(Found("usb", f"{PRODUCT_NAME} ({where})", serial, detail))
    return found, None


def find_midi_ports() -> tuple[list[Found], str | None]:
    try:
        import mido

        with quiet_c_stderr():  # ALSA prints its own complaint on fd 2 before rtmidi raises
            names = set(mido.get_input_names()) | set(mido.get_output_names())
    except ImportError as error:
        return [], f"MIDI: no MIDI backend ({error}); install python-rtmidi"
    except Exception as error:  # rtmidi raises its own SystemError types when there is no MIDI system
        return [], f"MIDI: no MIDI system available ({type(error).__name__}: {error})"
    return [Found("midi", name) for name in sorted(names) if PRODUCT_NAME in name.lower()], None


def find_serial_ports() -> tuple[list[Found], str | None]:
    try:
        from serial.tools import list_ports
    except ImportError:
        return [], "serial: pyserial is not installed"
    found = []
    for port in list_ports.comports():
        if port.vid == USB_VENDOR_ID:
            found.append(Found("serial", port.device, port.serial_number, port.description or ""))
    return found, None


def find_keyboards(include_emulator: bool = True) -> Search:
    """Look everywhere a keyboard can be; the emulator is always there when MicroPython is installed."""
    search = Search()
    for finder in (find_usb, find_midi_ports, find_serial_ports):
        found, problem = finder()
        search.found.extend(found)
        if problem:
            search.problems.append(problem)
    if include_emulator:
        search.found.append(Found("emulator", "emulated keyboard (keycomposer emulate)", None, "--emulator"))
    return search

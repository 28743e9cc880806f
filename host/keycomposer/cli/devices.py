"""`keycomposer devices`: the keyboards this PC can see, and why it could not look where it could not."""

from keycomposer.device.discovery import find_keyboards
from keycomposer.device.dsn import format_dsn, is_valid_dsn


def register(subparsers):
    parser = subparsers.add_parser("devices", help="list keyboards found on USB, MIDI and serial ports")
    parser.set_defaults(handler=run)


def run(args) -> int:
    search = find_keyboards()
    for found in search.found:
        dsn = f"  DSN {format_dsn(found.serial)}" if found.serial and is_valid_dsn(found.serial) else ""
        detail = f"  ({found.detail})" if found.detail else ""
        print(f"{found.via:9} {found.name}{dsn}{detail}")
    if not any(found.via != "emulator" for found in search.found):
        print("no keyboard found; plug it in, or use the emulator (keycomposer emulate, keycomposer keyboard)")
    for problem in search.problems:
        print(f"note: {problem}")
    return 0

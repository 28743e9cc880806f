"""`keycomposer flash`: build the keyboard's firmware (--output DIR) and put it on a Pico (--port PORT)."""

import tempfile
from pathlib import Path

from keycomposer.cli import CommandError
from keycomposer.emulator import EmulatorError
from keycomposer.flashing import RP2040_ARCH, FlashError, build_firmware, deploy


def register(subparsers):
    parser = subparsers.add_parser(
        "flash", help="build the keyboard firmware, and deploy it to a Pico with mpremote",
        description="Compiles every firmware module with mpy-cross for the RP2040 (plus main.py as source). "
        "--output DIR keeps that tree; --port PORT deploys it (installing usb-device-midi with mpremote mip, "
        "keeping the keyboard's settings) and checks the version the keyboard then reports.",
    )
    parser.add_argument("--output", metavar="DIR", type=Path, help="write the built firmware tree here")
    parser.add_argument("--port", metavar="PORT", help="the Pico's serial port, e.g. /dev/ttyACM0 or COM3")
    parser.add_argument("--firmware", metavar="DIR", type=Path, help="the firmware sources (default: the checkout's)")
    parser.add_argument("--arch", default=RP2040_ARCH, help=f"mpy-cross -march (default {RP2040_ARCH}; x64 for the emulator)")
    parser.add_argument("--no-deps", action="store_true", help="skip `mpremote mip install usb-device-midi`")
    parser.set_defaults(handler=run)


def run(args) -> int:
    if args.output is None and args.port is None:
        raise CommandError("give --output DIR (build the firmware tree) and/or --port PORT (deploy it)")
    if args.port is not None and args.arch != RP2040_ARCH:
        raise CommandError(f"--port deploys to a Pico, which needs --arch {RP2040_ARCH}")
    try:
        with tempfile.TemporaryDirectory(prefix="keycomposer-firmware-") as scratch:
            output = args.output if args.output is not None else Path(scratch) / "firmware"
            build = build_firmware(output, firmware_dir=args.firmware, arch=args.arch)
            print(f"built firmware {build.firmware_version}: {len(build.modules)} modules (-march={args.arch}) "
                  f"and main.py in {output}")
            if args.port is not None:
                deploy(build, args.port, install_dependency=not args.no_deps)
    except (FlashError, EmulatorError) as error:
        raise CommandError(str(error)) from error
    return 0

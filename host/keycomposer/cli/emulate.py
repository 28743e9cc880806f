"""`keycomposer emulate`: play a script on the emulated keyboard and print the MIDI it sends.

Each line of output is ``<virtual time in ms> <the message as mido prints it>``. The firmware runs in
its own process under MicroPython (or CPython, which must print the very same bytes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keycomposer.cli import CommandError
from keycomposer.cli._checks import read_script


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "emulate",
        help="run a script on the emulated keyboard and print the MIDI it sends",
        description=(
            "Run SCRIPT on the emulated keyboard in virtual time and print every MIDI message it sends, "
            "one line each: the virtual time in milliseconds, then the message. Script lines: press KEY "
            "[velocity=V | dt=MS], release KEY, wait MS, button NAME down|up|tap, wheel pitch -1..1, "
            "wheel mod 0..1, slider volume 0..1, pedal down|up, send HEX BYTES (paced as USB paces it), "
            "usb stall MS (the host reads nothing for MS from now), usb unplug, usb plug, # comments. After "
            "the last line 20 ms pass, so deferred releases come out."
        ),
    )
    parser.add_argument("--script", required=True, type=Path, metavar="FILE", help="the script to run")
    parser.add_argument(
        "--interpreter",
        choices=("micropython", "cpython"),
        default="micropython",
        help="which interpreter runs the firmware (default: micropython)",
    )
    parser.add_argument(
        "--dsn-seed", type=int, default=0, metavar="N", help="number of the emulated keyboard: sets its unique id and DSN"
    )
    parser.set_defaults(handler=emulate)


def emulate(args: argparse.Namespace) -> int:
    from keycomposer.emulator import Emulator, EmulatorError, FaultEvent, MidiEvent
    from keycomposer.emulator.script import ScriptError, format_time, parse_script, run_script

    text = read_script(args.script)
    try:
        steps = parse_script(text)
    except ScriptError as error:
        raise CommandError(f"{args.script}: {error}") from error
    if not 0 <= args.dsn_seed < 2**64:
        raise CommandError(f"--dsn-seed must be in range 0..2**64-1, got {args.dsn_seed}")
    try:
        with Emulator(interpreter=args.interpreter, dsn_seed=args.dsn_seed) as emulator:
            events = run_script(steps, emulator)
    except EmulatorError as error:
        raise CommandError(f"the emulator failed: {error}") from error
    for event in events:
        if isinstance(event, MidiEvent):
            print(f"{format_time(event.time_us)} {event.message}")
        elif isinstance(event, FaultEvent):
            print(f"keycomposer emulate: fault at {format_time(event.time_us)} ms: {event.text}", file=sys.stderr)
    return 0

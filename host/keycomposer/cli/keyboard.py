"""`keycomposer keyboard`: play the emulated keyboard from the computer's keys, in the terminal.

The firmware runs in real time in the emulator; the screen shows its keys, LEDs, octave and the MIDI it
sends. Every take (ended with Enter, by the keyboard's record button, or by quitting) is saved to the
library as a recording; the ids are printed on exit. console_keyboard/keymap.py has the key map and
console_keyboard/strokes.py how a note ends, since terminals report presses and never releases.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from keycomposer.cli import CommandError

_MIDI_SUFFIXES = (".mid", ".midi")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "keyboard",
        help="play the emulated keyboard from the computer's keys and record takes",
        description=(
            "Open the console keyboard: the bottom letter row (z s x d c ...) plays the lower octave, the "
            "top row (q 2 w 3 e ...) the upper one; Up/Down move the octave, Shift+C chord, Shift+A arp, "
            "Shift+R record, Shift+P playback, Shift+T tap tempo; Left/Right change the velocity. "
            "Terminals report key presses, not releases: a note sounds for --hold-ms (holding the "
            "computer key holds it, through the terminal's auto-repeat), or, in latch mode (Shift+L), "
            "until its key is pressed again. Enter ends the take and saves it, as does the keyboard's "
            "record button switched off (a take starts when it is switched on); Esc or Ctrl-C quits, "
            "saving the take under way. Saved ids are printed on exit."
        ),
    )
    parser.add_argument(
        "--interpreter", choices=("micropython", "cpython"), default="micropython",
        help="which interpreter runs the firmware (default: micropython)",
    )
    parser.add_argument(
        "--dsn-seed", type=int, default=0, metavar="N", help="number of the emulated keyboard (its unique id)"
    )
    parser.add_argument("--no-save", action="store_true", help="do not save takes to the library")
    parser.add_argument("--out", type=Path, metavar="FILE.mid", help="also write the last take to this MIDI file")
    parser.add_argument(
        "--hold-ms", type=int, default=300, metavar="MS", help="how long a key press sounds in hold mode (default 300)"
    )
    parser.add_argument(
        "--velocity", type=int, default=100, metavar="V", help="velocity to start with, 1..127 (default 100)"
    )
    parser.set_defaults(handler=keyboard)


def _check(args: argparse.Namespace) -> None:
    if not 0 <= args.dsn_seed < 2**64:
        raise CommandError(f"--dsn-seed must be in range 0..2**64-1, got {args.dsn_seed}")
    if not 20 <= args.hold_ms <= 10_000:
        raise CommandError(f"--hold-ms must be in range 20..10000, got {args.hold_ms}")
    if not 1 <= args.velocity <= 127:
        raise CommandError(f"--velocity must be in range 1..127, got {args.velocity}")
    if args.out is not None:
        if args.out.suffix.lower() not in _MIDI_SUFFIXES:
            raise CommandError(f"--out {args.out}: the file name must end in .mid or .midi")
        if not args.out.parent.is_dir():
            raise CommandError(f"--out {args.out}: folder {args.out.parent} does not exist")
        if args.out.is_dir():
            raise CommandError(f"--out {args.out} is a folder; give a file name ending in .mid")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CommandError("the console keyboard needs a terminal (stdin and stdout must be a tty)")


class _Stopped(Exception):
    """The process was told to stop (SIGTERM, or SIGHUP: the terminal closed)."""


def _raise_stopped(signum: int, frame: object) -> None:
    raise _Stopped(signal.Signals(signum).name)


def keyboard(args: argparse.Namespace) -> int:
    from keycomposer.console_keyboard.session import ConsoleKeyboard
    from keycomposer.console_keyboard.takes import TakeKeeper
    from keycomposer.console_keyboard.terminal import TerminalError, check_terminal, run_in_terminal
    from keycomposer.emulator import Emulator, EmulatorError
    from keycomposer.library.store import Library, LibraryError
    from keycomposer.music.composition import Composition
    from keycomposer.music.midi_io import write_midi

    _check(args)
    try:
        check_terminal()
    except TerminalError as error:
        raise CommandError(str(error)) from error
    library = None
    if not args.no_save:
        try:
            library = Library()
        except LibraryError as error:
            raise CommandError(str(error)) from error
    problems: list[str] = []

    def save(composition: Composition, number: int) -> int | None:
        if library is None:
            return None
        try:
            entry = library.save(
                composition, "recording", name=f"keyboard take {number}",
                parameters={"input": "console keyboard", "interpreter": args.interpreter, "dsn_seed": args.dsn_seed},
            )
        except LibraryError as error:
            problems.append(f"take {number} could not be saved: {error}")
            return None
        return entry.id

    takes: TakeKeeper[int] = TakeKeeper(save)
    failure: str | None = None
    try:
        emulator = Emulator(interpreter=args.interpreter, dsn_seed=args.dsn_seed, realtime=True)
        emulator.start()
    except EmulatorError as error:
        if library is not None:
            library.close()
        raise CommandError(f"the emulated keyboard did not start: {error}") from error
    previous = {signum: signal.signal(signum, _raise_stopped) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        title = (
            f"keycomposer keyboard  ({args.interpreter}, firmware {emulator.firmware_version}, "
            f"dsn seed {args.dsn_seed})"
        )
        console = ConsoleKeyboard(emulator, takes, hold_us=args.hold_ms * 1000, velocity=args.velocity, title=title)
        run_in_terminal(console)
    except EmulatorError as error:
        failure = f"the emulated keyboard stopped: {error}"
    except TerminalError as error:
        failure = str(error)
    except _Stopped as signal_name:
        failure = f"stopped by {signal_name}"
    finally:
        takes.end_take()  # whatever was under way when it ended is kept (a no-op after a normal quit)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        emulator.close()
        if library is not None:
            library.close()

    for take in takes.finished:
        where = f"saved as recording #{take.saved}" if take.saved is not None else "not saved"
        print(f"take {take.number}: {take.notes} notes, {where}")
    if not takes.finished:
        print("nothing was played: no take to save")
    for problem in problems:
        print(f"keycomposer keyboard: {problem}", file=sys.stderr)
    if args.out is not None and takes.finished:
        try:
            write_midi(takes.finished[-1].composition, args.out)
        except OSError as error:
            raise CommandError(f"cannot write {args.out}: {error}") from error
        print(f"wrote take {takes.finished[-1].number} to {args.out}")
    if failure is not None:
        raise CommandError(failure)
    return 1 if problems else 0

"""`keycomposer record`: record a take from the keyboard (or the emulator) and save it to the library."""

from __future__ import annotations

from keycomposer.cli import CommandError
from keycomposer.cli._checks import check_bars, check_bpm, check_output_file, read_script
from keycomposer.device.connect import add_connection_options, open_transport
from keycomposer.device.transport import TransportError
from keycomposer.library.store import Library, LibraryError
from keycomposer.recorder import Recorder
from keycomposer.take import bar_limit_us, record_from_script, record_live


def register(subparsers):
    parser = subparsers.add_parser(
        "record", help="record what is played on the keyboard and save it to the library",
        description="Records until the keyboard's record button ends the take, the bar limit is reached, "
        "or Ctrl-C; with --emulator --script FILE the script plays the emulated keyboard.",
    )
    add_connection_options(parser)
    parser.add_argument("--script", metavar="FILE", help="with --emulator: play this emulator script")
    parser.add_argument("--bars", type=int, default=8, help="longest take in bars of 4/4 (default 8)")
    parser.add_argument("--bpm", type=float, default=120.0, help="tempo the take is written at (default 120)")
    parser.add_argument("--name", help="library name for the take (default: take)")
    parser.add_argument("--out", metavar="FILE.mid", help="also write the take to this MIDI file")
    parser.set_defaults(handler=run)


def run(args) -> int:
    if args.script and not args.emulator:
        raise CommandError("--script plays the emulated keyboard: add --emulator")
    check_bars(args.bars)
    check_bpm(args.bpm)
    if args.out:
        check_output_file(args.out)
    text = read_script(args.script) if args.script else ""
    recorder = Recorder(bpm=args.bpm, name=args.name or "take")
    max_us = bar_limit_us(args.bars, args.bpm)
    ended_by = "bar limit"
    try:
        with open_transport(args) as transport:
            if args.script:
                ended_by = record_from_script(text, transport, recorder, max_us)
            else:
                print(f"recording from {transport.name}: play; the record button, {args.bars} bars or Ctrl-C end the take")
                ended_by = record_live(transport, recorder, max_us)
    except TransportError as error:
        if not recorder.started:
            raise CommandError(str(error)) from error
        ended_by = f"the keyboard went away ({error})"
    take = recorder.composition()
    if take.note_count == 0:
        raise CommandError(f"the take holds no notes (ended by {ended_by}); nothing saved")
    try:
        with Library() as library:
            entry = library.save(take, "recording", name=args.name or "take",
                                 parameters={"bpm": args.bpm, "bars": args.bars, "ended_by": ended_by})
    except LibraryError as error:
        raise CommandError(str(error)) from error
    if args.out:
        from keycomposer.music.midi_io import write_midi

        try:
            write_midi(take, args.out)
        except OSError as error:
            raise CommandError(f"saved recording {entry.id}, but cannot write {args.out}: "
                               f"{error.strerror or error}") from error
    print(f"saved recording {entry.id} ({take.note_count} notes; ended by {ended_by})")
    return 0


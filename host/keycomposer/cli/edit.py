"""`keycomposer edit`: rhythm assist, pitch, instrument and tempo, each edit saved as a NEW composition."""

from keycomposer.cli import CommandError
from keycomposer.library.inputs import InputError, resolve_input
from keycomposer.library.store import Library, LibraryError
from keycomposer.music.edits import apply_edits
from keycomposer.music.midi_io import MidiFileError


def register(subparsers):
    parser = subparsers.add_parser(
        "edit", help="quantize, transpose, change instrument or tempo; saves a new composition",
        description="Applies the chosen edits in the order quantize, transpose, instrument, tempo, and "
        "saves the result as a new library entry; the original is never changed.",
    )
    parser.add_argument("input", metavar="ID|FILE|sample:NAME")
    parser.add_argument("--quantize", type=int, metavar="STEPS_PER_BEAT",
                        help="rhythm assist: snap notes to this grid (4 = 16th notes)")
    parser.add_argument("--strength", type=float, default=1.0, help="how far notes move to the grid, 0..1")
    parser.add_argument("--transpose", type=int, metavar="SEMITONES")
    parser.add_argument("--instrument", metavar="PROGRAM", help="General MIDI program number or name")
    parser.add_argument("--track", type=int, action="append", metavar="INDEX",
                        help="only these tracks for --transpose/--instrument (repeatable)")
    parser.add_argument("--bpm", type=float, help="new opening tempo")
    parser.add_argument("--name", help="name of the new entry")
    parser.set_defaults(handler=run)


def run(args) -> int:
    if args.quantize is None and args.transpose is None and args.instrument is None and args.bpm is None:
        raise CommandError("choose at least one edit: --quantize, --transpose, --instrument or --bpm")
    try:
        composition, done = apply_edits(resolve_input(args.input), args.quantize, args.strength, args.transpose,
                                        args.instrument, args.bpm, args.track)
        with Library() as library:
            entry = library.save(composition, "edit", name=args.name, source=args.input,
                                 parameters={"edits": done})
    except (InputError, MidiFileError, LibraryError, ValueError, KeyError) as error:
        raise CommandError(str(error)) from error
    print(f"saved edit {entry.id}: {', '.join(done)}")
    return 0

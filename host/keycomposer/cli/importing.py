"""`keycomposer import FILE.mid`: add a MIDI file to the library (checked first; a failure changes nothing)."""

from __future__ import annotations

from keycomposer.cli import CommandError
from keycomposer.library.store import Library, LibraryError
from keycomposer.music.midi_io import MidiFileError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "import",
        help="add a MIDI file (type 0 or 1) to the library",
        description="Import a MIDI file into the composition library and print its new id.",
    )
    parser.add_argument("file", metavar="FILE.mid")
    parser.add_argument("--name", help="name to save it under (default: the file's title or name)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    try:
        with Library() as library:
            entry = library.import_file(args.file, name=args.name)
    except (MidiFileError, LibraryError) as error:
        raise CommandError(str(error)) from error
    notes = entry.metrics.get("overall", {}).get("notes", "?")
    print(f"{entry.id}: imported {entry.name!r} ({notes} notes, {entry.metrics.get('bars', '?')} bars)")
    return 0

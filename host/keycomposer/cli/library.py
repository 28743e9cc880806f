"""`keycomposer library list|show|rename|delete|export`: browse and manage saved compositions."""

from __future__ import annotations

import json

from keycomposer.cli import CommandError
from keycomposer.library.store import Entry, Library, LibraryError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "library",
        help="list, show, rename, delete or export saved compositions",
        description="Manage the composition library (in the user's data directory; KEYCOMPOSER_DATA_DIR overrides).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="list every saved composition")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_list)

    show = actions.add_parser("show", help="show one composition's details and metrics")
    show.add_argument("id")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=run_show)

    rename = actions.add_parser("rename", help="give a composition a new name")
    rename.add_argument("id")
    rename.add_argument("name")
    rename.set_defaults(handler=run_rename)

    delete = actions.add_parser("delete", help="delete a composition and its file")
    delete.add_argument("id")
    delete.set_defaults(handler=run_delete)

    export = actions.add_parser("export", help="copy a composition's MIDI file out of the library")
    export.add_argument("id")
    export.add_argument("file", metavar="FILE.mid")
    export.add_argument("--force", action="store_true", help="replace FILE.mid if it exists (a plain file only)")
    export.set_defaults(handler=run_export)


def _open() -> Library:
    try:
        return Library()
    except LibraryError as error:
        raise CommandError(str(error)) from error


def _summary(entry: Entry) -> str:
    notes = entry.metrics.get("overall", {}).get("notes", "?")
    bars = entry.metrics.get("bars", "?")
    return f"{entry.id:>5}  {entry.created[:19]:<19}  {entry.kind:<10}  {bars:>3} bars {notes:>5} notes  {entry.name}"


def run_list(args) -> int:
    with _open() as library:
        entries = library.entries()
    if args.json:
        print(json.dumps([entry.to_json() for entry in entries], indent=2))
    elif not entries:
        print("the library is empty (record, generate or `keycomposer import FILE.mid` to add to it)")
    else:
        print(f"{'id':>5}  {'created (UTC)':<19}  {'kind':<10}  {'length':<20}  name")
        for entry in entries:
            print(_summary(entry))
    return 0


def run_show(args) -> int:
    with _open() as library:
        try:
            entry = library.get(args.id)
        except LibraryError as error:
            raise CommandError(str(error)) from error
    if args.json:
        print(json.dumps(entry.to_json(), indent=2))
        return 0
    print(f"id:         {entry.id}")
    print(f"name:       {entry.name}")
    print(f"created:    {entry.created}")
    print(f"kind:       {entry.kind}")
    print(f"source:     {entry.source or '-'}")
    print(f"model:      {entry.model or '-'}")
    print(f"parameters: {json.dumps(entry.parameters, sort_keys=True) if entry.parameters else '-'}")
    print(f"file:       {entry.path}")
    overall = entry.metrics.get("overall", {})
    if overall:
        print("metrics:")
        for key, value in overall.items():
            print(f"  {key:<20} {value}")
    return 0


def run_rename(args) -> int:
    with _open() as library:
        try:
            entry = library.rename(args.id, args.name)
        except LibraryError as error:
            raise CommandError(str(error)) from error
    print(f"{entry.id}: renamed to {entry.name!r}")
    return 0


def run_delete(args) -> int:
    with _open() as library:
        try:
            entry = library.get(args.id)
            library.delete(entry.id)
        except LibraryError as error:
            raise CommandError(str(error)) from error
    print(f"{entry.id}: deleted {entry.name!r}")
    return 0


def run_export(args) -> int:
    with _open() as library:
        try:
            destination = library.export(args.id, args.file, replace=args.force)
        except LibraryError as error:
            raise CommandError(str(error)) from error
    print(f"{args.id}: exported to {destination}")
    return 0

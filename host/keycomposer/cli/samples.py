"""`keycomposer samples`: list the built-in sample melodies, or write one to a MIDI file."""

from __future__ import annotations

import json

from keycomposer.cli import CommandError
from keycomposer.music.midi_io import write_midi
from keycomposer.music.samples import SAMPLES, sample_composition, sample_names


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "samples",
        help="list the sample melodies (usable as sample:NAME wherever an input is taken)",
        description="List the built-in public-domain sample melodies, or write one to a MIDI file.",
    )
    parser.add_argument("name", nargs="?", help="a sample to write out (with --output)")
    parser.add_argument("-o", "--output", metavar="FILE.mid", help="write the sample NAME to this MIDI file")
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.set_defaults(handler=run)


def run(args) -> int:
    if args.name is not None or args.output is not None:
        if args.name is None or args.output is None:
            raise CommandError("to write a sample give both its NAME and --output FILE.mid")
        if args.name not in SAMPLES:
            raise CommandError(f"no sample melody is called {args.name!r}; there are: {', '.join(sample_names())}")
        try:
            write_midi(sample_composition(args.name), args.output)
        except OSError as error:
            raise CommandError(f"cannot write {args.output}: {error.strerror or error}") from error
        print(f"wrote sample:{args.name} to {args.output}")
        return 0
    rows = []
    for name in sample_names():
        tune = SAMPLES[name]
        composition = sample_composition(name)
        bars = -(-composition.end // composition.ticks_per_bar)
        rows.append({"name": name, "input": f"sample:{name}", "title": tune.title, "origin": tune.origin,
                     "time_signature": f"{tune.meter[0]}/{tune.meter[1]}", "bpm": tune.bpm, "bars": bars,
                     "notes": composition.note_count})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"sample:{row['name']:<16} {row['title']:<32} {row['time_signature']:>4}  {row['bars']:>2} bars  "
              f"{row['origin']}")
    return 0

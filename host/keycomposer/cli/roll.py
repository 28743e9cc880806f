"""`keycomposer roll ID|FILE|sample:NAME out.png`: draw a piano roll, one colour a track."""

from __future__ import annotations

from keycomposer.cli import CommandError
from keycomposer.library.inputs import InputError, resolve_input
from keycomposer.music.midi_io import MidiFileError
from keycomposer.music.roll_image import draw_pianoroll, track_colour


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "roll",
        help="draw a piano roll to a PNG picture",
        description="Draw the piano roll of a library id, a MIDI file or sample:NAME to a PNG file.",
    )
    parser.add_argument("input", metavar="ID|FILE|sample:NAME")
    parser.add_argument("output", metavar="out.png")
    parser.add_argument("--steps-per-beat", type=int, default=4, help="horizontal detail (default 4: 16th notes)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    if args.steps_per_beat < 1 or args.steps_per_beat > 96:
        raise CommandError(f"--steps-per-beat must be in range 1..96, got {args.steps_per_beat}")
    try:
        composition = resolve_input(args.input)
        width, height = draw_pianoroll(composition, args.output, args.steps_per_beat)
    except (InputError, MidiFileError, ValueError) as error:
        raise CommandError(str(error)) from error
    except OSError as error:
        raise CommandError(f"cannot write {args.output}: {error.strerror or error}") from error
    print(f"wrote {args.output} ({width} x {height} pixels)")
    for index, track in enumerate(composition.tracks):
        red, green, blue = track_colour(index)
        print(f"  #{red:02x}{green:02x}{blue:02x}  track {index}: {track.name or '(unnamed)'}")
    return 0

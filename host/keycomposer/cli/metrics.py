"""`keycomposer metrics FILE|ID|sample:NAME`: MuseGAN's objective metrics of a composition."""

from __future__ import annotations

import json

from keycomposer.cli import CommandError
from keycomposer.library.inputs import InputError, resolve_input
from keycomposer.music.metrics import composition_metrics
from keycomposer.music.midi_io import MidiFileError

METRIC_LABELS = {
    "notes": "notes",
    "empty_bar_rate": "empty bar rate",
    "pitches_used": "pitches used",
    "pitch_classes_used": "pitch classes used",
    "pitch_classes_per_bar": "pitch classes per bar",
    "polyphonic_rate": "polyphonic rate",
    "qualified_note_rate": "qualified note rate",
    "stepwise_motion": "moves by step",
    "in_scale_ratio": "in-scale ratio",
    "key": "best-fitting key",
    "drum_in_pattern_rate": "drum-in-pattern rate",
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "metrics",
        help="objective metrics (empty bars, pitches, polyphony, scale, drums, tonal distance)",
        description="Print MuseGAN-style objective metrics of a MIDI file, a library id or sample:NAME.",
    )
    parser.add_argument("input", metavar="FILE|ID|sample:NAME")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def _value(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def overall_summary(overall: dict) -> str:
    """One line of a composition's overall metrics, as generate and demo print them (unknown ones left out)."""
    return ", ".join(f"{key} {_value(value)}" for key, value in overall.items() if value is not None)


def run(args) -> int:
    try:
        composition = resolve_input(args.input)
    except (InputError, MidiFileError) as error:
        raise CommandError(str(error)) from error
    result = composition_metrics(composition)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    meters = result["time_signature"]
    bars = f"bars of {meters}" if "," not in meters else f"bars ({meters.replace(', ', ', then ')})"
    print(f"{result['name'] or args.input}: {result['bars']} {bars} at {result['bpm']:g} BPM")
    print("overall (pitched tracks together):")
    for key, value in result["overall"].items():
        print(f"  {METRIC_LABELS[key]:<22} {_value(value)}")
    for track in result["tracks"]:
        kind = "drums" if track["drum"] else f"program {track['program']}"
        print(f"track {track['index']} {track['name']!r} ({kind}):")
        for key, value in track.items():
            if key in METRIC_LABELS:
                print(f"  {METRIC_LABELS[key]:<22} {_value(value)}")
    for pair, value in result["tonal_distance"].items():
        print(f"tonal distance, tracks {pair}: {_value(value)}")
    return 0

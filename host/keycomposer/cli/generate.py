"""`keycomposer generate`: standalone generate mode, no keyboard needed."""

from __future__ import annotations

from keycomposer.cli import CommandError
from keycomposer.cli._checks import check_output_file
from keycomposer.cli.metrics import overall_summary
from keycomposer.generation import generate
from keycomposer.library.inputs import InputError, resolve_input
from keycomposer.library.store import Library, LibraryError
from keycomposer.models.runtime import ModelError
from keycomposer.music.midi_io import MidiFileError, write_midi
from keycomposer.model_catalog import Choice, choose
from keycomposer.techniques import TECHNIQUES


def register(subparsers):
    parser = subparsers.add_parser(
        "generate", help="run a model on a sample, a MIDI file or a library entry and save the result",
        description="Runs a model with no keyboard; the result is saved to the library and its id and "
        "metrics printed. `keycomposer models` lists the models and their parameters.",
    )
    parser.add_argument("--model", required=True, metavar="|".join(sorted(TECHNIQUES)) + "|YOURS",
                        help="a technique (its shipped model), or the name of a model you trained")
    parser.add_argument("--input", required=True, metavar="sample:NAME|FILE.mid|ID")
    parser.add_argument("--seed", type=int, help="same seed, same result")
    parser.add_argument("--out", metavar="FILE.mid", help="also write the result here")
    add_parameter_options(parser)
    parser.set_defaults(handler=run)


def add_parameter_options(parser) -> None:
    """One option per parameter of any technique; a parameter another model owns is refused at run time."""
    seen = set()
    for technique in TECHNIQUES.values():
        for parameter in technique.parameters:
            if parameter.name not in seen:
                seen.add(parameter.name)
                parser.add_argument(f"--{parameter.name}", metavar="VALUE",
                                    help=f"{parameter.help} ({technique.name}; default {parameter.default})".replace("%", "%%"))


def chosen_parameters(args, technique) -> dict:
    own = {p.name for p in technique.parameters}
    chosen = {}
    for technique_ in TECHNIQUES.values():
        for parameter in technique_.parameters:
            text = getattr(args, parameter.name.replace("-", "_"), None)
            if text is None:
                continue
            if parameter.name not in own:
                raise CommandError(f"--{parameter.name} is not a parameter of {technique.name}")
            if technique_ is technique:
                try:
                    chosen[parameter.name.replace("-", "_")] = parameter.parse(text)
                except ValueError as error:
                    raise CommandError(str(error)) from error
    return chosen


def chosen_model(name: str) -> Choice:
    """The technique (and the person's model) ``--model NAME`` names, or a one-line CommandError."""
    try:
        return choose(name)
    except ModelError as error:
        raise CommandError(str(error)) from error


def run(args) -> int:
    choice = chosen_model(args.model)
    technique = choice.technique
    parameters = chosen_parameters(args, technique)
    if args.out:
        check_output_file(args.out)  # before the model runs, not after the result is saved
    try:
        composition = resolve_input(args.input)
        with Library() as library:
            title = technique.title if choice.model is None else f"{technique.title} (your model {choice.name})"
            print(f"{title}: generating from {args.input} ...", flush=True)
            generated = generate(technique, composition, library, args.input, parameters, args.seed, choice.model)
    except (InputError, MidiFileError, LibraryError, ModelError, ValueError) as error:
        raise CommandError(str(error)) from error
    if args.out:
        try:
            write_midi(generated.composition, args.out)
        except OSError as error:
            raise CommandError(f"saved generation {generated.entry.id}, but cannot write {args.out}: "
                               f"{error.strerror or error}") from error
    summary = overall_summary(generated.entry.metrics.get("overall", {}))
    music = generated.composition
    print(f"saved generation {generated.entry.id} ({music.note_count} notes, {music.seconds(music.end):.1f} s "
          f"of music; the model took {generated.seconds:.2f} s)")
    if summary:
        print(f"metrics: {summary}")
    return 0

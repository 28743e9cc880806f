"""`keycomposer train gan|arcnn|txl`: train a model of your own on a built-in data set or a folder of your MIDI
files; it is installed in your data folder, where `keycomposer models` lists it and `--model NAME` runs it.

Training needs the train extra (TensorFlow, music21); without it the command says how to install it and stops.
"""

from __future__ import annotations

import sys

from keycomposer.cli import CommandError
from keycomposer.model_catalog import check_name, user_models
from keycomposer.models.runtime import ModelError
from keycomposer.music.midi_folder import MAX_FILES, TrainingDataError, midi_files, read_midi_folder
from keycomposer.progress import progress_bar
from keycomposer.techniques import TECHNIQUES
from keycomposer.training import (
    BUILT_IN_DATA,
    TECHNIQUE_OPTIONS,
    TRAIN_EXTRA,
    TrainingRequest,
    TrainingRequestError,
    check_numbers,
    check_options,
    data_choice,
    default_name,
    missing_training_packages,
    trainer_for,
)

EXIT_UNAVAILABLE = 2  # as for a usage error: nothing was done, and the line says what this install lacks


def register(subparsers):
    parser = subparsers.add_parser(
        "train", help="train a model of your own (needs: pip install 'keycomposer[train]')",
        description="Trains a model of a technique on a built-in data set or a folder of your MIDI files and "
        "installs it in your data folder (keycomposer models lists it; --model NAME runs it).")
    techniques = parser.add_subparsers(dest="technique", metavar="TECHNIQUE", required=True)
    for name, sets in BUILT_IN_DATA.items():
        technique = techniques.add_parser(name, help=f"train your own {TECHNIQUES[name].title} model",
                                          description=f"Train your own {TECHNIQUES[name].title} model.")
        first = next(iter(sets))
        built_in = "; ".join(f"{set_name}: {about}" for set_name, about in sets.items())
        technique.add_argument("--data", default=first, metavar="NAME|FOLDER",
                               help=f"a built-in data set ({built_in}) or a folder of your MIDI files, read as "
                               f"`keycomposer import` reads one and split by piece (default {first}; ./{first} is "
                               "a folder of that name)")
        length = technique.add_mutually_exclusive_group()
        length.add_argument("--minutes", type=float, help="train this long (wall time)")
        length.add_argument("--epochs", type=float, help="train for this many passes over the training pieces")
        technique.add_argument("--seed", type=int, default=0, help="same seed, data and settings: same model "
                               "(default 0)")
        technique.add_argument("--name", help=f"the model's name (default {name}-DATA): --model NAME runs it")
        technique.add_argument("--lr", type=float, help="learning rate (default: the technique's)")
        technique.add_argument("--batch", type=int, help="examples per step (default: the technique's)")
        technique.add_argument("--resume", action="store_true",
                               help="go on from the last checkpoint of the run of this name")
        for option in TECHNIQUE_OPTIONS.get(name, ()):
            technique.add_argument(f"--{option.name}", type=option.kind, dest=f"option_{option.key}",
                                   metavar=option.kind.__name__.upper(), default=None,
                                   help=f"{option.help} (default {option.default})")
        technique.set_defaults(handler=run)


def training_request(args) -> TrainingRequest:
    """The options, checked before any data is read or any network built."""
    try:
        check_numbers(args.minutes, args.epochs, args.lr, args.batch, args.seed)
        options = check_options(args.technique, {option.key: getattr(args, f"option_{option.key}")
                                                 for option in TECHNIQUE_OPTIONS.get(args.technique, ())})
        data = data_choice(args.technique, args.data)
        name = args.name if args.name is not None else default_name(args.technique, data)
        check_name(name)
    except (TrainingRequestError, ModelError) as error:
        raise CommandError(str(error)) from error
    if not args.resume and any(model.name == name for model in user_models()):
        raise CommandError(f"you already have a model called {name!r}: choose another --name, or delete it "
                           f"(keycomposer models --delete {name})")
    return TrainingRequest(args.technique, data, name, args.seed, args.minutes, args.epochs, args.lr, args.batch,
                           args.resume, options)


def run(args) -> int:
    missing = missing_training_packages()
    if missing:
        print(f"keycomposer train: training needs {' and '.join(missing)}, which the runtime install leaves out: "
              f"{TRAIN_EXTRA}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    request = training_request(args)
    folder_data = None
    if not request.built_in:
        folder_data = read_folder(request)
    trainer = trainer_for(request.technique)
    if trainer is None:
        print(f"keycomposer train: training {request.technique} from this command is not wired in yet "
              f"(tools/{request.technique}/README.md says how it is trained today)", file=sys.stderr)
        return EXIT_UNAVAILABLE
    return trainer(request, folder_data)


def read_folder(request: TrainingRequest):
    """The folder's pieces, with what was left out and how the split fell printed for the person."""
    try:
        total = len(midi_files(request.data))
    except (TrainingDataError, OSError) as error:
        raise CommandError(str(error)) from error
    print(f"reading {total} MIDI files from {request.data} (at most {MAX_FILES}) ...", flush=True)
    try:
        with progress_bar(total, "reading MIDI files") as advance:
            data = read_midi_folder(request.data, advance)
    except (TrainingDataError, OSError) as error:
        raise CommandError(str(error)) from error
    for skipped in data.skipped:
        print(f"  left out {skipped.name}: {skipped.reason}")
    counts = data.counts()
    print(f"{len(data.pieces)} pieces ({sum(p.composition.note_count for p in data.pieces)} notes), "
          f"{len(data.skipped)} files left out; split by piece: train {counts['train']}, "
          f"validation {counts['valid']}, test {counts['test']}")
    return data

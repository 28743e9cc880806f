"""`keycomposer models`: the techniques with their parameters, then every model by name (shipped ones and the
person's own, from their data folder: which technique runs it, when it was trained, its key figures);
`--delete NAME` deletes one of the person's."""

from keycomposer.cli import CommandError
from keycomposer.model_catalog import all_models, delete, user_models_dir
from keycomposer.models.runtime import ModelError
from keycomposer.techniques import TECHNIQUES, installed


def register(subparsers):
    parser = subparsers.add_parser("models", help="list the models (shipped and yours) with their parameters",
                                   description="Lists the techniques with their parameters and defaults, then every "
                                   "model: shipped with keycomposer or trained by you (keycomposer train).")
    parser.add_argument("--delete", metavar="NAME", help="delete a model you trained (a shipped one cannot be)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    if args.delete is not None:
        try:
            delete(args.delete)
        except (ModelError, OSError) as error:
            raise CommandError(str(error)) from error
        print(f"deleted your model {args.delete!r}")
        return 0
    for technique in TECHNIQUES.values():
        state = "installed" if installed(technique) else "not trained yet"
        print(f"{technique.name:8} {technique.title} [{state}]: {technique.description}")
        for parameter in technique.parameters:
            print(f"    --{parameter.name:<20} default {parameter.default!s:<8} {parameter.help}")
    try:
        models = all_models()
    except ModelError as error:
        raise CommandError(str(error)) from error
    print()
    print("models (a shipped one runs with --model TECHNIQUE, one of yours with --model NAME):")
    for model in models:
        origin = "shipped" if model.shipped else "yours"
        print(f"  {model.name:24} {model.technique or '?':6} {origin:8} trained: {model.trained}")
        if model.problem:
            print(f"      {'not usable' if model.shipped else 'broken'}: {model.problem}")
        elif not model.shipped and not TECHNIQUES[model.technique].takes_trained_models:
            print(f"      not usable yet: {TECHNIQUES[model.technique].title} runs only its shipped models for now")
        figures = "; ".join(f"{label} {value}" for label, value in model.key_figures())
        if figures:
            print(f"      {figures}")
    if not any(not model.shipped for model in models):
        print(f"  (none of yours yet: keycomposer train makes one, in {user_models_dir()})")
    return 0

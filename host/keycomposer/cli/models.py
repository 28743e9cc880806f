"""`keycomposer models`: the techniques, whether their trained model is installed, and their parameters."""

from keycomposer.techniques import TECHNIQUES, installed


def register(subparsers):
    parser = subparsers.add_parser("models", help="list the models with their parameters and defaults")
    parser.set_defaults(handler=run)


def run(args) -> int:
    for technique in TECHNIQUES.values():
        state = "installed" if installed(technique) else "not trained yet"
        print(f"{technique.name:8} {technique.title} [{state}]: {technique.description}")
        for parameter in technique.parameters:
            print(f"    --{parameter.name:<20} default {parameter.default!s:<8} {parameter.help}")
    return 0

"""The `keycomposer` command line.

Each subcommand lives in its own module in this package and exposes
``register(subparsers)``; modules are discovered, so adding a command never
touches this file. A command's handler returns an exit code.
"""

import argparse
import importlib
import pkgutil
import sys
import warnings


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit code 1, no traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keycomposer",
        description="Play, record and generate music with the keycomposer keyboard or its emulator.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv=None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # A file name that is not valid UTF-8 reaches Python with lone surrogates; printing it must not fail.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    def note(message, category, filename, lineno, file=None, line=None):
        # How an input was read where it differs from what was given (an ornament read as its top note): one line.
        print(f"keycomposer {args.command}: note: {message}", file=sys.stderr)

    try:
        with warnings.catch_warnings():
            warnings.showwarning = note
            return int(handler(args) or 0)
    except CommandError as error:
        print(f"keycomposer {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `keycomposer ... | head` closed the pipe: not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

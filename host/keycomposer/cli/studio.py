"""`keycomposer studio`: the music studio as a local web page (see keycomposer.studio)."""

from __future__ import annotations

import argparse
import sys

from keycomposer.cli import CommandError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "studio", help="the music studio in the browser: input, technique, generate, listen, download",
        description="Serves the studio on 127.0.0.1 and opens the browser at its address; the address carries "
        "a random token, and requests without it are refused. Ctrl-C stops it.",
    )
    parser.add_argument("--port", type=int, default=0, help="the port to listen on (default: a free one)")
    parser.add_argument("--no-browser", action="store_true", help="print the address, open no browser")
    parser.add_argument("--emulator", action="store_true",
                        help="record from the emulated keyboard, played by the page's keys (default: the linked one)")
    parser.add_argument("--interpreter", choices=("micropython", "cpython"), default="micropython",
                        help="the emulator's interpreter (default: micropython)")
    parser.add_argument("--midi-port", metavar="NAME", help="the linked keyboard's MIDI port (default: the one found)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    if not 0 <= args.port <= 65535:
        raise CommandError(f"--port must be in range 0..65535, got {args.port}")
    from keycomposer.studio.api import Studio
    from keycomposer.studio.live_keyboard import EmulatedKeyboard, LinkedKeyboard, LiveKeyboard
    from keycomposer.studio.server import serve

    if args.emulator:
        keyboard = LiveKeyboard(lambda: EmulatedKeyboard(realtime=True, interpreter=args.interpreter))
        kind = "emulated"
    else:
        from keycomposer.device.connect import open_transport

        options = argparse.Namespace(emulator=False, port=args.midi_port, serial=None)
        keyboard = LiveKeyboard(lambda: LinkedKeyboard(open_transport(options)))
        kind = "linked"
    try:
        serve(Studio(keyboard=keyboard, keyboard_kind=kind), port=args.port, open_browser=not args.no_browser)
    except OSError as error:
        raise CommandError(f"cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}") from error
    print("keycomposer studio: stopped", file=sys.stderr)
    return 0

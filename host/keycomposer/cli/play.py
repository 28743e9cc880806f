"""`keycomposer play ID|FILE|sample:NAME`: hear a composition, on the speakers or through a MIDI port."""

from keycomposer.cli import CommandError
from keycomposer.library.inputs import InputError, resolve_input
from keycomposer.music.midi_io import MidiFileError
from keycomposer.playback import PlaybackError, play_to_port, play_to_speakers


def register(subparsers):
    parser = subparsers.add_parser("play", help="play a composition to the speakers (FluidSynth) or a MIDI port")
    parser.add_argument("input", metavar="ID|FILE|sample:NAME")
    parser.add_argument("--port", metavar="NAME", help="send to this MIDI output instead of the speakers")
    parser.add_argument("--audio-driver", metavar="NAME", help="FluidSynth's audio driver (alsa, pulseaudio, ...)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    try:
        composition = resolve_input(args.input)
        if args.port:
            play_to_port(composition, args.port)
        else:
            play_to_speakers(composition, args.audio_driver)
    except (InputError, MidiFileError, PlaybackError) as error:
        raise CommandError(str(error)) from error
    return 0

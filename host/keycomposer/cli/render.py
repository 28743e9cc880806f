"""`keycomposer render ID out.wav`: render to audio with FluidSynth and a General MIDI soundfont."""

from __future__ import annotations

from keycomposer.cli import CommandError
from keycomposer.library.inputs import InputError, resolve_input
from keycomposer.music.midi_io import MidiFileError
from keycomposer.music.synth import RenderError, render_wav


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "render",
        help="render a composition to a WAV file (needs FluidSynth)",
        description="Render a library id, a MIDI file or sample:NAME to WAV with FluidSynth "
                    "(apt-get install fluidsynth fluid-soundfont-gm; KEYCOMPOSER_SOUNDFONT picks another soundfont).",
    )
    parser.add_argument("input", metavar="ID|FILE|sample:NAME")
    parser.add_argument("output", metavar="out.wav")
    parser.add_argument("--soundfont", help="a .sf2 General MIDI soundfont to use")
    parser.add_argument("--sample-rate", type=int, default=44100)
    parser.set_defaults(handler=run)


def run(args) -> int:
    if not 8000 <= args.sample_rate <= 192000:
        raise CommandError(f"--sample-rate must be in range 8000..192000, got {args.sample_rate}")
    try:
        composition = resolve_input(args.input)
        render_wav(composition, args.output, soundfont=args.soundfont, sample_rate=args.sample_rate)
    except (InputError, MidiFileError, RenderError) as error:
        raise CommandError(str(error)) from error
    print(f"wrote {args.output} ({composition.seconds(composition.end):.1f} s of music)")
    return 0

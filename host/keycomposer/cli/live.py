"""`keycomposer live`: the plugged-in loop, like Magenta's call and response.

The person plays and ends a take (the keyboard's record button, the bar limit, or Ctrl-C on an empty
wait); the bridge saves it, runs the chosen model with the chosen parameters, saves the result, plays it
back, and is ready for the next take. Tap tempo held + playback on the keyboard asks for another
generation from the last take (standalone generate, driven from the keyboard alone). With --emulator
--script FILE the script plays the emulated keyboard: its takes, and its generate requests.
"""

from __future__ import annotations


from keycomposer.cli import CommandError
from keycomposer.cli._checks import check_bars, check_bpm, read_script
from keycomposer.cli.generate import add_parameter_options, chosen_model, chosen_parameters
from keycomposer.device.connect import add_connection_options, open_transport
from keycomposer.device.transport import TransportError
from keycomposer.generation import generate
from keycomposer.library.store import Library, LibraryError
from keycomposer.models.runtime import ModelError, read_card, read_checked_model
from keycomposer.playback import PlaybackError, play_to, play_to_speakers
from keycomposer.recorder import Recorder
from keycomposer.take import GENERATE_REQUEST, bar_limit_us, script_events, take_from, transport_events
from keycomposer.techniques import TECHNIQUES


def register(subparsers):
    parser = subparsers.add_parser("live", help="play a take, hear what the model makes of it, repeat")
    parser.add_argument("--model", required=True, metavar="|".join(sorted(TECHNIQUES)) + "|YOURS",
                        help="a technique (its shipped model), or the name of a model you trained")
    parser.add_argument("--seed", type=int, default=None, help="seed of the first take's generation (then +1 a take)")
    parser.add_argument("--takes", type=int, default=0,
                        help="stop after this many generations (default: until Ctrl-C or the script's end)")
    parser.add_argument("--bars", type=int, default=8, help="longest take in bars of 4/4 (default 8)")
    parser.add_argument("--bpm", type=float, default=120.0)
    parser.add_argument("--play", choices=("speakers", "keyboard", "none"), default="speakers",
                        help="where the result is heard: FluidSynth, the keyboard's MIDI port, or nowhere")
    parser.add_argument("--script", metavar="FILE", help="with --emulator: the script plays the take")
    add_connection_options(parser)
    add_parameter_options(parser)
    parser.set_defaults(handler=run)


def run(args) -> int:
    choice = chosen_model(args.model)
    technique = choice.technique
    parameters = chosen_parameters(args, technique)
    if args.script and not args.emulator:
        raise CommandError("--script plays the emulated keyboard: add --emulator")
    check_bars(args.bars)
    check_bpm(args.bpm)
    if args.takes < 0:
        raise CommandError(f"--takes must be 0 (no limit) or more, got {args.takes}")
    try:
        if choice.model is None:  # refuse before the person plays, not after
            for stem in technique.model_files:
                read_card(stem)
        else:
            read_checked_model(choice.model.folder / choice.model.card["file"], choice.model.card)
    except ModelError as error:
        raise CommandError(str(error)) from error
    script = read_script(args.script) if args.script else ""
    seed = args.seed
    done = 0
    last_take = last_recording = None
    max_us = bar_limit_us(args.bars, args.bpm)
    try:
        with open_transport(args) as transport, Library() as library:
            if args.script:
                events = script_events(script, transport)
            else:
                events = transport_events(transport)
            while not args.takes or done < args.takes:
                recorder = Recorder(bpm=args.bpm, name=f"live take {done + 1}")
                if not args.script:
                    print(f"take {done + 1}: play; the record button or {args.bars} bars end it; "
                          "tap tempo + playback generates again (Ctrl-C quits)")
                try:
                    ended_by = take_from(events, recorder, max_us)
                except KeyboardInterrupt:
                    ended_by = "Ctrl-C"
                take = recorder.composition()
                if take.note_count:
                    last_take = take
                    last_recording = library.save(take, "recording",
                                                  parameters={"bpm": args.bpm, "ended_by": ended_by})
                elif ended_by != GENERATE_REQUEST or last_take is None:
                    if ended_by in ("Ctrl-C", "the end of the script"):
                        break
                    print(f"take {done + 1} held no notes ({ended_by}); ready for the next")
                    continue
                # a new take, or the keyboard asking for another generation from the last one
                generated = generate(technique, last_take, library, str(last_recording.id), parameters, seed,
                                     choice.model)
                print(f"take {done + 1}: recording {last_recording.id} ({last_take.note_count} notes), "
                      f"{technique.title} -> generation {generated.entry.id} in {generated.seconds:.2f} s"
                      + (" (asked for from the keyboard)" if ended_by == GENERATE_REQUEST else ""))
                _play(args.play, generated.composition, transport)
                done += 1
                seed = None if seed is None else seed + 1
                if ended_by in ("Ctrl-C", "the end of the script"):
                    break
    except (TransportError, LibraryError, ModelError, OSError, ValueError) as error:
        raise CommandError(str(error)) from error
    return 0


def _play(where: str, composition, transport) -> None:
    try:
        if where == "speakers":
            play_to_speakers(composition)
        elif where == "keyboard":
            play_to(transport.send, composition)
    except PlaybackError as error:
        print(f"(not played: {error})")

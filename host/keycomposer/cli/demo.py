"""`keycomposer demo`: the whole studio on the emulated keyboard, on embedded defaults.

Starts the emulated keyboard (the real firmware under MicroPython), plays a sample melody on its keys,
records what the keyboard sends through the bridge, runs every installed model on the take (AR-CNN, the
accompaniment GAN, Transformer-XL: DeepComposer's three techniques) or those named, saves all to the library,
writes MIDI (and a WAV and a piano-roll picture where it can) and prints metrics.
"""

from __future__ import annotations

from pathlib import Path

from keycomposer.cli import CommandError
from keycomposer.cli.metrics import overall_summary
from keycomposer.emulator import Emulator, EmulatorError
from keycomposer.generation import generate
from keycomposer.library.store import Library
from keycomposer.models.runtime import ModelError
from keycomposer.music.midi_io import write_midi
from keycomposer.music.samples import sample_composition, sample_names
from keycomposer.performer import perform
from keycomposer.recorder import Recorder
from keycomposer.techniques import TECHNIQUES, installed

# The order in which the demo runs techniques: DeepComposer's first one first.
PREFERENCE = ("arcnn", "gan", "txl")


def register(subparsers):
    parser = subparsers.add_parser("demo", help="play, record and generate on the emulated keyboard")
    parser.add_argument("--sample", default="ode_to_joy", choices=sample_names(), help="melody to play")
    parser.add_argument("--interpreter", choices=("micropython", "cpython"), default="micropython")
    parser.add_argument("--out-dir", default="keycomposer-demo", help="where MIDI, WAV and PNG files go")
    parser.add_argument("--seed", type=int, default=1, help="the models' seed (default 1)")
    parser.add_argument("--technique", action="append", choices=sorted(TECHNIQUES), dest="techniques",
                        help="run only this model on the take (may be given more than once; default: every "
                             "installed one)")
    parser.set_defaults(handler=run)


def installed_techniques(names=None) -> list:
    """The techniques to run, in PREFERENCE order: those named, or every installed one."""
    ordered = [name for name in dict.fromkeys(PREFERENCE + tuple(TECHNIQUES)) if name in TECHNIQUES]
    if names:
        return [TECHNIQUES[name] for name in ordered if name in names]
    return [TECHNIQUES[name] for name in ordered if installed(TECHNIQUES[name])]


def run(args) -> int:
    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise CommandError(f"--out-dir {out_dir} is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"cannot make the folder {out_dir}: {error.strerror or error}") from error
    melody = sample_composition(args.sample)
    print(f"1. emulated keyboard ({args.interpreter}) plays sample:{args.sample}, {melody.note_count} notes")
    recorder = Recorder(bpm=melody.bpm, name=f"{args.sample} (played)")
    try:
        with Emulator(interpreter=args.interpreter) as emulator:
            shift = perform(melody, emulator)
            for event in emulator.midi():
                recorder.feed(event.time_us, event.message)
    except EmulatorError as error:
        raise CommandError(f"the emulated keyboard failed: {error}") from error
    take = recorder.composition()
    print(f"2. the bridge recorded {take.note_count} notes from the keyboard's USB-MIDI"
          + (f" (played {shift:+d} semitones to fit the keys)" if shift else ""))
    with Library() as library:
        recording = library.save(take, "recording", source=f"sample:{args.sample}",
                                 parameters={"bpm": melody.bpm, "octave_shift": shift})
        print(f"   saved recording {recording.id} in {library.root}")
        results = [("recording", take, recording)]
        techniques = installed_techniques(args.techniques)
        if not techniques:
            print("3. no trained model is installed (models_tflite/ is empty): skipping generation")
        for technique in techniques:
            try:
                generated = generate(technique, take, library, str(recording.id), {}, args.seed)
            except (ModelError, ValueError) as error:
                raise CommandError(f"{technique.title} failed: {error}") from error
            print(f"3. {technique.title} ran in {generated.seconds:.2f} s; saved generation {generated.entry.id}")
            results.append((technique.name, generated.composition, generated.entry))
    print("4. files and metrics:")
    for label, composition, entry in results:
        try:
            _write_outputs(out_dir / f"{args.sample}-{label}", composition)
        except OSError as error:  # everything is in the library already; only the copies are missing
            raise CommandError(f"cannot write into {out_dir}: {error.strerror or error} "
                               f"(the take and the generations are saved in the library)") from error
        print(f"   {label}: {overall_summary(entry.metrics['overall'])}")  # computed when it was saved
    return 0


def _write_outputs(stem: Path, composition) -> None:
    write_midi(composition, stem.with_suffix(".mid"))
    written = [stem.with_suffix(".mid").name]
    try:
        from keycomposer.music.roll_image import draw_pianoroll

        draw_pianoroll(composition, stem.with_suffix(".png"))
        written.append(stem.with_suffix(".png").name)
    except Exception as error:  # a picture is a bonus: say why it is missing, keep going
        print(f"   (no piano roll: {error})")
    try:
        from keycomposer.music.synth import RenderError, render_wav

        render_wav(composition, stem.with_suffix(".wav"))
        written.append(stem.with_suffix(".wav").name)
    except RenderError as error:
        print(f"   (no WAV: {error})")
    print(f"   wrote {', '.join(written)} in {stem.parent}/")

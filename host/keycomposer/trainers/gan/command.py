"""`keycomposer train gan`: train the accompaniment GAN on the Bach chorales, the string quartets or a folder of
the person's pieces, convert its best generator to int8 and install it as a model of theirs.

Runs live in ``<data dir>/training/NAME/`` (checkpoints, state.json, curves.png: see ``fitting``); the corpus's
parsed cache in ``<data dir>/training/cache/gan/`` (built on first use: about a minute for bach, several for the
quartets). A piece of a folder is read as its four highest pitched tracks, the highest the melody
(``pieces.composition_piece``); one with fewer is listed and left out, and its melody band is centred on the
training melodies. Without --minutes or --epochs a new run trains DEFAULT_MINUTES; a resumed one goes on to the
length it was given (or the one given now). The installed model is the generator at its lowest validation
cross-entropy (as tools/gan/convert.py ships by default), with the decoding of the shipped models.
"""

import contextlib
import datetime
import hashlib
import io
from pathlib import Path

import numpy as np

from keycomposer import model_catalog
from keycomposer.models.runtime import ModelError
from keycomposer.quiet import quiet_c_stderr
from keycomposer.training import TECHNIQUE_OPTIONS, runs_folder
from keycomposer.trainers import distribution, run_start
from keycomposer.trainers.run_start import refuse, start_problem
from keycomposer.trainers.gan import conversion, fitting, networks, pieces
from keycomposer.trainers.gan.windows import NoWindows

DEFAULT_MINUTES = 10.0
# --batch, --lr, and the GAN's own options (keycomposer.training.TECHNIQUE_OPTIONS["gan"]: their defaults are there)
DEFAULTS = {"batch": 32, "lr": 5e-4} | {option.key: option.default for option in TECHNIQUE_OPTIONS["gan"]}
EVAL_EVERY = 50  # generator updates between evaluations (each one a checkpoint and a new picture)
VALID_WINDOWS = 256
TEST_WINDOWS = 256
TEST_SEED = 2024
INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C
THREADS = 2  # TensorFlow's intra- and inter-op threads, as the AR-CNN's trainer: the 2-core machine it is sized for
FOLDER_TRACKS = (("Part 2", 0), ("Part 3", 0), ("Part 4", 0))  # a folder's parts: piano until the person picks


def train(request, data) -> int:
    out = runs_folder() / request.name
    state = fitting.read_state(str(out))
    problem = start_problem(request, state, out)
    if problem:
        return refuse(problem)
    data_label = run_start.data_label(request)
    try:
        splits, about, lowest, tracks, state = read_and_fit(request, data, state, out, data_label)
        if not distribution.is_chief():
            print(f"this worker's part of {request.name} is done; the chief converts and installs it", flush=True)
            return 0
        print("converting to int8 ...", flush=True)
        content, card = convert(out, splits, state, request, about, lowest, tracks)
    except distribution.DistributionError as error:
        return refuse(str(error))
    except KeyboardInterrupt:
        state = fitting.read_state(str(out))
        if state is None:
            print(f"\nstopped before the first checkpoint: nothing to resume in {out} (a corpus parsed so far is "
                  "kept); the same command starts again", flush=True)
        else:
            print(f"\nstopped: the checkpoint of step {state['step']} is kept in {out}; keycomposer train gan --data "
                  f"{request.data} --name {request.name} --resume goes on (and converts and installs it once the "
                  "run's length is reached)", flush=True)
        return INTERRUPTED
    except Refused as error:
        return refuse(str(error))
    if request.resume and any(model.name == request.name for model in model_catalog.user_models()):
        model_catalog.delete(request.name)  # the resumed run's model replaces the one it installed before
    try:
        model = model_catalog.install(content, card)
    except ModelError as error:
        return refuse(str(error))
    figures = card["figures"]
    test = figures.get("test")
    print(f"installed {request.name} in {model.folder}: validation cross-entropy "
          f"{figures['validation']['cross_entropy']} at step {figures['validation']['step']}"
          + (f", test cross-entropy (int8) {test['cross_entropy']}" if test else "")
          + f"; keycomposer generate --model {request.name} runs it", flush=True)
    return 0


class Refused(Exception):
    """The data or the options cannot be trained on; the message says why."""


def read_and_fit(request, data, state, out: Path, data_label: str):
    """Reads the data and trains: (splits, about, lowest pitch, tracks, final state); Refused with the reason."""
    if request.built_in:
        splits, about = corpus_splits(request.data), {"corpus": conversion.CORPUS[request.data], "set": request.data}
        lowest, tracks = networks.LOWEST_PITCH[request.data], conversion.TRACKS[request.data]
    else:
        splits, about = folder_splits(data)
        if splits is None:
            raise Refused(about)
        lowest, tracks = (state or {}).get("settings", {}).get("lowest_pitch") or melody_band(splits), FOLDER_TRACKS
    settings = (state or {}).get("settings", {})
    chosen = {key: value for key, value in request.options.items() if value is not None}
    chosen |= {key: value for key, value in (("batch", request.batch), ("lr", request.lr)) if value is not None}
    if state is not None and chosen.get("width", settings["width"]) != settings["width"]:
        raise Refused(f"the run {request.name!r} has a generator {settings['width']} channels wide: --resume goes "
                      "on with the same --width")
    hyper = {key: chosen.get(key, settings.get(key, default)) for key, default in DEFAULTS.items()}
    epochs, minutes = request.epochs, request.minutes
    if epochs is None and minutes is None:
        epochs, minutes = (settings.get("epochs"), settings.get("minutes")) if state else (None, DEFAULT_MINUTES)
    print(f"training {request.name} on {' / '.join(f'{k} {len(v)}' for k, v in splits.items())} pieces, batch "
          f"{hyper['batch']}, learning rate {hyper['lr']:g}, update ratio {hyper['update_ratio']}, auxiliary "
          f"{hyper['auxiliary']:g}, width {hyper['width']}, " + (f"{epochs:g} epochs" if epochs else f"{minutes:g} minutes")
          + f"; run folder {out}", flush=True)
    try:
        state = fitting.fit(str(out), splits, lowest=lowest, seed=request.seed, epochs=epochs, minutes=minutes,
                            eval_every=EVAL_EVERY, valid_windows=VALID_WINDOWS, threads=THREADS, resume=request.resume,
                            data=data_label, title=f"your GAN {request.name}",
                            report=lambda line: print(line, flush=True), **hyper)
    except NoWindows as error:
        raise Refused(f"{error} (the GAN reads 4-bar windows whose melody sounds and fits its 64-pitch band)") from None
    return splits, about, lowest, tracks, state



def corpus_splits(style: str) -> dict:
    """The style's pieces, barred; the cache is built (with progress) when absent."""
    folder = runs_folder() / "cache" / "gan"
    if not (folder / f"{style}.npz").exists():
        print(f"parsing the {style} pieces of the music21 corpus into {folder} (once; "
              f"{'about a minute' if style == 'bach' else 'several minutes'}) ...", flush=True)
        pieces.prepare(style, str(folder))
    return pieces.load(style, str(folder), barred=True)


def folder_splits(data):
    """({'train', 'valid', 'test'} of Pieces, about) from a FolderData, pieces that do not fit listed and left
    out; (None, why) when training or validation is left without a piece."""
    splits, left_out = {}, 0
    for side in ("train", "valid", "test"):
        splits[side] = []
        for item in getattr(data, side):
            piece, reason = pieces.composition_piece(item.name, item.composition)
            if piece is None:
                print(f"  left out {item.name}: {reason}")
                left_out += 1
            else:
                splits[side].append(piece)
    for side, label in (("train", "training"), ("valid", "validation")):
        if not splits[side]:
            return None, (f"no {label} piece has the four parts the GAN learns from ({left_out} pieces left out; "
                          "it reads each piece's four highest pitched tracks, the highest as the melody)")
    about = {"source": "a folder of MIDI files: each piece's four highest pitched tracks, the highest as the melody",
             "pieces": {side: len(items) for side, items in splits.items()}, "left_out_not_four_parts": left_out}
    return splits, about


def melody_band(splits) -> int:
    """The lowest pitch of the 64-pitch melody band, centred on the training melodies (MIDI 0..64)."""
    low, high = conversion.melody_range(splits["train"])
    return int(min(max((low + high) // 2 - networks.PITCHES // 2, 0), 128 - networks.PITCHES))


def convert(out: Path, splits: dict, state: dict, request, about: dict, lowest: int, tracks):
    """The best generator as int8 (calibrated as tools/gan/convert.py does) and its card, with its validation
    cross-entropy and the int8 file's cross-entropy and class accuracy on fixed test windows (when there are)."""
    import keras

    from keycomposer.models.gan_decoding import Decoding
    from keycomposer.trainers.tflite import tensor_description

    generator = keras.saving.load_model(fitting.checkpoint_file(str(out), state), compile=False)
    with contextlib.redirect_stdout(io.StringIO()), quiet_c_stderr():  # the converter's pages of tensor specs
        content = conversion.to_tflite(generator, conversion.calibration_windows(splits["train"], lowest))
    name, settings, best = request.name, state["settings"], state["best"]
    card = {"name": name, "technique": "gan",
            "about": ("accompaniment GAN trained by keycomposer train gan: conditional WGAN-GP (DeepComposer's GAN "
                      "notebook), a dilated 1D convolution over time writing each part's voice classes, plus "
                      f"{settings['auxiliary']:g} x cross-entropy to the real parts in the generator's loss"),
            "style": request.data if request.built_in else name,
            **conversion.inference_fields(lowest=lowest, tracks=tracks, pieces=splits["train"],
                                          decoding=Decoding().to_card())}
    card["output_step"] = conversion.output_step(content)
    figures = {"validation": {"cross_entropy": best["valid_cross_entropy"], "accuracy": best.get("valid_accuracy"),
                              "step": best["step"],
                              "protocol": (f"float generator at its lowest validation cross-entropy, "
                                           f"{settings['valid_windows']} fixed validation windows: nats per cell")}}
    with quiet_c_stderr():  # LiteRT's line about its CPU delegate
        test = int8_figures(content, card, splits["test"], lowest)
        shipped = shipped_figures(request.data, splits["test"]) if request.built_in and test else None
    if test is not None:
        figures["test"] = test | ({"shipped": shipped} if shipped else {})
    card.update({
        "file": f"{name}.tflite", "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest(),
        "trained": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "trained_by": f"keycomposer train gan (run folder {out})",
        "data": about, "split": {side: len(items) for side, items in splits.items()},
        "settings": settings | {"steps": state["step"], "epochs_done": state["epochs_done"],
                                "wall_seconds": round(state["seconds"]), "resumed": request.resume,
                                "checkpoint": f"the generator of step {best['step']} (lowest validation cross-entropy)"},
        "architecture": state["architecture"],
        "tensors": tensor_description(content),
        "curves": str(out / fitting.CURVES),
        "figures": figures,
    })
    return content, card


def shipped_figures(style: str, test_pieces) -> dict | None:
    """The shipped model of ``style`` measured as ours is, on the same test windows (None where it is missing)."""
    from keycomposer.models.runtime import ModelError, models_dir, read_card, read_checked_model

    try:
        card = read_card(f"gan_{style}")
        content = read_checked_model(models_dir() / card["file"], card)
    except (ModelError, OSError):
        return None
    figures = int8_figures(content, card, test_pieces, int(card["lowest_pitch"]))
    return figures and {"name": f"gan_{style}", "cross_entropy": figures["cross_entropy"],
                        "accuracy": figures["accuracy"]}


def int8_figures(content: bytes, card: dict, test_pieces, lowest: int) -> dict | None:
    """The int8 file's mean cross-entropy (nats per cell) and class accuracy on fixed test windows, its output
    rounded onto its int8 grid as inference rounds it (LiteRT, one window a call); None without test windows."""
    from ai_edge_litert.interpreter import Interpreter

    from keycomposer.trainers.gan.windows import WindowSampler

    try:
        melodies, classes = WindowSampler(test_pieces, lowest, np.random.default_rng(TEST_SEED)).fixed(TEST_WINDOWS)
    except ValueError:
        return None  # no test piece, or none with a window that fits the band
    noises = fitting.noise(len(melodies), np.random.default_rng(TEST_SEED))
    interpreter = Interpreter(model_content=content)
    interpreter.allocate_tensors()
    inputs = interpreter.get_input_details()
    output = interpreter.get_output_details()[0]
    losses, right = [], []
    for melody, parts, drawn in zip(melodies, classes, noises):
        for detail in inputs:
            given = melody if tuple(detail["shape"][1:]) == melody.shape else drawn
            interpreter.set_tensor(detail["index"], given[None].astype(np.float32))
        interpreter.invoke()
        step = card["output_step"]
        logits = np.rint(interpreter.get_tensor(output["index"])[0] / step).astype(np.float64) * step
        log_probability = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)
        losses.append(-np.take_along_axis(log_probability, parts[..., None], axis=-1).mean())
        right.append((logits.argmax(axis=-1) == parts).mean())
    return {"cross_entropy": round(float(np.mean(losses)), 4), "accuracy": round(float(np.mean(right)), 4),
            "windows": len(melodies),
            "protocol": f"int8 file, {len(melodies)} fixed test windows (seed {TEST_SEED}, not transposed), fresh "
                        "noise: nats per cell and share of cells whose likeliest class is the composer's"}

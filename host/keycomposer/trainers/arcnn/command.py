"""`keycomposer train arcnn`: train the AR-CNN on the Bach chorales or a folder of the person's four-voice pieces,
convert it to int8 and install it as a model of theirs.

Runs live in ``<data dir>/training/NAME/`` (checkpoint, state.json, curves.png: see ``fitting``); the Bach
chorales' parsed cache in ``<data dir>/training/cache/`` (built on first use, a few minutes). A piece of a folder
is read as its four highest pitched tracks (soprano to bass, ``chorales.composition_voices``); a piece with fewer,
or a pitch outside the network's range, is listed and left out. Without --minutes or --epochs a new run trains
DEFAULT_MINUTES; a resumed one goes on to the length it was given (or the one given now). One epoch is as many
examples as the training pieces hold 8-bar windows starting on a beat.
"""

import contextlib
import datetime
import hashlib
import io
import math
import os
from pathlib import Path

import numpy as np

from keycomposer import model_catalog
from keycomposer.models.runtime import ModelError
from keycomposer.training import runs_folder
from keycomposer.quiet import quiet_c_stderr
from keycomposer.trainers import distribution, run_start
from keycomposer.trainers.run_start import refuse, start_problem
from keycomposer.trainers.arcnn import chorales, examples, fitting

DEFAULT_MINUTES = 10.0
DEFAULT_BATCH = 32
DEFAULT_LR = 1e-3
CALIBRATION_WINDOWS = 200  # as tools/arcnn/convert.py
TEST_WINDOWS, TEST_SEED = 256, 2024  # tools/bench/arcnn_bench.py's likelihood windows: the figures compare
EVAL_EVERY = 200  # steps between evaluations (each one a checkpoint)
VALID_WINDOWS = 256
INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C




def train(request, data) -> int:
    out = runs_folder() / request.name
    state = fitting.read_state(str(out))
    problem = start_problem(request, state, out)
    if problem:
        return refuse(problem)
    data_label = run_start.data_label(request)
    if request.built_in:
        splits, about = bach_splits(), {"source": chorales_source(), "set": request.data}
    else:
        splits, about = folder_splits(data)
        if splits is None:
            return refuse(about)
    settings = (state or {}).get("settings", {})
    batch = request.batch or settings.get("batch") or DEFAULT_BATCH
    lr = request.lr or settings.get("lr") or DEFAULT_LR
    minutes, max_steps = request.minutes, None
    if request.epochs is not None:
        max_steps = math.ceil(request.epochs * window_count(splits["train"]) / batch)
    elif minutes is None:
        minutes, max_steps = (settings.get("minutes"), settings.get("max_steps")) if state else (DEFAULT_MINUTES, None)
    print(f"training {request.name} on {' / '.join(f'{k} {len(v)}' for k, v in splits.items())} pieces, batch "
          f"{batch}, learning rate {lr}, " + (f"{max_steps} steps" if max_steps else f"{minutes:g} minutes")
          + f"; run folder {out}", flush=True)
    try:
        state = fitting.fit(str(out), splits, seed=request.seed, batch=batch, lr=lr, max_steps=max_steps,
                            minutes=minutes, eval_every=EVAL_EVERY,
                            valid_examples=VALID_WINDOWS, resume=request.resume, data=data_label,
                            report=lambda line: print(line, flush=True))
        if not distribution.is_chief():
            print(f"this worker's part of {request.name} is done; the chief converts and installs it", flush=True)
            return 0
        print("converting to int8 ...", flush=True)
        content, card = convert(out, splits, state, request, about)
    except distribution.DistributionError as error:
        return refuse(str(error))
    except KeyboardInterrupt:
        state = fitting.read_state(str(out))
        if state is None:  # --resume would be refused: say what does go on
            print(f"\nstopped before the first checkpoint: nothing to resume in {out}; the same command starts "
                  "again", flush=True)
        else:
            print(f"\nstopped: the checkpoint of step {state['step']} is kept in {out}; keycomposer train arcnn "
                  f"--data {request.data} --name {request.name} --resume goes on (and converts and installs it once "
                  "the run's length is reached)", flush=True)
        return INTERRUPTED
    if request.resume and any(model.name == request.name for model in model_catalog.user_models()):
        model_catalog.delete(request.name)  # the resumed run's model replaces the one it installed before
    try:
        model = model_catalog.install(content, card)
    except ModelError as error:
        return refuse(str(error))
    figures = card["figures"]
    test = figures["likelihood"]["rows"].get(f"{request.name} int8")
    print(f"installed {request.name} in {model.folder}: validation NLL {figures['validation']['nll_per_masked_cell']}"
          + (f", test NLL (int8) {test['nll_per_masked_cell']}" if test else "")
          + f"; keycomposer generate --model {request.name} runs it", flush=True)
    return 0



def chorales_source() -> str:
    return "music21 corpus.chorales.Iterator(): the Bach chorales with exactly four parts, notes per voice"


def bach_splits() -> dict:
    """The chorales' cache, built (with progress) when absent; written beside and renamed, so a stop leaves none."""
    cache = runs_folder() / "cache" / "arcnn-bach-voices.npz"
    if not cache.exists():
        print(f"parsing the Bach chorales of the music21 corpus into {cache} (once; a few minutes) ...", flush=True)
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name("partial-" + cache.name)
        chorales.prepare(str(partial))
        os.replace(partial, cache)
    return chorales.load(str(cache))


def folder_splits(data):
    """({'train', 'valid', 'test'} of Chorales, about) from a FolderData, pieces that do not fit listed and left
    out; (None, why) when training or validation is left without a piece."""
    splits, left_out = {}, 0
    for side in ("train", "valid", "test"):
        splits[side] = []
        for piece in getattr(data, side):
            voices, reason = chorales.composition_voices(piece.composition)
            if voices is None:
                print(f"  left out {piece.name}: {reason}")
                left_out += 1
            else:
                splits[side].append(chorales.Chorale(piece.name, voices))
    for side, label in (("train", "training"), ("valid", "validation")):
        if not splits[side]:
            return None, (f"no {label} piece has four voices the AR-CNN can learn from "
                          f"({left_out} pieces left out; it reads each piece's four highest pitched tracks)")
    about = {"source": "a folder of MIDI files: each piece's four highest pitched tracks as soprano, alto, tenor, bass",
             "pieces": {side: len(items) for side, items in splits.items()}, "left_out_not_four_voices": left_out}
    return splits, about


def window_count(pieces) -> int:
    """8-bar windows starting on a beat that the training pieces hold: an epoch's examples."""
    return sum(max(p.steps - examples.STEPS // 2, 0) // examples.WINDOW_START_GRID + 1 for p in pieces)


def convert(out: Path, splits: dict, state: dict, request, about: dict):
    """The int8 file (calibrated as tools/arcnn/convert.py does) and its card, with the last validation NLL of the
    float network and the int8 file's NLL on fixed test windows (when there are test pieces)."""
    import keras

    from keycomposer.trainers.tflite import keras_to_tflite, tensor_description

    net = keras.saving.load_model(str(out / fitting.CHECKPOINT), compile=False)
    calibration = examples.ExampleSampler(splits["train"], np.random.default_rng(12345)).batch(CALIBRATION_WINDOWS)[0]
    with contextlib.redirect_stdout(io.StringIO()), quiet_c_stderr():  # the converter's pages of tensor specs
        content = keras_to_tflite(net, lambda: ([x[None].astype(np.float32)] for x in calibration))
    name = request.name
    training = {"settings": state["settings"] | {"steps": state["step"], "wall_seconds": round(state["seconds"])},
                "architecture": state["architecture"], "data": about}
    card = examples.model_card(training)
    last = state["history"][-1]
    rows = {}
    if splits["test"]:
        rows[f"{name} int8"] = {"nll_per_masked_cell": round(int8_nll(content, splits["test"]), 4)}
    card.update({
        "name": name, "technique": "arcnn", "file": f"{name}.tflite", "bytes": len(content),
        "trained": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "trained_by": f"keycomposer train arcnn (run folder {out})",
        "split": {side: len(items) for side, items in splits.items()},
        "settings": training["settings"] | {"resumed": request.resume},
        "tensors": tensor_description(content),
        "curves": f"{out / fitting.CURVES}",
        "figures": {
            "validation": {"nll_per_masked_cell": last["valid_loss"], "at_step": last["step"],
                           "protocol": "float network, fixed validation windows with the training masks"},
            "likelihood": {"rows": rows, "protocol": (
                f"int8 file, {TEST_WINDOWS} fixed test windows (seed {TEST_SEED}, not transposed) with the training "
                "masks, as tools/bench/arcnn_bench.py: nats per masked cell")},
        },
    })
    card["sha256"] = hashlib.sha256(content).hexdigest()
    return content, card


def int8_nll(content: bytes, pieces) -> float:
    """Mean over fixed test windows of the masked cells' -log p under the int8 file (LiteRT, one window a call)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=content)
    interpreter.allocate_tensors()
    (given,), (taken,) = interpreter.get_input_details(), interpreter.get_output_details()
    x, classes, masked = examples.fixed_examples(pieces, TEST_WINDOWS, TEST_SEED)
    losses = []
    for k in range(len(x)):
        interpreter.set_tensor(given["index"], x[k][None].astype(np.float32))
        interpreter.invoke()
        logits = interpreter.get_tensor(taken["index"])[0].astype(np.float64)  # (steps, 4, classes)
        logp = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)
        truth = np.take_along_axis(logp, classes[k].T[..., None], axis=-1)[..., 0]
        cells = masked[k].T
        losses.append(-truth[cells].sum() / cells.sum())
    return float(np.mean(losses))

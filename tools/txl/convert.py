"""Convert trained weights into the shipped TFLite files and write their model cards.

    .venv-train/bin/python -m tools.txl.convert --run out/txl/run --out models_tflite

Writes, each with a card NAME.json that `keycomposer.models.runtime` checks (sha256, bytes):
- txl_melody.tflite: the one-token step, weights int8 (dynamic range) or float32 (--no-int8). It holds
  `TransformerXL.step_ring`: the memory is a ring the caller keeps (token t's key and value in slot t mod
  memory), so the step takes the token, its position, the style and each layer's ring, and returns the logits and only
  this token's key and value rows, which the caller writes into slot position mod memory;
- txl_melody_f32.tflite: the same step in float32, the reference the int8 file is measured against;
- txl_melody_sequence_f32.tflite: the whole-sequence forward (memory + 64 tokens at once, no carried
  memory), so tests can show without TensorFlow that stepping with carried keys and values computes the
  same logits as running the full sequence.
Each file is run here in both TFLite runtimes that are installed and compared with TensorFlow.
A card that already exists keeps the fields this script does not write (the benchmark's figures, notes).
"""

import argparse
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import tensorflow as tf

from keycomposer.models import melody_tokens as tokens_
from tools.txl import data
from tools.txl.model import Shape, TransformerXL

NAME = "txl_melody"
SEQUENCE_EXTRA = 64  # the sequence model runs memory + 64 tokens, so its window slides
STEP_USAGE = (
    "keycomposer.models.txl.continue_composition(composition, seconds=30, temperature=0.7, top_k=None, top_p=0.95, "
    "seed=None, style='classical'); the step's inputs are token, position (tokens already fed), style (0 classical, "
    "1 folk) and per layer the keys and "
    "values rings [memory, width] (token t's row in slot t mod memory); its outputs the logits and per layer only "
    "this token's key and value rows [1, width], which the caller writes into slot position mod memory"
)


def step_function(model: TransformerXL):
    s = model.shape
    model.freeze_step_tables()
    specs = [tf.TensorSpec([1], tf.int32, name="token"), tf.TensorSpec([1], tf.int32, name="position"),
             tf.TensorSpec([1], tf.int32, name="style")]
    for l in range(s.layers):
        specs += [tf.TensorSpec([s.memory, s.width], tf.float32, name=f"keys_{l}"),
                  tf.TensorSpec([s.memory, s.width], tf.float32, name=f"values_{l}")]

    @tf.function(input_signature=specs)
    def step(*args):
        return model.step_ring(*args)

    return step.get_concrete_function()


def sequence_function(model: TransformerXL):
    s = model.shape
    length = s.memory + SEQUENCE_EXTRA

    @tf.function(input_signature=[tf.TensorSpec([length], tf.int32, name="tokens"),
                                  tf.TensorSpec([1], tf.int32, name="style")])
    def sequence(tokens, style):
        memories, valid = model.empty_memories(1)
        logits, _ = model.segment(tokens[None], memories, valid, style)
        return logits[0]

    return sequence.get_concrete_function()


def convert(function, model, int8: bool) -> bytes:
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], model)
    if int8:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        # FULLY_CONNECTED v12 (per-channel) does not load in tflite-runtime 2.14 (DESIGN.md)
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    return converter.convert()


def interpreters(content: bytes):
    found = []
    try:
        from ai_edge_litert.interpreter import Interpreter

        found.append(("ai_edge_litert", Interpreter))
    except ImportError:
        pass
    try:
        from tflite_runtime.interpreter import Interpreter

        found.append(("tflite_runtime", Interpreter))
    except ImportError:
        pass
    for name, cls in found:
        interpreter = cls(model_content=content, num_threads=1)
        interpreter.allocate_tensors()
        yield name, interpreter


def plain_name(name: str) -> str:
    """The argument's own name: the converter calls input `token` 'serving_default_token:0'."""
    name = name.removeprefix("serving_default_")
    return name[:-2] if name.endswith(":0") else name


def run(interpreter, arrays_by_name: dict) -> dict:
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], arrays_by_name[plain_name(detail["name"])])
    interpreter.invoke()
    return {d["name"]: interpreter.get_tensor(d["index"]).copy() for d in interpreter.get_output_details()}


def match_outputs(function, content, inputs: dict, tolerance: float) -> tuple:
    """The interpreter's output names in TensorFlow's output order (found by value, since TFLite renames
    and may reorder outputs), and the largest difference from TensorFlow, per runtime."""
    expected = [np.asarray(t) for t in tf.nest.flatten(function(**{k: tf.constant(v) for k, v in inputs.items()}))]
    order, errors = None, {}
    for runtime, interpreter in interpreters(content):
        got = run(interpreter, inputs)
        names = []
        for want in expected:
            candidates = [n for n, g in got.items() if g.shape == want.shape and n not in names]
            best = min(candidates, key=lambda n: float(np.abs(got[n] - want).max()))
            names.append(best)
        worst = max(float(np.abs(got[n] - w).max() / (np.abs(w).max() + 1e-9)) for n, w in zip(names, expected))
        if order is not None and names != order:
            raise SystemExit(f"{runtime} orders the outputs differently: {names} vs {order}")
        order = names
        errors[runtime] = worst
        if worst > tolerance:
            raise SystemExit(f"{runtime} output differs from TensorFlow by {worst:.3g} (relative), over {tolerance}")
    if order is None:
        raise SystemExit("no TFLite runtime is installed here to check the file")
    return order, errors


def tensor_table(content, input_names, output_names):
    """Inputs in the order of `input_names` (the function's arguments), outputs in TensorFlow's order."""
    _, interpreter = next(interpreters(content))
    details = {d["name"]: d for d in interpreter.get_output_details()}
    inputs = {plain_name(d["name"]): d for d in interpreter.get_input_details()}

    def row(d):
        return {"name": d["name"], "shape": [int(x) for x in d["shape"]], "dtype": np.dtype(d["dtype"]).name}

    return {"inputs": [row(inputs[n]) for n in input_names], "outputs": [row(details[n]) for n in output_names]}


def step_inputs(shape: Shape, rng, position: int | None = None) -> dict:
    """Random step inputs; by default a position past one full turn of the ring, so the check covers the
    slots after the wrap and the ones before it."""
    position = shape.memory + shape.memory // 3 if position is None else position
    arrays = {"token": np.array([rng.integers(0, shape.vocab)], np.int32), "position": np.array([position], np.int32),
              "style": np.array([rng.integers(0, shape.styles)], np.int32)}
    for l in range(shape.layers):
        arrays[f"keys_{l}"] = rng.normal(0, 1, (shape.memory, shape.width)).astype(np.float32)
        arrays[f"values_{l}"] = rng.normal(0, 1, (shape.memory, shape.width)).astype(np.float32)
    return arrays


def write(folder, name, content, card) -> dict:
    path = os.path.join(folder, f"{name}.tflite")
    card_path = os.path.join(folder, f"{name}.json")
    kept = {}
    if os.path.exists(card_path):  # figures and notes added after conversion stay
        with open(card_path) as f:
            kept = json.load(f)
    with open(path, "wb") as f:
        f.write(content)
    card = dict(kept, name=name, file=f"{name}.tflite", sha256=hashlib.sha256(content).hexdigest(), bytes=len(content), **card)
    with open(card_path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(f"wrote {path}: {len(content)} bytes")
    return card


def vocabulary() -> dict:
    return {
        "size": tokens_.VOCAB_SIZE,
        "kinds": {k.name: {"first": k.first, "count": k.count, "lowest": k.lowest} for k in tokens_.KINDS},
        "pad": tokens_.PAD, "start": tokens_.START,
        "grid": "16th notes; a note is POS PITCH DUR, each bar begins with BAR_L (its length in 16ths)",
        "tokenizer": "keycomposer.models.melody_tokens",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=os.path.join("out", "txl", "run"))
    parser.add_argument("--out", default="models_tflite")
    parser.add_argument("--no-int8", action="store_true", help="ship the float32 step as txl_melody.tflite")
    parser.add_argument("--memory", type=int, help="tokens of memory the step carries (default: as trained); "
                        "relative positions let it attend further back than training did, as in the paper's evaluation")
    args = parser.parse_args(argv)
    with open(os.path.join(args.run, "history.json")) as f:
        trained = json.load(f)
    settings = trained["settings"]
    shape = Shape(**dict(settings["shape"], memory=args.memory or settings["shape"]["memory"]))
    model = TransformerXL(shape)
    model.load_weights(np.load(os.path.join(args.run, "weights.npz")))
    rng = np.random.default_rng(0)
    cache = np.load(settings["data"])
    pieces = {split: [(i, st) for i, st, _ in found] for split, found in data.load(settings["data"]).items()}
    common = {
        "technique": "Transformer-XL melody continuation (issue 26)",
        "styles": ["classical", "folk"],
        "shape": shape.as_dict(),
        "parameters": int(sum(int(np.prod(v.shape)) for v in model.trainable_variables)),
        "vocabulary": vocabulary(),
        "data": {
            "source": "music21 corpus (offline), the first part of each piece: classical: the 371 Bach chorales' "
            "sopranos, the .mxl string-quartet movements of " + ", ".join(data.QUARTET_COMPOSERS) + " (first violin), "
            "Monteverdi's madrigals (canto); folk: the Essen "
            "folksong collection and O'Neill's 1850 collection",
            "reading": "16th-note grid, ties joined, grace notes left out, a chord read as its top note, the piece's own "
            "measures as bars (a pickup is the end of a whole bar)",
            "split": "by tune: sha256 of the first 12 notes' intervals and lengths, buckets "
            + ", ".join(f"{n} {p}%" for n, p in data.SPLIT_SHARES)
            + "; pieces holding the opening (8 intervals) of one of our own melodies (tools/bench/own_melodies.py) are "
            "left out of every split",
            "augmentation": "transposition by -5..+6 semitones (uniform, kept inside the pitch tokens), per window",
            "melodies": {split: {style: sum(1 for _, st in ids if st == style) for style in ("classical", "folk")}
                         for split, ids in pieces.items()},
            "notes": int(len(cache["notes"])),
            "test_pieces": [i for i, _ in pieces["test"]],
            "skipped_by_the_parser": [str(s) for s in cache["skipped"]],
        },
        "training": {k: settings[k] for k in settings if k not in ("data", "out")},
        "memory_trained": settings["shape"]["memory"],
        "validation_loss_nats": settings["best_valid_loss"],
    }
    os.makedirs(args.out, exist_ok=True)
    shutil.copyfile(os.path.join(args.run, "loss.png"), os.path.join(args.out, f"{NAME}_loss.png"))
    common["loss_curve"] = f"{NAME}_loss.png"
    step = step_function(model)
    for int8, name in ((False, f"{NAME}_f32"), (not args.no_int8, NAME)):
        content = convert(step, model, int8)
        inputs = step_inputs(shape, rng)
        order, errors = match_outputs(step, content, inputs, tolerance=0.2 if int8 else 1e-4)
        print(f"{name}: largest relative difference from TensorFlow per runtime: {errors}")
        write(args.out, name, content, dict(common, kind="step", weights="int8 (dynamic range)" if int8 else "float32",
                                             tensors=tensor_table(content, list(inputs), order), runtime_check=errors,
                                             usage=STEP_USAGE))
    sequence = sequence_function(model)
    content = convert(sequence, model, int8=False)
    tokens = {"tokens": rng.integers(0, tokens_.VOCAB_SIZE, shape.memory + SEQUENCE_EXTRA).astype(np.int32),
              "style": np.array([1], np.int32)}
    order, errors = match_outputs(sequence, content, tokens, tolerance=1e-4)
    write(args.out, f"{NAME}_sequence_f32", content, dict(common, kind="sequence", weights="float32",
                                                           tensors=tensor_table(content, ["tokens", "style"], order), runtime_check=errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())

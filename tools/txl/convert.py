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
The conversion and its checks live in keycomposer.trainers.txl.conversion, which `keycomposer train txl` uses too.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys

import numpy as np

from keycomposer.models import melody_tokens as tokens_
from keycomposer.trainers.txl.conversion import (  # noqa: F401  (anchor_step and tests import them from here)
    SEQUENCE_EXTRA, STEP_USAGE, ConversionError, checked_step, convert, interpreters, match_outputs, plain_name, run,
    sequence_function, step_function, step_inputs, tensor_table, vocabulary,
)
from keycomposer.trainers.txl.network import Shape, TransformerXL
from tools.txl import data

NAME = "txl_melody"


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=os.path.join("out", "txl", "run"))
    parser.add_argument("--out", default="models_tflite")
    parser.add_argument("--no-int8", action="store_true", help="ship the float32 step as txl_melody.tflite")
    parser.add_argument("--memory", type=int, help="tokens of memory the step carries (default: as trained); "
                        "relative positions let it attend further back than training did, as in the paper's evaluation")
    args = parser.parse_args(argv)
    try:
        return convert_run(args)
    except ConversionError as error:
        raise SystemExit(str(error)) from error


def convert_run(args) -> int:
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
    for int8, name in ((False, f"{NAME}_f32"), (not args.no_int8, NAME)):
        content, fields = checked_step(model, int8, rng)
        print(f"{name}: largest relative difference from TensorFlow per runtime: {fields['runtime_check']}")
        write(args.out, name, content, dict(common, **fields))
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

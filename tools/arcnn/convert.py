"""Keras AR-CNN -> int8 TFLite file and its model card.

    .venv-train/bin/python -m tools.arcnn.convert out/arcnn/run    # writes models_tflite/arcnn_bach.*

Full-integer quantization (weights and activations int8), calibrated on corrupted training windows, with
float32 input and output so callers never see scales. The file must load in ai-edge-litert and in
tflite-runtime 2.14 alike; the U-Net has no transposed convolution and no dense layer, which keeps it clear
of the two int8 ops that 2.14 cannot read (DESIGN.md), and the dense-layer flag is set anyway.
"""

import argparse
import json
import os
import sys

import numpy as np

from tools.tflite_files import keras_to_tflite, write_model

MODEL_NAME = "arcnn_bach"
CALIBRATION_WINDOWS = 200


def to_tflite(model, calibration=None) -> bytes:
    """float32 TFLite when `calibration` is None, else full int8 calibrated on those (n, steps, pitches) rolls."""
    return keras_to_tflite(model, None if calibration is None else lambda: (
        [roll[None, :, :, None].astype(np.float32)] for roll in calibration
    ))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="training run folder (holds model.keras and training.json)")
    parser.add_argument("--out", default="models_tflite", help="folder for the .tflite and card (default %(default)s)")
    parser.add_argument("--float32-copy", metavar="PATH", help="also write the float32 file here (for the benchmark)")
    parser.add_argument("--card-only", action="store_true",
                        help="rewrite the card around the existing .tflite (keeps its figures), convert nothing")
    args = parser.parse_args(argv)

    from tools.arcnn import data, train

    with open(os.path.join(args.run, "training.json")) as f:
        training = json.load(f)
    if args.card_only:
        card_path = os.path.join(args.out, f"{MODEL_NAME}.json")
        with open(card_path) as f:
            old = json.load(f)
        card = train.model_card(training)
        if "figures" in old:
            card["figures"] = old["figures"]
        with open(os.path.join(args.out, f"{MODEL_NAME}.tflite"), "rb") as f:
            write_model(f.read(), card, args.out, MODEL_NAME)
        print(f"rewrote {card_path}")
        return 0

    import keras

    model = keras.saving.load_model(os.path.join(args.run, "model.keras"), compile=False)
    splits = data.load(training["settings"]["cache"])
    sampler = train.ExampleSampler(splits["train"], np.random.default_rng(12345))
    calibration = np.stack([sampler.example()[0] for _ in range(CALIBRATION_WINDOWS)])
    if args.float32_copy:
        os.makedirs(os.path.dirname(args.float32_copy) or ".", exist_ok=True)
        with open(args.float32_copy, "wb") as f:
            f.write(to_tflite(model))
    card = train.model_card(training)
    path = write_model(to_tflite(model, calibration), card, args.out, MODEL_NAME)
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and its card")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Keras AR-CNN -> int8 TFLite file and its model card.

    .venv-train/bin/python -m tools.arcnn.convert out/arcnn/run    # writes models_tflite/arcnn_bach.*

Full-integer quantization (weights and activations int8), calibrated on corrupted training windows, with
float32 input and output so callers never see scales. The file must load in ai-edge-litert and in
tflite-runtime 2.14 alike; the U-Net has no transposed convolution and no dense layer, which keeps it clear
of the two int8 ops that 2.14 cannot read (DESIGN.md), and the dense-layer flag is set anyway.
"""

import argparse
import hashlib
import json
import os
import sys

import numpy as np

MODEL_NAME = "arcnn_bach"
CALIBRATION_WINDOWS = 200


def to_tflite(model, calibration=None) -> bytes:
    """float32 TFLite when `calibration` is None, else full int8 calibrated on those (n, steps, pitches) rolls."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if calibration is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: (
            [roll[None, :, :, None].astype(np.float32)] for roll in calibration
        )
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    return converter.convert()


def tensor_description(tflite_bytes: bytes) -> dict:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=tflite_bytes)

    def describe(detail):
        return {"name": detail["name"], "shape": [int(n) for n in detail["shape"]], "dtype": detail["dtype"].__name__}

    return {
        "inputs": [describe(d) for d in interpreter.get_input_details()],
        "outputs": [describe(d) for d in interpreter.get_output_details()],
    }


def write_model(tflite_bytes: bytes, card: dict, folder: str) -> str:
    """Writes NAME.tflite and NAME.json (card with sha256 and tensors filled in); returns the .tflite path."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{MODEL_NAME}.tflite")
    with open(path, "wb") as f:
        f.write(tflite_bytes)
    card = dict(card)
    card["file"] = os.path.basename(path)
    card["bytes"] = len(tflite_bytes)
    card["sha256"] = hashlib.sha256(tflite_bytes).hexdigest()
    card["tensors"] = tensor_description(tflite_bytes)
    with open(os.path.join(folder, f"{MODEL_NAME}.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    return path


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
            write_model(f.read(), card, args.out)
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
    path = write_model(to_tflite(model, calibration), card, args.out)
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and its card")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Keras AR-CNN -> int8 TFLite file, its model card and its loss-curve picture.

    .venv-train/bin/python -m tools.arcnn.convert out/arcnn/run    # writes models_tflite/arcnn_bach.*

Full-integer quantization (weights and activations int8), calibrated on masked training windows, with
float32 input and output so callers never see scales. The file must load in ai-edge-litert and in
tflite-runtime 2.14 alike: the network is convolutions, additions and a reshape (no transposed convolution,
no dense layer), and the dense-layer flag is set anyway (DESIGN.md).
"""

import argparse
import json
import os
import shutil
import sys

import numpy as np

from tools.tflite_files import keras_to_tflite, write_model

MODEL_NAME = "arcnn_bach"
CALIBRATION_WINDOWS = 200


def to_tflite(model, calibration=None) -> bytes:
    """float32 TFLite when `calibration` is None, else full int8 calibrated on those (n, steps, inputs) arrays."""
    return keras_to_tflite(model, None if calibration is None else lambda: (
        [x[None].astype(np.float32)] for x in calibration
    ))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="training run folder (holds model.keras and training.json)")
    parser.add_argument("--out", default="models_tflite", help="folder for the .tflite and card (default %(default)s)")
    parser.add_argument("--float32-copy", metavar="PATH", help="also write the float32 file here (for the benchmark)")
    args = parser.parse_args(argv)

    from tools.arcnn import data, train
    import keras

    with open(os.path.join(args.run, "training.json")) as f:
        training = json.load(f)
    model = keras.saving.load_model(os.path.join(args.run, "model.keras"), compile=False)
    splits = data.load(training["settings"]["cache"])
    calibration = train.ExampleSampler(splits["train"], np.random.default_rng(12345)).batch(CALIBRATION_WINDOWS)[0]
    if args.float32_copy:
        os.makedirs(os.path.dirname(args.float32_copy) or ".", exist_ok=True)
        with open(args.float32_copy, "wb") as f:
            f.write(to_tflite(model))
    path = write_model(to_tflite(model, calibration), train.model_card(training), args.out, MODEL_NAME)
    shutil.copyfile(os.path.join(args.run, "curves.png"), os.path.join(args.out, f"{MODEL_NAME}_curves.png"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes), its card and {MODEL_NAME}_curves.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

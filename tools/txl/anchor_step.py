"""Our carried-memory step at the anchor's size (4 layers, width 500, 10 heads, inner 1000, memory 512),
with random weights: timing only, so the benchmark can set carried keys and values against the reference
step that re-projects its memory at the same size.

    .venv-train/bin/python -m tools.txl.anchor_step out/txl/reference   # carried_txl_step_{f32,dyn8}.tflite
                                                                        # and ring_txl_step_{f32,dyn8}.tflite
The ring files hold `TransformerXL.step_ring` (the shipped interface, `convert.step_function`): the memory as
a ring the caller updates a row at a time; the carried files hold `TransformerXL.step`, which shifts the
memory and returns it whole (the interface shipped before, kept for the comparison).
"""

import json
import os
import sys

import numpy as np
import tensorflow as tf

from tools.txl import convert
from tools.txl.model import Shape, TransformerXL

ANCHOR = Shape(layers=4, width=500, heads=10, inner=1000, memory=512, segment=128)


def shifting_function(model: TransformerXL):
    s = model.shape
    model.freeze_step_tables()
    specs = [tf.TensorSpec([1], tf.int32, name="token"), tf.TensorSpec([1], tf.int32, name="position")]
    for l in range(s.layers):
        specs += [tf.TensorSpec([s.memory, s.width], tf.float32, name=f"keys_{l}"),
                  tf.TensorSpec([s.memory, s.width], tf.float32, name=f"values_{l}")]

    @tf.function(input_signature=specs)
    def step(*args):
        return model.step(*args)

    return step.get_concrete_function()


def main(argv=None) -> int:
    folder = (argv or sys.argv[1:] or ["."])[0]
    only_ring = "--ring-only" in sys.argv
    os.makedirs(folder, exist_ok=True)
    model = TransformerXL(ANCHOR, seed=0)
    inputs = convert.step_inputs(ANCHOR, np.random.default_rng(0))
    builds = [] if only_ring else [(shifting_function(model), False, "carried_txl_step_f32"), (shifting_function(model), True, "carried_txl_step_dyn8")]
    builds += [(convert.step_function(model), False, "ring_txl_step_f32"), (convert.step_function(model), True, "ring_txl_step_dyn8")]
    for step, int8, name in builds:
        content = convert.convert(step, model, int8)
        order, _ = convert.match_outputs(step, content, inputs, tolerance=0.5 if int8 else 1e-4)
        with open(os.path.join(folder, f"{name}.tflite"), "wb") as f:
            f.write(content)
        card = {"name": name, "shape": ANCHOR.as_dict(), "tensors": convert.tensor_table(content, list(inputs), order)}
        with open(os.path.join(folder, f"{name}.json"), "w") as f:
            json.dump(card, f, indent=2)
        print(f"wrote {name}.tflite: {len(content)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

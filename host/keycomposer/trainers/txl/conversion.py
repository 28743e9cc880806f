"""The Transformer-XL's one-token step as TFLite bytes (int8 dynamic range or float32), checked against TensorFlow
in every installed TFLite runtime, and the tensors and vocabulary its card lists. `keycomposer train txl` and
tools/txl/convert.py (the shipped files) both convert through here.

The step holds `TransformerXL.step_ring`: the memory is a ring the caller keeps (token t's key and value in slot
t mod memory), so the step takes the token, its position, the style and each layer's ring, and returns the logits
and only this token's key and value rows, which the caller writes into slot position mod memory.
TensorFlow is imported inside the functions.
"""

import numpy as np

from keycomposer.models import melody_tokens as tokens_
from keycomposer.trainers.txl.network import Shape, TransformerXL

SEQUENCE_EXTRA = 64  # the sequence model runs memory + 64 tokens, so its window slides
INT8_TOLERANCE, FLOAT_TOLERANCE = 0.2, 1e-4  # largest difference from TensorFlow, relative to the largest output
STEP_USAGE = (
    "keycomposer.models.txl.continue_composition(composition, seconds=30, temperature=0.7, top_k=None, top_p=0.95, "
    "seed=None, style='classical'); the step's inputs are token, position (tokens already fed), style (0 classical, "
    "1 folk) and per layer the keys and "
    "values rings [memory, width] (token t's row in slot t mod memory); its outputs the logits and per layer only "
    "this token's key and value rows [1, width], which the caller writes into slot position mod memory"
)


class ConversionError(RuntimeError):
    """A converted file does not compute what TensorFlow computes, or cannot be checked; the message says which."""


def step_function(model: TransformerXL):
    import tensorflow as tf

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
    import tensorflow as tf

    s = model.shape
    length = s.memory + SEQUENCE_EXTRA

    @tf.function(input_signature=[tf.TensorSpec([length], tf.int32, name="tokens"),
                                  tf.TensorSpec([1], tf.int32, name="style")])
    def sequence(tokens, style):
        memories, valid = model.empty_memories(1)
        logits, _ = model.segment(tokens[None], memories, valid, style)
        return logits[0]

    return sequence.get_concrete_function()


def convert(function, model: TransformerXL, int8: bool) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], model.module)
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
    import tensorflow as tf

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
            raise ConversionError(f"{runtime} orders the outputs differently: {names} vs {order}")
        order = names
        errors[runtime] = worst
        if worst > tolerance:
            raise ConversionError(f"{runtime} output differs from TensorFlow by {worst:.3g} (relative), over "
                                  f"{tolerance}")
    if order is None:
        raise ConversionError("no TFLite runtime is installed here to check the file")
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


def checked_step(model: TransformerXL, int8: bool, rng) -> tuple:
    """(TFLite bytes of the step, card fields: kind, weights, tensors, runtime_check, usage), the file checked
    against TensorFlow in every installed runtime on inputs past one turn of the ring."""
    step = step_function(model)
    content = convert(step, model, int8)
    inputs = step_inputs(model.shape, rng)
    order, errors = match_outputs(step, content, inputs, tolerance=INT8_TOLERANCE if int8 else FLOAT_TOLERANCE)
    return content, {"kind": "step", "weights": "int8 (dynamic range)" if int8 else "float32",
                     "tensors": tensor_table(content, list(inputs), order), "runtime_check": errors,
                     "usage": STEP_USAGE}


def vocabulary() -> dict:
    return {
        "size": tokens_.VOCAB_SIZE,
        "kinds": {k.name: {"first": k.first, "count": k.count, "lowest": k.lowest} for k in tokens_.KINDS},
        "pad": tokens_.PAD, "start": tokens_.START,
        "grid": "16th notes; a note is POS PITCH DUR, each bar begins with BAR_L (its length in 16ths)",
        "tokenizer": "keycomposer.models.melody_tokens",
    }

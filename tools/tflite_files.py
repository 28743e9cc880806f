"""What every model's conversion step shares: Keras -> TFLite bytes (float32, or full int8 calibrated on a
representative dataset) and writing NAME.tflite beside its model card.

The int8 settings keep the file readable by tflite-runtime 2.14 as well as LiteRT (DESIGN.md): dense layers
are quantized per tensor, not per channel (FULLY_CONNECTED v12 is too new for 2.14). TensorFlow is imported
only when a conversion runs, so the card helpers work in any environment with ai-edge-litert.
"""

import hashlib
import json
import os


def keras_to_tflite(model, representative=None) -> bytes:
    """float32 TFLite when `representative` is None; else full int8 (float32 in and out), calibrated on
    `representative()`, an iterable of input lists as the model takes them."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if representative is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    return converter.convert()


def tensor_description(tflite_bytes: bytes) -> dict:
    """The file's input and output tensors (name, shape, dtype), as a model card lists them."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=tflite_bytes)

    def describe(detail):
        return {"name": detail["name"], "shape": [int(n) for n in detail["shape"]], "dtype": detail["dtype"].__name__}

    return {
        "inputs": [describe(d) for d in interpreter.get_input_details()],
        "outputs": [describe(d) for d in interpreter.get_output_details()],
    }


def write_model(tflite_bytes: bytes, card: dict, folder: str, name: str) -> str:
    """Writes NAME.tflite and NAME.json (the card with file, bytes, sha256 and tensors filled in); returns
    the .tflite path."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.tflite")
    with open(path, "wb") as f:
        f.write(tflite_bytes)
    card = dict(card)
    card["file"] = os.path.basename(path)
    card["bytes"] = len(tflite_bytes)
    card["sha256"] = hashlib.sha256(tflite_bytes).hexdigest()
    card["tensors"] = tensor_description(tflite_bytes)
    with open(os.path.join(folder, f"{name}.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    return path


def write_card_figures(card_path: str, figures: dict, key: str = "figures") -> None:
    """Put a benchmark's figures into a model card under `key`, keeping the rest of the card as it is."""
    with open(card_path) as f:
        card = json.load(f)
    card[key] = figures
    with open(card_path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")

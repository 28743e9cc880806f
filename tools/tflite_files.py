"""What every model's conversion step shares: Keras -> TFLite bytes (float32, or full int8 calibrated on a
representative dataset) and writing NAME.tflite beside its model card.

The int8 settings keep the file readable by tflite-runtime 2.14 as well as LiteRT (DESIGN.md): dense layers
are quantized per tensor, not per channel (FULLY_CONNECTED v12 is too new for 2.14). TensorFlow is imported
only when a conversion runs, so the card helpers work in any environment with ai-edge-litert.
"""

import hashlib
import json
import os

from keycomposer.trainers.tflite import keras_to_tflite, tensor_description  # noqa: F401  (one copy, in the package)


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

"""What a training leaves for `model_catalog.install`: a trained model's card, and models to install in tests."""

import copy
import hashlib
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models_tflite"
TOY = b"\x1c\x00\x00\x00TFL3" + bytes(range(200))  # a TFLite header; the catalog never parses further


def trained_card(name: str, content: bytes, technique: str = "arcnn", **fields) -> dict:
    """The card a training writes: the checks the runtime makes (file, bytes, sha256) and what `models` shows."""
    card = {"name": name, "technique": technique, "trained": "2026-12-07T18:00:00Z",
            "quantization": "full int8 (weights and activations), float32 input and output",
            "data": {"source": "a folder of MIDI files", "pieces": 12}, "split": {"train": 10, "valid": 1, "test": 1},
            "settings": {"minutes": 10, "seed": 0}, "figures": {},
            "file": f"{name}.tflite", "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    card.update(fields)
    return card


def trained_from_the_shipped_one(stem: str, name: str, technique: str):
    """A shipped model's file under a trained card: the technique's own fields (an AR-CNN's grid, a
    Transformer-XL's shape and tensors) copied over, the trained card's fields on top."""
    content = (SHIPPED / f"{stem}.tflite").read_bytes()
    shipped = json.loads((SHIPPED / f"{stem}.json").read_text())
    return content, copy.deepcopy(shipped) | trained_card(name, content, technique=technique)


def arcnn_trained_from_the_shipped_one(name):
    return trained_from_the_shipped_one("arcnn_bach", name, "arcnn")

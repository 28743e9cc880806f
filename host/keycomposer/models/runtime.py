"""Loading a shipped TFLite model: find it, prove it is the file its model card describes, run it.

Two runtimes can run the models: `ai_edge_litert` (preferred) and `tflite_runtime` (2.14, for machines where
LiteRT has no wheel). KEYCOMPOSER_TFLITE_RUNTIME=ai_edge_litert|tflite_runtime picks one by name.
Models live in `models_tflite/` at the repository root, or in KEYCOMPOSER_MODELS_DIR.
"""

import hashlib
import importlib
import json
import os
from pathlib import Path

import numpy as np

from keycomposer.quiet import quiet_c_stderr

RUNTIMES = ("ai_edge_litert", "tflite_runtime")  # in order of preference
RUNTIME_ENV = "KEYCOMPOSER_TFLITE_RUNTIME"
MODELS_DIR_ENV = "KEYCOMPOSER_MODELS_DIR"
TFLITE_IDENTIFIER = b"TFL3"  # the flatbuffer file identifier, bytes 4..8 of every TFLite file
DEFAULT_THREADS = 2


class ModelError(Exception):
    """A model cannot be used; the message says which file and why."""


class ModelNotTrained(ModelError):
    """The project has no trained model of that name (no model card, or the card's file is absent)."""


class ModelFileError(ModelError):
    """The model file is there but is not the one its card describes: truncated, foreign or altered."""


class RuntimeMissing(ModelError):
    """Neither TFLite runtime is installed (or the one asked for is not)."""


def models_dir() -> Path:
    override = os.environ.get(MODELS_DIR_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "models_tflite"


def read_card(name: str, folder=None) -> dict:
    """The model card `NAME.json`; ModelNotTrained when there is none."""
    path = Path(folder or models_dir()) / f"{name}.json"
    if not path.exists():
        raise ModelNotTrained(f"the project has not trained a model named {name!r} (no model card at {path})")
    if not path.is_file():  # a folder, or a pipe that would keep the reader waiting
        raise ModelFileError(f"model card {path} is not a regular file")
    try:
        card = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelFileError(f"model card {path} is not valid JSON: {error}") from error
    except OSError as error:
        raise ModelFileError(f"cannot read model card {path}: {error.strerror or error}") from error
    if not isinstance(card, dict):
        raise ModelFileError(f"model card {path} is not a JSON object")
    for field in ("file", "sha256", "bytes"):
        if field not in card:
            raise ModelFileError(f"model card {path} has no {field!r} field")
    return card


def read_checked_model(path, card: dict) -> bytes:
    """The file's bytes, after checking it is whole, is a TFLite flatbuffer, and has the card's sha256."""
    path = Path(path)
    if not path.exists():
        raise ModelNotTrained(f"model file {path} is missing (its card is there: the model was not fetched or was deleted)")
    content = path.read_bytes()
    check_model_bytes(content, card, f"model file {path}")
    return content


def check_model_bytes(content: bytes, card: dict, what: str) -> None:
    """ModelFileError, naming ``what``, unless ``content`` is a whole TFLite flatbuffer with the card's sha256."""
    expected = int(card["bytes"])
    if len(content) < expected:
        raise ModelFileError(f"{what} is truncated: {len(content)} of {expected} bytes")
    if content[4:8] != TFLITE_IDENTIFIER:
        raise ModelFileError(
            f"{what} is not a TFLite model: bytes 4..8 are {content[4:8]!r}, not {TFLITE_IDENTIFIER!r}"
        )
    digest = hashlib.sha256(content).hexdigest()
    if len(content) != expected or digest != card["sha256"]:
        raise ModelFileError(
            f"{what} is not the one its card describes: sha256 {digest}, card says {card['sha256']}"
        )


def interpreter_class(runtime=None):
    """(runtime name, Interpreter class): the one named, else the first of RUNTIMES that imports."""
    wanted = runtime or os.environ.get(RUNTIME_ENV)
    if wanted and wanted not in RUNTIMES:
        raise RuntimeMissing(f"unknown TFLite runtime {wanted!r}: choose one of {', '.join(RUNTIMES)}")
    errors = []
    for name in [wanted] if wanted else RUNTIMES:
        try:
            if name == "ai_edge_litert":
                from ai_edge_litert.interpreter import Interpreter
            else:
                from tflite_runtime.interpreter import Interpreter
        except ImportError as error:
            errors.append(f"{name}: {error}")
            continue
        return name, Interpreter
    raise RuntimeMissing(
        "no TFLite runtime: install ai-edge-litert (pip install 'keycomposer[models]') or tflite-runtime 2.14 ("
        + "; ".join(errors)
        + ")"
    )


class TFLiteModel:
    """One interpreter over checked model bytes. Calling it with arrays returns the output arrays; int8 or
    uint8 tensors are (de)quantized here so callers always pass and get float32."""

    def __init__(self, content: bytes, card: dict, runtime=None, threads: int = DEFAULT_THREADS,
                 same_in_every_runtime: bool = False):
        """``same_in_every_runtime``: run the built-in kernels only, without the default XNNPACK delegate, whose
        int8 arithmetic rounds differently from tflite-runtime 2.14's (then both give the same numbers)."""
        self.card = card
        self.runtime, interpreter = interpreter_class(runtime)
        self._content = content  # the interpreter reads from this buffer for its whole life
        options = {}
        if same_in_every_runtime:
            resolver = importlib.import_module(interpreter.__module__).OpResolverType
            options["experimental_op_resolver_type"] = resolver.BUILTIN_WITHOUT_DEFAULT_DELEGATES
        try:
            with quiet_c_stderr():  # LiteRT announces its XNNPACK delegate on fd 2 at every load
                self._interpreter = interpreter(model_content=content, num_threads=threads, **options)
                self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as error:
            raise ModelError(f"{self.runtime} cannot run model {card.get('name', '?')!r}: {error}") from error
        self.inputs = self._interpreter.get_input_details()
        self.outputs = self._interpreter.get_output_details()

    def __call__(self, *arrays):
        if len(arrays) != len(self.inputs):
            raise ValueError(f"{self.card.get('name', 'model')} takes {len(self.inputs)} inputs, got {len(arrays)}")
        for detail, array in zip(self.inputs, arrays):
            array = np.asarray(array)
            if tuple(array.shape) != tuple(detail["shape"]):
                raise ValueError(f"input {detail['name']!r} must have shape {tuple(detail['shape'])}, got {array.shape}")
            self._interpreter.set_tensor(detail["index"], _quantize(array, detail))
        self._interpreter.invoke()
        results = [_dequantize(self._interpreter.get_tensor(d["index"]), d) for d in self.outputs]
        return results[0] if len(results) == 1 else tuple(results)


def _quantize(array, detail):
    if detail["dtype"] in (np.int8, np.uint8):
        scale, zero = detail["quantization"]
        info = np.iinfo(detail["dtype"])
        return np.clip(np.round(array / scale + zero), info.min, info.max).astype(detail["dtype"])
    return array.astype(detail["dtype"])


def _dequantize(array, detail):
    if detail["dtype"] in (np.int8, np.uint8):
        scale, zero = detail["quantization"]
        return (array.astype(np.float32) - zero) * scale
    return array.copy()


def load_model(name: str, folder=None, runtime=None, threads: int = DEFAULT_THREADS,
               same_in_every_runtime: bool = False) -> TFLiteModel:
    """The shipped model NAME, checked against its card, in the preferred (or the named) runtime."""
    folder = Path(folder or models_dir())
    card = read_card(name, folder)
    content = read_checked_model(folder / card["file"], card)
    return TFLiteModel(content, card, runtime=runtime, threads=threads, same_in_every_runtime=same_in_every_runtime)

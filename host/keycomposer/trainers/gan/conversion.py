"""The accompaniment generator as an int8 TFLite file, and its model card: what tools/gan/convert.py ships and
what `keycomposer train gan` installs.

Full-integer quantization (weights and activations int8), calibrated on training windows with fresh noise,
float32 input and output so callers never see scales. The generator is convolutions, additions and a reshape
(no transposed convolution, no dense layer), so the file loads in ai-edge-litert and tflite-runtime 2.14
alike; inference runs it without XNNPACK, so both give the same numbers (keycomposer.models.runtime).

The card carries everything inference (keycomposer.models.gan) reads: the pitch band, the tracks and their
default General MIDI programs, the melody range the model was trained on, the decoding
(keycomposer.models.gan_decoding) and the int8 step of the logits.
"""

import numpy as np

from keycomposer.trainers.gan import networks
from keycomposer.trainers.gan.windows import WindowSampler

CALIBRATION_WINDOWS = 200
CALIBRATION_SEED = 12345

# Per style: the accompaniment tracks top to bottom and their default General MIDI programs.
TRACKS = {
    "bach": (("Alto", 52), ("Tenor", 52), ("Bass", 52)),  # Choir Aahs: the chorales are sung
    "quartet": (("Violin 2", 40), ("Viola", 41), ("Cello", 42)),
}
CORPUS = {
    "bach": "music21 corpus.chorales.Iterator(): Bach chorales with exactly four parts (soprano, alto, tenor, bass)",
    "quartet": "music21 corpus string quartets by Haydn, Mozart and Beethoven (first violin, second violin, viola, "
               "cello), all movements",
}


def to_tflite(model, calibration=None) -> bytes:
    """float32 TFLite when `calibration` is None, else full int8 calibrated on those (melodies, noises)."""
    from keycomposer.trainers.tflite import keras_to_tflite

    if calibration is None:
        return keras_to_tflite(model)
    melodies, noises = calibration
    return keras_to_tflite(model, lambda: (
        [melody[None].astype(np.float32), noise[None].astype(np.float32)] for melody, noise in zip(melodies, noises)
    ))


def calibration_windows(pieces, lowest: int) -> tuple:
    """The (melodies, noises) the int8 scales are calibrated on: training windows, fixed seed."""
    rng = np.random.default_rng(CALIBRATION_SEED)
    melodies, _ = WindowSampler(pieces, lowest, rng).batch(CALIBRATION_WINDOWS)
    noises = rng.standard_normal((CALIBRATION_WINDOWS, networks.STEPS, networks.NOISE_CHANNELS)).astype(np.float32)
    return melodies, noises


def output_step(tflite_bytes: bytes) -> float:
    """The int8 step of the logits, which the file dequantizes into its float32 output: inference rounds the
    output back onto it, as runtimes may dequantize one float ulp apart."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=tflite_bytes)
    shape = list(interpreter.get_output_details()[0]["shape"])
    steps = [t["quantization"][0] for t in interpreter.get_tensor_details()
             if list(t["shape"]) == shape and t["dtype"] == np.int8]
    if len(steps) != 1:
        raise ValueError(f"expected one int8 tensor of the output's shape {shape}, found {len(steps)}")
    return float(steps[0])


def melody_range(pieces) -> list:
    """[lowest, highest] MIDI pitch of the melody part over the training pieces (untransposed)."""
    used = np.nonzero(np.any([piece.parts[0].any(axis=0) for piece in pieces], axis=0))[0]
    return [int(used.min()), int(used.max())]


def last_value(history, key: str):
    """The last evaluation's ``key``: from a history as a list of evaluations, or (runs before the trainer moved
    into the package) as a dict of lists; None when there is none."""
    if isinstance(history, dict):
        values = history.get(key) or []
        return values[-1] if values else None
    values = [row[key] for row in history if row.get(key) is not None]
    return values[-1] if values else None


def inference_fields(*, lowest: int, tracks, pieces, decoding: dict) -> dict:
    """The card's fields keycomposer.models.gan reads (output_step is added once the int8 file exists)."""
    from keycomposer.models.voice_grid import CLASSES, LOWEST_PITCH, PITCHES

    return {
        "quantization": "int8 weights and activations, float32 input and output",
        "inputs": {
            "melody": "(1, steps, pitches + 1) float32: per 16th the melody's pitch one-hot over the band from "
                      "lowest_pitch (all zero at a rest), then 1 where a melody note starts",
            "noise": "(1, steps, noise_channels) float32 standard normal",
        },
        "output": f"(1, steps, tracks, {CLASSES}) float32 logits per part per 16th over keycomposer.models.voice_grid's "
                  f"classes: rest, MIDI {LOWEST_PITCH}..{LOWEST_PITCH + PITCHES - 1} struck, the same held",
        "steps": networks.STEPS,
        "steps_per_beat": 4,
        "pitches": networks.PITCHES,
        "lowest_pitch": lowest,
        "noise_channels": networks.NOISE_CHANNELS,
        "decoding": decoding,
        "tracks": [{"name": name, "program": program} for name, program in tracks],
        "melody_range": melody_range(pieces),
    }


JUDGING = (  # how the card's test figures were read and the music judged
    "metrics.test comes from one reading of the test split with the shipped generator and the decoding "
    "temperature chosen on validation (decoding_choice). The generated parts are judged beside a rule-map "
    "harmonizer and an octave copy decoded alike, and beside the real parts, on the test pieces' melodies and"
    " on 30 melodies no training or selection saw (metrics.unseen, tools/bench/unseen_melodies.py): parallel "
    "fifths and octaves per 100 moves, voice crossings, parts above the melody, share in the melody's key, "
    "consonance of note starts, notes per bar, MuseGAN's per-part figures and tonal distance against the real"
    " parts."
)


def model_card(training: dict, pieces, decoding: dict) -> dict:
    """The shipped card (tools/gan/convert.py) from a tools run's training.json."""
    style = training["style"]
    settings = training["settings"]
    history = training["history"]
    return {
        "name": f"gan_{style}",
        "technique": "accompaniment GAN: conditional WGAN-GP (DeepComposer's GAN notebook), a dilated 1D convolution "
                     "over time writing each part's voice classes, straight-through Gumbel samples for the critic, "
                     f"plus {settings['auxiliary']:g} x cross-entropy to the real parts in the generator's loss",
        "style": style,
        **inference_fields(lowest=training["lowest_pitch"], tracks=TRACKS[style], pieces=pieces, decoding=decoding),
        "data": {
            "corpus": CORPUS[style],
            "split": "by piece (keycomposer.trainers.gan.pieces): a whole chorale or a whole quartet is in one split only",
            "train_pieces": training["train_pieces"],
            "train_windows": training["train_windows"],
            "valid_pieces": training["valid_pieces"],
            "test_pieces": training["test_pieces"],
        },
        "training": {
            "command": f"python -m tools.gan.train --style {style} --out RUN --minutes {settings['minutes']:g} "
                       f"--threads {settings['threads']} --seed {settings['seed']} --lr {settings['lr']:g} "
                       f"--update-ratio {settings['update_ratio']} --auxiliary {settings['auxiliary']:g}",
            "settings": settings,
            "generator_updates": training["generator_updates"],
            "epochs_done": training["epochs_done"],
            "minutes": training["minutes"],
            "generator_parameters": training["generator_parameters"],
            "last_valid_cross_entropy": last_value(history, "valid_cross_entropy"),
            "last_valid_accuracy": last_value(history, "valid_accuracy"),
            "best_valid": training["best_valid"],
            "shipped_checkpoint": training.get("checkpoint", {}).get("file", "generator.keras"),
        },
        "metrics": "run tools/bench/gan_bench.py --style STYLE --split test --write-card",
        "judging": JUDGING,
    }

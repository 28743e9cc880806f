"""Keras accompaniment generator -> int8 TFLite file, its model card and its loss-curve picture.

    .venv-train/bin/python -m tools.gan.convert out/gan/bach_run    # writes models_tflite/gan_bach.*

Full-integer quantization (weights and activations int8), calibrated on training windows with fresh noise,
float32 input and output so callers never see scales. The generator is convolutions, additions and a reshape
(no transposed convolution, no dense layer), so the file loads in ai-edge-litert and tflite-runtime 2.14
alike; inference runs it without XNNPACK, so both give the same numbers (keycomposer.models.runtime).

The card carries everything inference needs: the pitch band, the tracks and their default General MIDI
programs, the melody range the model was trained on, and the decoding (keycomposer.models.gan_decoding: its
stated rules, and the temperature given with --temperature), plus the data split and the training record.
"""

import argparse
import json
import os
import shutil
import sys

import numpy as np

from tools.tflite_files import keras_to_tflite, write_model

CALIBRATION_WINDOWS = 200

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
    if calibration is None:
        return keras_to_tflite(model)
    melodies, noises = calibration
    return keras_to_tflite(model, lambda: (
        [melody[None].astype(np.float32), noise[None].astype(np.float32)] for melody, noise in zip(melodies, noises)
    ))


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
    from keycomposer.models.voice_grid import CLASSES, LOWEST_PITCH, PITCHES

    style = training["style"]
    settings = training["settings"]
    history = training["history"]
    return {
        "name": f"gan_{style}",
        "technique": "accompaniment GAN: conditional WGAN-GP (DeepComposer's GAN notebook), a dilated 1D convolution "
                     "over time writing each part's voice classes, straight-through Gumbel samples for the critic, "
                     f"plus {settings['auxiliary']:g} x cross-entropy to the real parts in the generator's loss",
        "style": style,
        "quantization": "int8 weights and activations, float32 input and output",
        "inputs": {
            "melody": "(1, steps, pitches + 1) float32: per 16th the melody's pitch one-hot over the band from "
                      "lowest_pitch (all zero at a rest), then 1 where a melody note starts",
            "noise": "(1, steps, noise_channels) float32 standard normal",
        },
        "output": f"(1, steps, tracks, {CLASSES}) float32 logits per part per 16th over keycomposer.models.voice_grid's "
                  f"classes: rest, MIDI {LOWEST_PITCH}..{LOWEST_PITCH + PITCHES - 1} struck, the same held",
        "steps": training["steps"],
        "steps_per_beat": 4,
        "pitches": training["pitches"],
        "lowest_pitch": training["lowest_pitch"],
        "noise_channels": training["noise_channels"],
        "decoding": decoding,
        "tracks": [{"name": name, "program": program} for name, program in TRACKS[style]],
        "melody_range": melody_range(pieces),
        "data": {
            "corpus": CORPUS[style],
            "split": "by piece (tools/gan/data.py): a whole chorale or a whole quartet is in one split only",
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
            "last_valid_cross_entropy": history["valid_cross_entropy"][-1] if history["valid_cross_entropy"] else None,
            "last_valid_accuracy": history["valid_accuracy"][-1] if history["valid_accuracy"] else None,
            "best_valid": training["best_valid"],
            "shipped_checkpoint": training.get("checkpoint", {}).get("file", "generator.keras"),
        },
        "metrics": "run tools/bench/gan_bench.py --style STYLE --split test --write-card",
        "judging": JUDGING,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="training run folder (holds generator.keras and training.json)")
    parser.add_argument("--out", default="models_tflite", help="folder for the .tflite and card (default %(default)s)")
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="the decoding's temperature (keycomposer.models.gan_decoding; default %(default)s)")
    parser.add_argument("--checkpoint", choices=("best", "last"), default="best",
                        help="best: the generator at its lowest validation cross-entropy (train.BEST); last: the "
                             "last update's (default %(default)s)")
    parser.add_argument("--float32-copy", metavar="PATH", help="also write the float32 file here (for comparisons)")
    args = parser.parse_args(argv)

    import keras

    from keycomposer.models.gan_decoding import Decoding
    from tools.gan import data, model as gan_model, train

    with open(os.path.join(args.run, "training.json")) as f:
        training = json.load(f)
    chosen = train.BEST if args.checkpoint == "best" else "generator.keras"
    if not os.path.exists(os.path.join(args.run, chosen)):
        raise SystemExit(f"{args.run} holds no {chosen} (runs before the best-checkpoint save: --checkpoint last)")
    generator = keras.saving.load_model(os.path.join(args.run, chosen), compile=False)
    training["checkpoint"] = {"file": chosen, "best_valid": training.get("best_valid")}
    style = training["style"]
    splits = data.load(style, training["settings"]["data"], barred=True)
    learned = splits["train"][:training["settings"]["limit_pieces"] or None]
    rng = np.random.default_rng(12345)
    melodies, _ = train.WindowSampler(learned, gan_model.LOWEST_PITCH[style], rng).batch(CALIBRATION_WINDOWS)
    noises = rng.standard_normal((CALIBRATION_WINDOWS, gan_model.STEPS, gan_model.NOISE_CHANNELS)).astype(np.float32)
    if args.float32_copy:
        os.makedirs(os.path.dirname(args.float32_copy) or ".", exist_ok=True)
        with open(args.float32_copy, "wb") as f:
            f.write(to_tflite(generator))
    card = model_card(training, learned, Decoding(temperature=args.temperature).to_card())
    int8 = to_tflite(generator, (melodies, noises))
    card["output_step"] = output_step(int8)
    path = write_model(int8, card, args.out, card["name"])
    shutil.copyfile(os.path.join(args.run, "curves.png"), os.path.join(args.out, f"{card['name']}_curves.png"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes), its card and {card['name']}_curves.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

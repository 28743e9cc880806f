"""Keras accompaniment generator -> int8 TFLite file and its model card.

    .venv-train/bin/python -m tools.gan.convert out/gan/bach_run     # writes models_tflite/gan_bach.{tflite,json}

Full-integer quantization (weights and activations int8), calibrated on training melodies with fresh noise,
float32 input and output so callers never see scales. The generator has no transposed convolution and no
dense layer (tools/gan/model.py), the two int8 ops tflite-runtime 2.14 cannot read; the dense-layer flag is
set anyway.

How each part is decoded into one voice (the card's `decoding`: keycomposer.models.voicing) is then set on
the written file by tools/gan/calibrate.py, through the same reading as inference. The card carries everything
inference needs: the pitch band, the tracks, their default General MIDI programs, the melody range the model
was trained on, the decoding, and the data split.
"""

import argparse
import json
import os
import sys

import numpy as np

from tools.tflite_files import keras_to_tflite, write_model

CALIBRATION_WINDOWS = 200
AGREEMENT_WINDOWS = 256  # validation windows the int8 file is compared with the float generator on

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


EQUALIZED_RANGE = 4.0  # every hidden channel's largest calibration value after equalization: about the noise's
# Logits below this give probabilities the int8 output (steps of 1/256) writes as 0 anyway (sigmoid(-7) = 0.0009,
# under half a step); held at it, the logits' int8 range shrinks from about -120..5 to -7..5 and every logit is
# rounded 10 times finer.
CONVERSION_FLOOR = -7.0


def equalize(generator, melodies, noises, target=EQUALIZED_RANGE):
    """The same function with every hidden channel scaled so its largest value on these inputs is `target`.

    int8 CONCATENATION gives all its inputs one scale. Trained as it is, the U-Net's encoder skips hold values
    up to about 1 while the decoder tensors they join reach hundreds: at one scale the skips (the melody's
    exact place) round to zero and the int8 model forgets the melody. A ReLU convolution's output times c>0
    is the output of the same convolution with weights and bias times c, and max-pooling and upsampling
    commute with such scales; so each channel is scaled here and the next layer's weights divided back (as in
    Nagel et al. 2019, cross-layer equalization). The sigmoid's input, the logits, keep their scale.
    """
    import keras

    from tools.gan import model as gan_model

    filters = _filters(generator)
    levels = len(filters)
    convs = [layer for layer in generator.layers if isinstance(layer, keras.layers.Conv2D)]
    probe = keras.Model(generator.inputs, [layer.output for layer in convs])
    peaks = {layer.name: np.max(values, axis=(0, 1, 2))
             for layer, values in zip(convs, probe.predict([melodies, noises], batch_size=64, verbose=0))}
    out_scale = {name: np.where(peak > 0, target / np.maximum(peak, 1e-12), 1.0) for name, peak in peaks.items()}
    last = convs[-1].name  # the logits' convolution: its outputs keep their scale
    out_scale[last] = np.ones_like(peaks[last])
    noise_scale = np.ones(generator.get_layer("with_noise").output.shape[-1] - filters[-2])
    in_scale = {"down0a": np.ones(1)}
    for level in range(levels):
        if level > 0:
            pooled = out_scale[f"down{level - 1}b"]
            in_scale[f"down{level}a"] = np.concatenate([pooled, noise_scale]) if level == levels - 1 else pooled
        in_scale[f"down{level}b"] = out_scale[f"down{level}a"]
    for level in reversed(range(levels - 1)):
        below = out_scale[f"down{levels - 1}b"] if level == levels - 2 else out_scale[f"up{level + 1}b"]
        in_scale[f"up{level}a"] = np.concatenate([out_scale[f"down{level}b"], below])
        in_scale[f"up{level}b"] = out_scale[f"up{level}a"]
    in_scale[last] = out_scale["up0b"]
    equalized = gan_model.build_generator(filters=filters, name=generator.name,
                                          logit_floor=gan_model.logit_floor_of(generator))
    for layer in convs:
        kernel, bias = layer.get_weights()
        scale_in, scale_out = in_scale[layer.name], out_scale[layer.name]
        equalized.get_layer(layer.name).set_weights([
            (kernel * scale_out[None, None, None, :] / scale_in[None, None, :, None]).astype(np.float32),
            (bias * scale_out).astype(np.float32),
        ])
    return equalized


def floored(generator, floor=CONVERSION_FLOOR):
    """The same generator with its logits held at or above ``floor`` (tools/gan/model.py's logit floor, its last
    convolution's bias moved by the floor); a generator trained with a floor is returned as it is. Its outputs
    change by at most sigmoid(floor)."""
    import keras

    from tools.gan import model as gan_model

    if gan_model.logit_floor_of(generator) is not None:
        return generator
    held = gan_model.build_generator(filters=_filters(generator), name=generator.name, logit_floor=floor)
    for layer in generator.layers:
        if isinstance(layer, keras.layers.Conv2D):
            kernel, bias = layer.get_weights()
            if layer.name == "tracks":
                held.get_layer("tracks_above_floor").set_weights([kernel, bias - floor])
            else:
                held.get_layer(layer.name).set_weights([kernel, bias])
    return held


def int8_agreement(tflite_bytes: bytes, generator, melodies, rng) -> dict:
    """How closely the int8 file follows the float generator: the share of cells on the same side of 0.5, and
    of steps where each part's most likely pitch is the same."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=tflite_bytes)
    interpreter.allocate_tensors()
    inputs, output = interpreter.get_input_details(), interpreter.get_output_details()[0]
    noise_shape = tuple(generator.inputs[1].shape[1:])
    noises = rng.standard_normal((len(melodies),) + noise_shape).astype(np.float32)
    float_out = np.asarray(generator.predict([melodies, noises], batch_size=64, verbose=0))
    int8_out = []
    for melody, noise in zip(melodies, noises):
        for detail in inputs:
            interpreter.set_tensor(detail["index"], (melody if tuple(detail["shape"][1:]) == melody.shape else noise)[None])
        interpreter.invoke()
        int8_out.append(interpreter.get_tensor(output["index"])[0])
    int8_out = np.stack(int8_out)
    return {
        "windows": len(melodies),
        "cells_same_side_of_half": round(float(((int8_out > 0.5) == (float_out > 0.5)).mean()), 5),
        "steps_same_top_pitch": round(float((int8_out.argmax(axis=2) == float_out.argmax(axis=2)).mean()), 5),
    }


def _filters(generator) -> tuple:
    """The generator's channels per U-Net level, as build_generator takes them."""
    return tuple(generator.get_layer(f"down{level}a").filters for level in range(_levels(generator)))


def _levels(generator) -> int:
    return sum(1 for layer in generator.layers if layer.name.startswith("down") and layer.name.endswith("a"))


def to_tflite(model, calibration=None) -> bytes:
    """float32 TFLite when `calibration` is None, else full int8 calibrated on those (melody, noise) pairs."""
    if calibration is None:
        return keras_to_tflite(model)
    melodies, noises = calibration
    return keras_to_tflite(model, lambda: (
        [melody[None].astype(np.float32), noise[None].astype(np.float32)] for melody, noise in zip(melodies, noises)
    ))


def melody_range(pieces) -> list:
    """[lowest, highest] MIDI pitch of the melody part over the training pieces (untransposed)."""
    used = np.nonzero(np.any([piece.parts[0].any(axis=0) for piece in pieces], axis=0))[0]
    return [int(used.min()), int(used.max())]


def model_card(training: dict, pieces) -> dict:
    style = training["style"]
    history = training["history"]
    tail = slice(-50, None)
    return {
        "name": f"gan_{style}",
        "technique": "accompaniment GAN: conditional WGAN-GP, U-Net generator (DeepComposer's GAN notebook)"
        + (f", plus {training['settings']['reconstruction']:g} x cross-entropy to the real tracks in the generator's "
           "loss (pix2pix)" if training["settings"].get("reconstruction") else ""),
        "style": style,
        "quantization": "int8 weights and activations, float32 input and output",
        "inputs": {
            "melody": "(1, steps, pitches, 1) float32: the melody window, 1 where a pitch sounds, one step per 16th",
            "noise": "(1, *noise_shape) float32 standard normal, joined at the U-Net's bottleneck",
        },
        "output": "(1, steps, pitches, tracks) float32 in 0..1: how likely each accompaniment cell sounds",
        "steps": training["steps"],
        "steps_per_beat": 4,
        "pitches": training["pitches"],
        "lowest_pitch": training["lowest_pitch"],
        "noise_shape": training["noise_shape"],
        "decoding": [{"decoder": "path", "threshold": 0.5}] * len(TRACKS[style]),  # until calibrate sets it
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
            "command": f"python -m tools.gan.train --style {style} ...",
            "settings": training["settings"],
            "generator_updates": training["generator_updates"],
            "epochs_done": training["epochs_done"],
            "minutes": training["minutes"],
            "generator_parameters": training["generator_parameters"],
            "last_50_mean_wasserstein": float(np.mean(history["wasserstein"][tail])) if history["wasserstein"] else None,
            "last_valid_wasserstein": history["valid_wasserstein"][-1] if history["valid_wasserstein"] else None,
            "last_valid_generated_density": history["valid_generated_density"][-1]
            if history["valid_generated_density"] else None,
            "valid_real_density": training["valid_real_density"],
            "last_valid_reconstruction": history["valid_reconstruction"][-1]
            if history.get("valid_reconstruction") else None,
        },
        "metrics": "run tools/bench/gan_bench.py: MuseGAN metrics against the test pieces and an octave-down baseline",
    }


def main(argv=None) -> int:
    from tools.gan import calibrate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="training run folder (holds generator.keras and training.json)")
    parser.add_argument("--out", default="models_tflite", help="folder for the .tflite and card (default %(default)s)")
    parser.add_argument("--float32-copy", metavar="PATH", help="also write the float32 file here (for the benchmark)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="decoding searches run side by side (default: one per core)")
    parser.add_argument("--decoders", nargs="+", choices=calibrate.DECODERS, default=list(calibrate.DECODERS),
                        help="decoders the decoding calibration searches (default: all)")
    parser.add_argument("--keep-decoding", metavar="CARD",
                        help="take the decoding (and its calibration record) from this card instead of calibrating: "
                             "then `calibrate --from-card` sets it on the new file")
    args = parser.parse_args(argv)

    import keras

    from tools.gan import data, model as gan_model, train

    with open(os.path.join(args.run, "training.json")) as f:
        training = json.load(f)
    generator = keras.saving.load_model(os.path.join(args.run, "generator.keras"), compile=False)
    style = training["style"]
    splits = data.load(style, training["settings"]["data"])
    # What the run learned from (a fold's generator: one half) is what its int8 ranges and melody range come from.
    learned = train.training_pieces(splits["train"], training["settings"].get("half"),
                                    training["settings"].get("limit_pieces", 0))
    rng = np.random.default_rng(12345)
    sampler = train.WindowSampler(learned, gan_model.LOWEST_PITCH[style], rng)
    melodies, _ = sampler.batch(CALIBRATION_WINDOWS)
    noises = rng.standard_normal((CALIBRATION_WINDOWS,) + tuple(training["noise_shape"])).astype(np.float32)
    if args.float32_copy:
        os.makedirs(os.path.dirname(args.float32_copy) or ".", exist_ok=True)
        with open(args.float32_copy, "wb") as f:
            f.write(to_tflite(generator))
    valid_sampler = train.WindowSampler(splits["valid"], gan_model.LOWEST_PITCH[style], rng)
    valid_melodies, _ = valid_sampler.fixed(AGREEMENT_WINDOWS)
    card = model_card(training, learned)
    # Equalized (hidden channels at one scale) and floored (logits at one tenth the int8 step), the int8 file keeps the
    # float generator's most likely pitch on far more steps: bach 61 % as first shipped, 69 % floored.
    equalized = floored(equalize(generator, melodies, noises))
    check = np.abs(equalized.predict([melodies, noises], verbose=0) - generator.predict([melodies, noises], verbose=0))
    print(f"equalized generator: largest change in any output {check.max():.2e}")
    int8 = to_tflite(equalized, (melodies, noises))
    card["int8_agreement"] = int8_agreement(int8, generator, valid_melodies, rng)
    print(f"int8 against float32 on validation windows: {card['int8_agreement']}")
    path = write_model(int8, card, args.out, card["name"])
    # How parts are decoded is set on the written file, through the same reading as inference.
    from keycomposer.models.gan import Accompanist

    if args.keep_decoding:
        with open(args.keep_decoding) as f:
            kept = json.load(f)
        card.update({name: kept[name] for name in ("decoding", "decoding_calibration") if name in kept})
    else:
        card.update(calibrate.calibrate(Accompanist(style, folder=args.out), splits, jobs=args.jobs,
                                        decoders=tuple(args.decoders)))
    path = write_model(int8, card, args.out, card["name"])
    print(f"wrote {path} ({os.path.getsize(path)} bytes) and its card")
    return 0


if __name__ == "__main__":
    sys.exit(main())

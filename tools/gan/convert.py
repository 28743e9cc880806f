"""Keras accompaniment generator -> int8 TFLite file, its model card and its loss-curve picture.

    .venv-train/bin/python -m tools.gan.convert out/gan/bach_run    # writes models_tflite/gan_bach.*

The quantization, the calibration and the card's fields live in keycomposer.trainers.gan.conversion (its doc
says how), which `keycomposer train gan` uses too. The card carries everything inference needs: the pitch band,
the tracks and their default General MIDI programs, the melody range the model was trained on, and the decoding
(keycomposer.models.gan_decoding: its stated rules, and the temperature given with --temperature), plus the data
split and the training record.
"""

import argparse
import json
import os
import shutil
import sys

from keycomposer.trainers.gan.conversion import (  # noqa: F401  (one copy, in the package)
    CALIBRATION_WINDOWS, CORPUS, JUDGING, TRACKS, calibration_windows, melody_range, model_card, output_step, to_tflite,
)
from tools.tflite_files import write_model


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
    melodies, noises = calibration_windows(learned, gan_model.LOWEST_PITCH[style])
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

"""Why the decoding's thresholds are relative: how often each part rests, decoded with thresholds fixed in
probability and with the same thresholds relative to the part's level in each melody, on the training and the
validation pieces (the test pieces are not read).

    .venv/bin/python -m tools.gan.levels --style quartet

The card's decoding is read as it is; its other form takes the validation melodies' mean level as the
exchange rate (fixed = relative x that level), so both rest alike on average over the validation melodies,
where the calibration set them. Per split it prints the parts' mean level and its spread over the pieces,
the real and the decoded empty bar rates and sounding shares, and how the decoded rate's error follows the
piece's level (a correlation near -1: the less sure the generator, the more the part rests).
"""

import argparse
import dataclasses
import sys

import numpy as np

from tools.gan import data

SPLITS = ("train", "valid")


def piece_readings(accompanist, pieces) -> list:
    """(name, roll, probability, melody, bars) per piece with a melody, one generation each, read as the
    calibration reads it."""
    from tools.gan.calibrate import readings

    with_melody = [piece for piece in pieces if piece.parts[0].any()]  # the pieces `readings` reads
    return [(piece.name, piece.parts, probability, melody, bars)
            for piece, (probability, _, melody, bars) in zip(with_melody, readings(accompanist, pieces, seeds=1))]


def both_forms(decoding, level: float) -> dict:
    """The decoding with thresholds fixed in probability and relative to the part's level, ``level`` apart."""
    if decoding.relative:
        fixed = dataclasses.replace(decoding, relative=False, threshold=min(1.0, decoding.threshold * level),
                                    bar_rest=min(1.0, decoding.bar_rest * level))
        return {"fixed": fixed, "relative": decoding}
    relative = dataclasses.replace(decoding, relative=True, threshold=decoding.threshold / level,
                                   bar_rest=decoding.bar_rest / level)
    return {"fixed": decoding, "relative": relative}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data.add_model_arguments(parser)
    args = parser.parse_args(argv)

    from keycomposer.models.gan import Accompanist
    from keycomposer.models.voicing import part_level, voice_roll
    from keycomposer.music import metrics

    accompanist = Accompanist(args.style, folder=args.models)
    splits = data.load(args.style, args.data, barred=True)
    read = {split: piece_readings(accompanist, splits[split]) for split in SPLITS}
    for part, (track, _) in enumerate(accompanist.tracks):
        valid_level = float(np.mean([part_level(probability[:, :, part]) for _, _, probability, _, _ in read["valid"]]))
        forms = both_forms(accompanist.decoding[part], valid_level)
        print(f"{track}: card's decoding {'relative' if accompanist.decoding[part].relative else 'fixed'}; "
              f"validation level {valid_level:.4f}; fixed threshold {forms['fixed'].threshold:.4f}, bar level "
              f"{forms['fixed'].bar_rest:.4f} = relative {forms['relative'].threshold:.3f}, {forms['relative'].bar_rest:.3f}")
        for split in SPLITS:
            levels = np.array([part_level(probability[:, :, part]) for _, _, probability, _, _ in read[split]])
            real = np.array([metrics.empty_bar_rate(roll[1 + part], bars.starts(roll.shape[1]))
                             for _, roll, _, _, bars in read[split]])
            sounding = np.mean([roll[1 + part].any(axis=1).mean() for _, roll, _, _, _ in read[split]])
            line = (f"  {split:5} {len(levels):3} pieces: level {levels.mean():.4f} (sd {levels.std():.4f}); "
                    f"real: empty bars {real.mean():.3f}, sounding {sounding:.3f}")
            for form, decoding in forms.items():
                voices = [decoding.voice(probability[:, :, part], seed=(index, part), melody=melody, bars=bars)
                          for index, (_, _, probability, melody, bars) in enumerate(read[split])]
                empty = np.array([metrics.empty_bar_rate(voice_roll(voice, accompanist.lowest), bars.starts(len(voice)))
                                  for voice, (*_, bars) in zip(voices, read[split])])
                correlation = np.corrcoef(levels, empty - real)[0, 1] if len(levels) > 2 else float("nan")
                line += (f"; {form}: empty bars {empty.mean():.3f}, sounding "
                         f"{np.mean([(voice >= 0).mean() for voice in voices]):.3f}, corr(level, error) {correlation:+.2f}")
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

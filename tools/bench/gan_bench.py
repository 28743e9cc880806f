"""Accompaniment GAN against the real pieces and a naive baseline, side by side in one run.

    .venv/bin/python tools/bench/gan_bench.py --style bach [--bars 16] [--seeds 2]

For every test piece of the style (tools/gan/data.py's split: never seen in training), read in its own bars (its
pickup's missing beats put back as rests, its bars as its time signatures and measures draw them, given to every
accompanist as a MIDI file would give them: "first 16 bars" are 16 of them, and a bar's figures are counted in
them), the melody part is given to three accompanists: the GAN (models_tflite/gan_<style>.tflite), the composer (the
piece's own parts: the target) and a baseline that copies the melody one octave down into every track. Per track it
prints MuseGAN's metrics (empty bar rate, used pitch classes per bar, qualified note rate, polyphonic rate), the
tonal distance between the melody and that track, and figures of our own that tell one voice from another (pitch
classes used, mean pitch, notes per bar, in-scale ratio, share of notes one 16th long, share of moves by step),
averaged over pieces, and how its notes per bar follow the melody's (the slope over 8-bar stretches of all pieces
pooled; the baseline's is 1), and for each figure the ratio |GAN - real| / |baseline - real|: under 1 means the GAN
is closer to the real pieces than the baseline is. Beside them, the training pieces' own parts read the same way
("training"): what a generator that wrote exactly as the pieces it learned from would score. Where their ratio is 1
or more, the test pieces differ from the training pieces more than the baseline differs from the test pieces, and
only a generator that wrote unlike its training pieces, towards these test pieces, could be closer. (Drum pattern is
a drum-track metric; neither style has drums.) Then the latency of 8 bars of accompaniment, with the model loaded
once, and of a whole `accompany` call that loads it too.

Needs the data cache (out/gan/<style>.npz, from `python -m tools.gan.data`) and a TFLite runtime.
"""

import argparse
import math
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "host"))

from keycomposer.models.gan import Accompanist, accompany, melody_of  # noqa: E402
from keycomposer.models.bars import COMMON_TIME  # noqa: E402
from keycomposer.music.composition import Composition, TimeSignature  # noqa: E402
from keycomposer.music.metrics import composition_metrics  # noqa: E402
from keycomposer.music.pianoroll import from_pianoroll  # noqa: E402
from tools.gan import data  # noqa: E402
from tools.gan.calibrate import follows_melody, top_voice  # noqa: E402

# MuseGAN's used pitch classes (UPC) is per bar (its paper: "from 0 to 12"); pitch_classes_used, over the
# whole excerpt, is kept among ours below.
MUSEGAN_METRICS = ("empty_bar_rate", "pitch_classes_per_bar", "qualified_note_rate", "polyphonic_rate")
TARGET_METRICS = MUSEGAN_METRICS + ("tonal_distance_to_melody",)  # the target: MuseGAN's and tonal distance
# Not MuseGAN's, but where a monophonic part differs from another: its register, how busy it is, its key.
EXTRA_METRICS = ("pitch_classes_used", "mean_pitch", "notes_per_bar", "in_scale_ratio", "one_step_notes",
                 "stepwise_motion", "follows_melody")
POOLED = ("follows_melody",)  # figures of all pieces' stretches together, not averaged piece by piece
STEPS_PER_BAR = 16
RESOLUTION = 480  # ticks per beat of the tracks as_tracks writes
STEP_TICKS = RESOLUTION // 4  # one 16th


def as_tracks(roll):
    """Tracks of a (parts, steps, 128) bool roll at 16ths, resolution RESOLUTION."""
    return from_pianoroll(roll, steps_per_beat=4, resolution=RESOLUTION).tracks


def in_bars(tracks, bars, name=""):
    """A composition of these tracks whose time signatures draw ``bars`` (keycomposer.models.bars.Bars)."""
    signatures = tuple(TimeSignature(step * STEP_TICKS, *meter) for step, meter in bars.signatures())
    return Composition(tuple(tracks), RESOLUTION, time_signatures=signatures, name=name)


def figures(composition: Composition) -> list:
    """Per accompaniment track (tracks 1..3): its metrics and its tonal distance to the melody (track 0)."""
    metrics = composition_metrics(composition)
    rows = []
    for index in range(1, len(composition.tracks)):
        entry = metrics["tracks"][index]
        notes = composition.tracks[index].notes
        row = {name: entry.get(name) for name in MUSEGAN_METRICS + ("pitch_classes_used", "in_scale_ratio",
                                                                     "stepwise_motion")}
        row["mean_pitch"] = statistics.fmean(note.pitch for note in notes) if notes else None
        row["notes_per_bar"] = len(notes) / metrics["bars"] if metrics["bars"] else None
        # A voice that flickers to a neighbour for a 16th and back: notes one step long.
        row["one_step_notes"] = (sum(note.duration <= STEP_TICKS for note in notes) / len(notes)) if notes else None
        row["tonal_distance_to_melody"] = metrics["tonal_distance"].get(f"0-{index}")
        rows.append(row)
    return rows


def real_reading(piece, bars: int):
    """A piece's first ``bars`` (0: all) as the benchmark reads them: its (parts, steps, 128) roll, its melody as a
    composition and as a line, the figures of its own parts and (melody line, its tracks' top lines); None where
    its melody never sounds there."""
    parts = piece.first_bars(bars)
    if not parts[0].any():
        return None
    melody_line = top_voice(parts[0])
    return SimpleNamespace(parts=parts, melody=in_bars(as_tracks(parts[:1]), piece.bars, piece.name),
                           melody_line=melody_line, figures=figures(in_bars(as_tracks(parts), piece.bars)),
                           lines=(melody_line, [top_voice(part) for part in parts[1:]]))


def baseline_reading(reading, bars):
    """The baseline's figures and (melody line, its tracks' top lines) for a piece read by `real_reading` whose
    bars are ``bars``: the melody one octave down in every track."""
    parts = reading.parts
    octave_down = np.zeros_like(parts[0])
    octave_down[:, :-12] = parts[0][:, 12:]
    baseline = np.stack([parts[0]] + [octave_down] * (len(parts) - 1))
    return (figures(in_bars(as_tracks(baseline), bars)),
            (reading.melody_line, [top_voice(octave_down)] * (len(parts) - 1)))


def ratio(figure: float, real: float, baseline: float):
    """|figure - real| / |baseline - real|, or None where the baseline already matches the real pieces."""
    gap = abs(baseline - real)
    return None if gap < 1e-9 else abs(figure - real) / gap


def mean(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.fmean(values) if values else math.nan


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default="bach", choices=sorted(data.STYLES))
    parser.add_argument("--bars", type=int, default=16,
                        help="bars read from the start of each test piece (0: the whole piece)")
    parser.add_argument("--seeds", type=int, default=2, help="GAN generations per piece")
    parser.add_argument("--data", default=str(REPO / data.CACHE_FOLDER))
    parser.add_argument("--models", default=None, help="models folder (default: models_tflite)")
    parser.add_argument("--float32", help="a float32 .tflite of the same generator, for a latency comparison")
    parser.add_argument("--write-card", action="store_true",
                        help="also store these figures in the model card (the .tflite is not touched): the first bars' "
                             "in 'metrics', whole files' in 'metrics_whole_files'")
    args = parser.parse_args(argv)

    accompanist = Accompanist(args.style, folder=args.models)
    splits = data.load(args.style, args.data, barred=True)  # bars as the scores have them
    tests = splits["test"]
    results = {"GAN": [], "real": [], "baseline": [], "training": []}
    lines = {who: [] for who in results}  # (melody line, the tracks' top lines) per piece and generation
    for piece in splits["train"]:
        reading = real_reading(piece, args.bars)
        if reading is not None:
            results["training"].append(reading.figures)
            lines["training"].append(reading.lines)
    seed_change = []
    started = time.monotonic()
    for piece in tests:
        reading = real_reading(piece, args.bars)
        if reading is None:
            continue
        melody, melody_line = reading.melody, reading.melody_line
        baseline, baseline_lines = baseline_reading(reading, piece.bars)
        results["real"].append(reading.figures)
        results["baseline"].append(baseline)
        lines["real"].append(reading.lines)
        lines["baseline"].append(baseline_lines)
        line = melody_of(melody, chords="top")
        rolls = [accompanist.roll(line, seed=seed) for seed in range(max(2, args.seeds))]
        for seed in range(args.seeds):
            results["GAN"].append(figures(accompanist.compose(melody, seed=seed, chords="top")))
            lines["GAN"].append((melody_line, [top_voice(part) for part in rolls[seed]]))
        # How much the seed changes: the share of sounding cells that differ between seeds 0 and 1.
        first, second = rolls[:2]
        seed_change.append((first != second).sum() / max(1, (first | second).sum()))
    read = f"first {args.bars} bars" if args.bars > 0 else "whole"
    print(f"{args.style}: {len(tests)} test files, {read}, {args.seeds} GAN seeds each "
          f"({time.monotonic() - started:.1f} s)")
    print(f"seed 0 against seed 1: {mean(seed_change):.3f} of the sounding accompaniment cells differ")
    names = [name for name, _ in accompanist.tracks]
    header = (f"{'track':10} {'metric':26} {'real':>8} {'GAN':>8} {'baseline':>9} {'ratio':>7} {'training':>9} "
              f"{'ratio':>7}")
    print(header)
    counts = {group: {"closer": 0, "total": 0, "ties": 0, "training_closer": 0} for group in ("target", "extra")}
    table = {}
    who = ("real", "GAN", "baseline", "training")
    for track, name in enumerate(names):
        for metric in TARGET_METRICS + EXTRA_METRICS:
            count = counts["target" if metric in TARGET_METRICS else "extra"]
            if metric in POOLED:
                real, gan, base, trained = (follows_melody([(line, tracks[track]) for line, tracks in lines[w]])
                                            for w in who)
            else:
                real, gan, base, trained = (mean([rows[track][metric] for rows in results[w]]) for w in who)
            gan_ratio, training_ratio = ratio(gan, real, base), ratio(trained, real, base)
            if gan_ratio is None:  # the baseline already matches the real pieces: no ratio to give
                count["ties"] += 1
                shown = f"{'(tie)':>7} {trained:9.3f} {'':7}"
            else:
                count["total"] += 1
                count["closer"] += gan_ratio < 1
                count["training_closer"] += training_ratio < 1
                shown = f"{gan_ratio:7.2f} {trained:9.3f} {training_ratio:7.2f}"
            table.setdefault(name, {})[metric] = {
                "real": round(real, 4), "gan": round(gan, 4), "baseline": round(base, 4),
                "ratio": None if gan_ratio is None else round(gan_ratio, 4), "training": round(trained, 4),
                "training_ratio": None if training_ratio is None else round(training_ratio, 4)}
            extra = " *" if metric in EXTRA_METRICS else ""
            print(f"{name:10} {metric + extra:26} {real:8.3f} {gan:8.3f} {base:9.3f} {shown}")
    summary = {}
    for group, label in (("target", "MuseGAN's metrics and tonal distance (the target)"),
                         ("extra", "our own figures (*)")):
        count = counts[group]
        summary[group] = f"{count['closer']} of {count['total']}"
        summary[group + "_training"] = f"{count['training_closer']} of {count['total']}"
        print(f"{label}: GAN closer to the real pieces than the baseline in {count['closer']} of {count['total']} "
              f"figures (ratio < 1); {count['ties']} more where the baseline equals the real pieces; the training "
              f"pieces' own parts closer in {count['training_closer']} of {count['total']}")

    # Latency: 8 bars of a melody from the test set, model loaded once; then whole calls that load it too.
    parts = next(piece.parts for piece in tests if piece.meter == COMMON_TIME and piece.parts.shape[1] >= 8 * STEPS_PER_BAR)
    melody = Composition((as_tracks(parts[:1, :8 * STEPS_PER_BAR])[0],))
    line = melody_of(melody, chords="top")
    accompanist.roll(line, seed=0)
    timings = []
    for seed in range(20):
        began = time.perf_counter()
        accompanist.roll(line, seed=seed)
        timings.append(time.perf_counter() - began)
    whole = []
    for seed in range(5):
        began = time.perf_counter()
        accompany(melody, style=args.style, seed=seed, chords="top", folder=args.models)
        whole.append(time.perf_counter() - began)
    int8 = statistics.median(timings)
    print(f"latency, 8 bars ({accompanist.model.runtime}, int8): median {int8 * 1000:.1f} ms over 20 runs "
          f"(target 200 ms: {int8 / 0.2:.2f} of it); whole accompany() call with model loading: median "
          f"{statistics.median(whole) * 1000:.1f} ms")
    if args.float32:
        from keycomposer.models.runtime import TFLiteModel

        float_model = TFLiteModel(Path(args.float32).read_bytes(), accompanist.model.card, threads=1)
        int8_model = accompanist.model
        accompanist.model = float_model
        float_timings = []
        for seed in range(20):
            began = time.perf_counter()
            accompanist.roll(line, seed=seed)
            float_timings.append(time.perf_counter() - began)
        accompanist.model = int8_model
        fl = statistics.median(float_timings)
        print(f"latency, 8 bars, float32: median {fl * 1000:.1f} ms; int8 / float32 = {int8 / fl:.2f}")
    if args.write_card:
        write_card_metrics(accompanist, {
            "command": f"tools/bench/gan_bench.py --style {args.style} --bars {args.bars} --seeds {args.seeds}",
            "test_files": len(tests), "bars_per_file": args.bars, "seeds": args.seeds,
            "ratio": "|GAN - real| / |baseline - real|; baseline: the melody one octave down in every track",
            "closer_than_baseline": summary["target"], "closer_than_baseline_own_figures": summary["extra"],
            "training_pieces_closer_than_baseline": summary["target_training"],
            "training_pieces_closer_than_baseline_own_figures": summary["extra_training"],
            "training": "the training pieces' own parts, read as the test pieces are (their ratio: how close a "
                        "generator that wrote exactly as its training pieces would come)",
            "per_track": table,
            "seed_0_vs_1_cells_differing": round(mean(seed_change), 4),
            "latency_8_bars_ms": round(int8 * 1000, 1), "latency_runtime": accompanist.model.runtime,
        }, args.models, card_key(args.bars))
    return 0


def card_key(bars: int) -> str:
    """Where the card keeps a run's figures: the first bars' (the target view) in 'metrics', whole files' beside
    them, so that writing one view keeps the other."""
    return "metrics" if bars > 0 else "metrics_whole_files"


def write_card_metrics(accompanist, metrics: dict, folder, key: str = "metrics") -> None:
    import json

    from keycomposer.models.runtime import models_dir

    path = Path(folder or models_dir()) / f"gan_{accompanist.style}.json"
    card = json.loads(path.read_text())
    card[key] = metrics
    path.write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote the figures into {path} ({key})")


if __name__ == "__main__":
    sys.exit(main())

"""AR-CNN figures, side by side in one run: quality on the test chorales, int8 against float32, speed.

    .venv-train/bin/python -m tools.bench.arcnn_bench --float32 out/arcnn/arcnn_bach_f32.tflite \
        --reference out/arcnn/reference [--card models_tflite/arcnn_bach.json]

Needs the chorale cache (tools/arcnn/data.py) and LiteRT; --reference is a folder holding
deepcomposer_arcnn_int8.tflite (`python ../shared/reference/deepcomposer_arcnn.py --tflite FOLDER`).
With --card the figures are written into the model card's "figures" (its sha256 is of the .tflite, unchanged).

Quality is measured on fixed corrupted windows of the test chorales (the training corruption, seed 2024):
- loss: cross-entropy between the cells to flip (uniform over them) and the softmax of the logits over the
  example's cells, averaged over examples (what training minimises; log(8192) = 9.01 for a uniform guess);
- NLL per note cell to restore: the mean of -log p(cell) over the removed cells only, p the same softmax;
- the baseline: one Bernoulli rate per pitch of "this cell must flip", for empty and for sounding cells,
  counted on the training examples, its log-rates used as logits and measured the same way.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np

from keycomposer.models import arcnn, runtime
from keycomposer.music import metrics
from tools.arcnn import data, train
from tools.tflite_files import write_card_figures

TEST_SEED = 2024
STEPS_PER_BAR = 16


def log_softmax(logits):
    flat = logits.reshape(len(logits), -1).astype(np.float64)
    flat = flat - flat.max(axis=1, keepdims=True)
    return flat - np.log(np.exp(flat).sum(axis=1, keepdims=True))


def quality(logits, corrupted, flips):
    """(loss, NLL per note cell to restore) over a batch of examples, as the module docstring defines them."""
    logp = log_softmax(logits)
    flips = flips.reshape(len(flips), -1)
    restore = flips & ~corrupted.reshape(len(corrupted), -1)
    loss = np.mean([-logp[i, flips[i]].mean() for i in range(len(logp))])
    nll = [-logp[i, restore[i]].mean() for i in range(len(logp)) if restore[i].any()]
    return float(loss), float(np.mean(nll))


def bernoulli_baseline(train_chorales, examples=2000):
    """log rate of flipping, per pitch, for empty (row 0) and sounding (row 1) cells, from training examples."""
    x, y = train.ExampleSampler(train_chorales, np.random.default_rng(99)).batch(examples)
    rates = np.empty((2, x.shape[2]))
    for state in (0, 1):
        cells = x == bool(state)
        rates[state] = (y & cells).sum(axis=(0, 1)) + 1.0  # add-one smoothing: no pitch is impossible
        rates[state] /= cells.sum(axis=(0, 1)) + 2.0
    log_rates = np.log(rates)
    return lambda corrupted: np.where(corrupted, log_rates[1], log_rates[0])


def tflite_logits(model, windows):
    return np.stack([model(w[None, :, :, None].astype(np.float32))[0, :, :, 0] for w in windows])


def median_ms(call, repeats=15):
    call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return 1e3 * statistics.median(times)


def load_unchecked(path, threads):
    with open(path, "rb") as f:
        content = f.read()
    return runtime.TFLiteModel(content, {"name": os.path.basename(path)}, threads=threads)


def skyline(window):
    """The highest sounding pitch of each step: a chorale window's melody, as a person would play it."""
    melody = np.zeros_like(window)
    steps = np.nonzero(window.any(axis=1))[0]
    melody[steps, window.shape[1] - 1 - np.argmax(window[steps, ::-1], axis=1)] = True
    return melody


def music_metrics(rolls):
    rows = [
        (
            metrics.empty_bar_rate(r, STEPS_PER_BAR),
            metrics.in_scale_ratio(r),
            metrics.n_pitches_used(r),
            metrics.polyphonic_rate(r),
        )
        for r in rolls
    ]
    names = ("empty_bar_rate", "in_scale_ratio", "pitches_used", "polyphonic_rate")
    return {n: round(float(np.nanmean([row[k] for row in rows])), 3) for k, n in enumerate(names)}


def to_midi_roll(band, lowest):
    roll = np.zeros((len(band), 128), dtype=bool)
    roll[:, lowest:lowest + band.shape[1]] = band
    return roll


TFLITE_RUNTIME_SCRIPT = """
import statistics, sys, time, numpy as np
from keycomposer.models import runtime
model = runtime.load_model("arcnn_bach", folder=sys.argv[1], runtime="tflite_runtime", threads=int(sys.argv[4]))
x = np.load(sys.argv[2])
np.save(sys.argv[3], np.stack([model(w[None, :, :, None].astype(np.float32))[0, :, :, 0] for w in x]))
one = x[:1, :, :, None].astype(np.float32)
times = []
for _ in range(16):
    started = time.perf_counter(); model(one); times.append(time.perf_counter() - started)
print(1e3 * statistics.median(times[1:]))
"""


def compare_tflite_runtime(python, models, windows, int8, threads):
    """The same windows through tflite-runtime 2.14 in its own interpreter: how far its logits and flip
    distributions are from LiteRT's, and its latency."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "x.npy"), windows)
        env = dict(os.environ, PYTHONPATH=os.path.join(os.getcwd(), "host"))
        done = subprocess.run([python, "-c", TFLITE_RUNTIME_SCRIPT, models, os.path.join(tmp, "x.npy"),
                               os.path.join(tmp, "y.npy"), str(threads)], env=env, capture_output=True, text=True, check=True)
        theirs = np.load(os.path.join(tmp, "y.npy"))
    ours = tflite_logits(int8, windows)
    p, q = np.exp(log_softmax(ours)), np.exp(log_softmax(theirs))
    row = {
        "windows": len(windows),
        "max_abs_logit_difference": round(float(np.abs(ours - theirs).max()), 4),
        "mean_abs_logit_difference": round(float(np.abs(ours - theirs).mean()), 4),
        "max_total_variation_of_flip_distribution": round(float(0.5 * np.abs(p - q).sum(axis=1).max()), 4),
        "latency_ms_int8": round(float(done.stdout.split()[-1]), 2),
    }
    print(f"\ntflite-runtime 2.14 against LiteRT on {len(windows)} test windows: {row}")
    return row


def reference_quality(run, x, y, lowest):
    """The trained reference (Keras, 128 pitches) on the same windows, placed at their pitches in 0..127: its
    loss over all its 128 x 128 cells, and over our band's cells only (the softmax taken over the same cells
    as ours, so the 64 pitch rows it has and we lack cannot cost it anything)."""
    import keras

    net = keras.saving.load_model(os.path.join(run, "model.keras"), compile=False)
    wide = lambda a: np.pad(a, ((0, 0), (0, 0), (lowest, 128 - lowest - a.shape[2])))  # noqa: E731
    logits = np.concatenate([net(wide(x[i:i + 16])[..., None].astype(np.float32), training=False).numpy()
                             for i in range(0, len(x), 16)])[..., 0]
    return quality(logits, wide(x), wide(y)), quality(logits[:, :, lowest:lowest + x.shape[2]], x, y)


def training_summary(run) -> dict:
    """How a run was trained, from its training.json: what makes "the same data and time budget" checkable."""
    with open(os.path.join(run, "training.json")) as f:
        training = json.load(f)
    settings, last = training["settings"], training["history"][-1]
    return {
        "run": run, "command": settings["command"], "architecture": training["architecture"]["kind"],
        "parameters": training["architecture"]["parameters"], "steps": settings["steps"], "batch": settings["batch"],
        "threads": settings["threads"], "wall_minutes": round(settings["wall_seconds"] / 60, 1),
        "last_valid_loss": last["valid_loss"],
    }


def stored_bytes(path):
    """The bytes of a .tflite file's buffers (weights and biases), without the graph around them; None where
    TensorFlow's flatbuffer schema is not installed."""
    try:
        from tensorflow.lite.python import schema_py_generated as schema
    except ImportError:
        return None
    with open(path, "rb") as f:
        model = schema.Model.GetRootAsModel(f.read(), 0)
    return sum(model.Buffers(i).DataLength() for i in range(model.BuffersLength()))


def curves_side_by_side(runs):
    """Validation loss (per example, same validation windows) of several training runs at the same steps."""
    histories = {}
    for item in runs:
        label, _, folder = item.partition("=")
        with open(os.path.join(folder, "training.json")) as f:
            histories[label] = {h["step"]: h for h in json.load(f)["history"]}
    steps = sorted(set.intersection(*(set(h) for h in histories.values())))
    print("\nvalidation loss per example at the same steps (same seed, data and schedule)")
    print(f"{'step':>6} " + " ".join(f"{label:>14}" for label in histories))
    for step in steps:
        print(f"{step:6} " + " ".join(f"{histories[label][step]['valid_loss']:14.3f}" for label in histories))
    last = steps[-1]
    summary = ", ".join(f"{label} {histories[label][last]['valid_loss']:.3f}" for label in histories)
    print(f"at step {last}: {summary}")
    return {
        "at_last_common_step": {"step": last, **{label: histories[label][last]["valid_loss"] for label in histories}},
        "curves": {label: {str(s): histories[label][s]["valid_loss"] for s in steps} for label in histories},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="models_tflite", help="folder of arcnn_bach.tflite and its card")
    parser.add_argument("--float32", required=True, help="the float32 conversion of the same network")
    parser.add_argument("--reference", help="folder with deepcomposer_arcnn_int8.tflite (untrained is fine: timing)")
    parser.add_argument("--cache", default=data.DEFAULT_CACHE)
    parser.add_argument("--examples", type=int, default=256, help="corrupted test windows for the quality figures")
    parser.add_argument("--pieces", type=int, default=12, help="test melodies to generate from")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reference-run", help="training folder of DeepComposer's architecture (train.py --arch reference)")
    parser.add_argument("--runs", nargs="*", default=[], metavar="LABEL=DIR",
                        help="training folders whose validation curves to print side by side (e.g. batch-loss=DIR)")
    parser.add_argument("--tflite-python", help="a python with tflite-runtime 2.14 (e.g. .venv-tflite/bin/python)")
    parser.add_argument("--card", help="write the figures into this model card")
    args = parser.parse_args(argv)

    splits = data.load(args.cache)
    int8 = runtime.load_model(arcnn.MODEL_NAME, folder=args.models, threads=args.threads)
    f32 = load_unchecked(args.float32, args.threads)
    ours = arcnn.ArcnnBach(int8)
    lowest = ours.lowest_pitch
    figures = {
        "runtime": f"{int8.runtime}, {args.threads} threads",
        "command": "python -m tools.bench.arcnn_bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "load_average_at_start": round(os.getloadavg()[0], 2),  # the machine is shared: timings move with it
        "test_chorales": len(splits["test"]),
    }

    # -- quality on corrupted test windows
    x, y = train.fixed_examples(splits["test"], args.examples, seed=TEST_SEED)
    baseline = bernoulli_baseline(splits["train"])
    rows = {
        "arcnn_bach int8": quality(tflite_logits(int8, x), x, y),
        "arcnn_bach float32": quality(tflite_logits(f32, x), x, y),
        "per-pitch Bernoulli": quality(np.stack([baseline(w) for w in x]), x, y),
        "uniform over cells": quality(np.zeros(x.shape), x, y),
    }
    if args.reference_run:
        all_cells, our_cells = reference_quality(args.reference_run, x, y, lowest)
        rows["DeepComposer arch, same data+time, its 128x128 cells"] = all_cells
        rows["DeepComposer arch, same data+time, our 128x64 cells"] = our_cells
        figures["reference_training"] = training_summary(args.reference_run)
    print(f"\nquality on {args.examples} corrupted windows of the {len(splits['test'])} test chorales (nats; lower is better)")
    print(f"{'model':52} {'loss':>8} {'NLL/restore cell':>17} {'loss vs ours':>13}")
    ours_loss = rows["arcnn_bach int8"][0]
    for name, (loss, nll) in rows.items():
        print(f"{name:52} {loss:8.3f} {nll:17.3f} {loss / ours_loss:12.2f}x")
    figures["quality"] = {
        "definitions": (
            "loss: cross-entropy between the cells to flip (uniform over them) and the softmax of the logits over "
            "the example's cells; nll_per_restore_cell: mean -log p over the removed note cells only; the "
            "Bernoulli baseline: one flip rate per pitch for empty and for sounding cells, from training examples"
        ),
        "examples": args.examples,
        "seed": TEST_SEED,
        "rows": {name: {"loss": round(loss, 4), "nll_per_restore_cell": round(nll, 4)} for name, (loss, nll) in rows.items()},
    }
    f32_loss = rows["arcnn_bach float32"][0]
    figures["int8_vs_float32"] = {"loss_difference_percent": round(100 * (ours_loss - f32_loss) / f32_loss, 2)}

    # -- size and latency, int8 against float32 and the reference architecture
    window = x[:1, :, :, None].astype(np.float32)
    sizes = {"int8": os.path.getsize(os.path.join(args.models, int8.card["file"])), "float32": os.path.getsize(args.float32)}
    latency = {"int8": median_ms(lambda: int8(window)), "float32": median_ms(lambda: f32(window))}
    reference = None
    if args.reference:
        reference = load_unchecked(os.path.join(args.reference, "deepcomposer_arcnn_int8.tflite"), args.threads)
        ref_input = np.zeros(reference.inputs[0]["shape"], dtype=np.float32)
        latency["reference int8"] = median_ms(lambda: reference(ref_input), repeats=7)
        sizes["reference int8"] = os.path.getsize(os.path.join(args.reference, "deepcomposer_arcnn_int8.tflite"))
    print(f"\nfile size and one forward pass ({figures['runtime']}, median)")
    for name in latency:
        print(f"{name:24} {sizes[name] / 1e6:8.2f} MB {latency[name]:9.2f} ms")
    print(f"int8 / float32: size {sizes['int8'] / sizes['float32']:.3f}x, latency {latency['int8'] / latency['float32']:.2f}x,"
          f" loss {figures['int8_vs_float32']['loss_difference_percent']:+.2f} %")
    # int8 weights are a quarter of float32 ones, but biases stay int32 and each file carries its graph:
    # the stored data alone is the floor any full-int8 file of the same network can reach.
    data_int8, data_f32 = stored_bytes(os.path.join(args.models, int8.card["file"])), stored_bytes(args.float32)
    if data_int8 and data_f32:
        figures["int8_vs_float32"]["stored_data_ratio"] = round(data_int8 / data_f32, 4)
        print(f"int8 / float32, weights and biases alone (no graph): {data_int8 / data_f32:.4f}x")
        if args.reference:
            folder = args.reference
            ref_ratio = stored_bytes(os.path.join(folder, "deepcomposer_arcnn_int8.tflite")) / stored_bytes(
                os.path.join(folder, "deepcomposer_arcnn_f32.tflite"))
            ref_files = os.path.getsize(os.path.join(folder, "deepcomposer_arcnn_int8.tflite")) / os.path.getsize(
                os.path.join(folder, "deepcomposer_arcnn_f32.tflite"))
            figures["int8_vs_float32"]["reference_size_ratio"] = round(ref_files, 4)
            print(f"DeepComposer's network converted the same way: files {ref_files:.4f}x, weights and biases {ref_ratio:.4f}x")
    figures["int8_vs_float32"].update({
        "bytes_int8": sizes["int8"],
        "bytes_float32": sizes["float32"],
        "size_ratio": round(sizes["int8"] / sizes["float32"], 3),
        "latency_ms_int8": round(latency["int8"], 2),
        "latency_ms_float32": round(latency["float32"], 2),
    })

    if args.tflite_python:
        figures["tflite_runtime_2_14"] = compare_tflite_runtime(args.tflite_python, args.models, x[:16], int8, args.threads)

    # -- whole generations: a test melody in, default settings, several cells per pass
    windows = [w for _, roll in splits["test"] for w in [roll[:128]] if len(w) == 128][: args.pieces]
    chorales = [to_midi_roll(np.asarray(w[:, lowest:lowest + ours.pitches]), lowest) for w in windows]
    melodies = [skyline(c) for c in chorales]
    print(f"\nwhole default generation (100 iterations, 8 bars) from the melodies of {len(melodies)} test chorales")
    print(f"{'cells per pass':>14} {'seconds':>8} {'x faster than ref':>18} {'added':>6} {'in chorale':>11} {'note len':>9}  metrics")
    generation = {}
    for flips in (1, 2, 4, 8):
        # the reference is timed right before each row: the machine is shared and its load moves
        ref_generation = median_ms(lambda: reference(ref_input), repeats=5) * 100 / 1e3 if reference else math.nan
        settings = arcnn.SamplingSettings(seed=1, flips_per_pass=flips)
        outs, seconds = [], []
        for melody in melodies:
            started = time.perf_counter()
            outs.append(ours.edit(melody, settings))
            seconds.append(time.perf_counter() - started)
        added = [o & ~m for o, m in zip(outs, melodies)]
        in_chorale = sum(np.count_nonzero(a & c) for a, c in zip(added, chorales)) / max(1, sum(map(np.count_nonzero, added)))
        row = {
            "seconds_median": round(statistics.median(seconds), 3),
            "reference_forward_x100_seconds": round(ref_generation, 3),
            "cells_added_mean": round(float(np.mean([np.count_nonzero(a) for a in added])), 1),
            "added_cells_in_the_chorale": round(in_chorale, 3),
            "added_note_mean_steps": round(float(np.mean(np.concatenate([metrics.note_lengths(a) for a in added]))), 2),
            "metrics": music_metrics(outs),
        }
        generation[f"{flips} cells per pass"] = row
        print(f"{flips:14} {row['seconds_median']:8.3f} {ref_generation / row['seconds_median']:17.1f}x "
              f"{row['cells_added_mean']:6.1f} {in_chorale:11.3f} {row['added_note_mean_steps']:9.2f}  {row['metrics']}")
    reference_rolls = {"test chorales": music_metrics(chorales), "their melodies (input)": music_metrics(melodies)}
    for name, row in reference_rolls.items():
        print(f"{name:>44} {'':>11} {'':>9}  {row}")
    longest = max((roll for _, roll in splits["test"]), key=len)
    long_chorale = to_midi_roll(np.asarray(longest[:, lowest:lowest + ours.pitches]), lowest)
    long_melody = skyline(long_chorale)
    started = time.perf_counter()
    long_out = ours.edit(long_melody, arcnn.SamplingSettings(seed=1))
    long_seconds = time.perf_counter() - started
    per_bar = np.count_nonzero(long_out & ~long_melody) / (len(long_melody) / STEPS_PER_BAR)
    empty_added_bars = float(np.mean([not (long_out & ~long_melody)[b:b + STEPS_PER_BAR].any()
                                      for b in range(0, len(long_melody), STEPS_PER_BAR)]))
    print(f"\na {len(long_melody) / STEPS_PER_BAR:.0f}-bar melody (longest test chorale), default settings: "
          f"{long_seconds:.2f} s, {per_bar:.1f} cells added per bar, bars with nothing added {empty_added_bars:.2f}")
    figures["long_piece"] = {
        "bars": len(long_melody) / STEPS_PER_BAR,
        "seconds": round(long_seconds, 3),
        "cells_added_per_bar": round(per_bar, 2),
        "bars_with_nothing_added": round(empty_added_bars, 3),
    }
    figures["generation"] = {
        "input": "the highest voice of the first 8 bars of test chorales, default settings, seed 1",
        "rows": generation,
        "for_comparison": reference_rolls,
    }

    if args.runs:
        figures["validation_curves"] = curves_side_by_side(args.runs)

    if args.card:
        write_card_figures(args.card, figures)
        print(f"\nwrote the figures into {args.card}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""AR-CNN figures, side by side in one run: likelihood against baselines, what it writes, and its speed.

    .venv-train/bin/python -m tools.bench.arcnn_bench --split valid                       # while choosing
    .venv-train/bin/python -m tools.bench.arcnn_bench --split test --select 0.3,0.5 --block-steps 4,1 \\
        --part-writing on,off --reference out/arcnn/reference --card models_tflite/arcnn_bach.json   # once
    .venv-train/bin/python -m tools.bench.arcnn_bench --speed-only --reference out/arcnn/reference \\
        --card models_tflite/arcnn_bach.json          # the speed again, on a machine no training shares

Needs the voice cache (tools/arcnn/data.py) and LiteRT. --reference is a folder holding
deepcomposer_arcnn_int8.tflite (`python ../shared/reference/deepcomposer_arcnn.py --tflite FOLDER`).

- Likelihood: fixed masked windows of the split's chorales (the training masks, seed 2024, no
  transposition); the figure is the mean over windows of the mean -log p of the masked voice cells' classes
  (nats), and the same for the harmonization case alone (alto, tenor and bass masked whole). Baselines: one
  class frequency per voice (the per-pitch Bernoulli's counterpart for voices), and a logistic model on each
  cell's neighbours (the same voice two steps either side, the other voices at the same step, each a class
  or "masked"), fitted with numpy on training windows.
- Generation, default settings: on the split's chorale sopranos and on 30 melodies no training or selection
  saw (tools/bench/unseen_melodies.py): the added notes' mean length in 16ths, their share in the melody's
  key (Krumhansl-Kessler key of the melody), parallel fifths and octaves per 100 moves in which both voices
  of a pair move (all six pairs), voice crossings per 100 steps; Bach's own inner voices beside.
- Speed: a default generation (100 Gibbs steps, 8 bars) against the reference network's 100 passes.
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

from keycomposer.models import arcnn, runtime, voice_grid
from keycomposer.music import metrics
from keycomposer.music.voice_leading import crossings, parallels
from tools.arcnn import data, train
from tools.bench.unseen_melodies import unseen_melodies
from tools.tflite_files import write_card_figures

TEST_SEED = 2024
WINDOWS = 256
STEPS = train.STEPS
C = voice_grid.CLASSES
OLD_CARD_REFERENCE = (
    "DeepComposer's network was trained here on 2026-11-24 on the binary-roll task (all voices in one roll, "
    "flip the missing cells) for 75.9 min on 2 threads, 700 steps of 16: test loss 7.650 and NLL per note cell to "
    "restore 8.182 nats, against 6.745 / 7.302 for the earlier binary-roll AR-CNN and 8.006 / 8.704 for a per-pitch "
    "Bernoulli (the earlier card). Those are nats over a softmax across 8192..16384 cells of a window, not per "
    "voice cell: not comparable with the figures here, and not re-trained on this task (it does not fit the session)."
)


# -- likelihood ---------------------------------------------------------------------------------------------

def masked_nll(logits, classes, masked) -> np.ndarray:
    """Per window: mean -log p(true class) over its masked cells. logits (n, T, 4, C); classes, masked (n, 4, T)."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    truth = np.take_along_axis(logp, classes.transpose(0, 2, 1)[..., None], axis=-1)[..., 0]
    weight = masked.transpose(0, 2, 1)
    return -(truth * weight).sum(axis=(1, 2)) / weight.sum(axis=(1, 2))


def class_frequency_baseline(train_windows):
    """(4, C) log frequencies of each class per voice over the training windows' cells, add-one smoothed."""
    _, classes, _ = train_windows
    counts = np.stack([np.bincount(classes[:, v].ravel(), minlength=C) for v in range(4)]) + 1.0
    logp = np.log(counts / counts.sum(axis=1, keepdims=True))
    return lambda x, cl, m: np.broadcast_to(logp[None, None], (len(cl), STEPS, 4, C))


NEIGHBOURS = ((0, -2), (0, -1), (0, 1), (0, 2), (1, 0), (2, 0), (3, 0))  # (other voice offset, step offset)


def neighbour_features(classes, masked) -> np.ndarray:
    """(n, 4, T, 7) feature indices: per neighbour, its class, or C where masked or outside the window."""
    n, voices, steps = classes.shape
    seen = np.where(masked, C, classes)
    padded = np.pad(seen, ((0, 0), (0, 0), (2, 2)), constant_values=C)
    out = np.empty((n, voices, steps, len(NEIGHBOURS)), dtype=np.int64)
    for k, (voice_offset, step_offset) in enumerate(NEIGHBOURS):
        other = (np.arange(voices) + voice_offset) % voices
        out[..., k] = padded[:, other, 2 + step_offset:2 + step_offset + steps] + k * (C + 1)
    return out


class NeighbourLogistic:
    """Softmax regression per voice on one-hot neighbour features (NEIGHBOURS), fitted with Adam in numpy."""

    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        self.weights = rng.normal(0, 0.01, (4, len(NEIGHBOURS) * (C + 1), C))
        self.bias = np.zeros((4, C))

    def _logits(self, voice, features):
        return self.weights[voice][features].sum(axis=1) + self.bias[voice]

    def fit(self, windows, epochs=4, batch=2048, lr=0.01):
        x, classes, masked = windows
        features = neighbour_features(classes, masked)
        moments = [np.zeros_like(self.weights), np.zeros_like(self.weights), np.zeros_like(self.bias),
                   np.zeros_like(self.bias)]
        rng = np.random.default_rng(1)
        t = 0
        for voice in range(4):
            cells = np.argwhere(masked[:, voice])
            f = features[cells[:, 0], voice, cells[:, 1]]
            y = classes[cells[:, 0], voice, cells[:, 1]]
            for _ in range(epochs):
                for start in range(0, len(f), batch):
                    pick = rng.permutation(len(f))[:batch] if start == 0 else slice(start, start + batch)
                    fb, yb = f[pick], y[pick]
                    z = self._logits(voice, fb)
                    p = np.exp(z - z.max(axis=1, keepdims=True))
                    p /= p.sum(axis=1, keepdims=True)
                    p[np.arange(len(yb)), yb] -= 1
                    p /= len(yb)
                    grad_w = np.zeros_like(self.weights[voice])
                    for k in range(fb.shape[1]):
                        np.add.at(grad_w, fb[:, k], p)
                    grad_b = p.sum(axis=0)
                    t += 1
                    for param, grad, m, v in ((self.weights[voice], grad_w, moments[0][voice], moments[1][voice]),
                                              (self.bias[voice], grad_b, moments[2][voice], moments[3][voice])):
                        m *= 0.9
                        m += 0.1 * grad
                        v *= 0.999
                        v += 0.001 * grad ** 2
                        param -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        return self

    def __call__(self, x, classes, masked):
        features = neighbour_features(classes, masked)
        n, _, steps, _ = features.shape
        out = np.empty((n, steps, 4, C))
        for voice in range(4):
            out[:, :, voice] = self._logits(voice, features[:, voice].reshape(-1, len(NEIGHBOURS))).reshape(n, steps, C)
        return out


def network_logits(net):
    return lambda x, classes, masked: np.stack([net.logits(xi) for xi in x])


def keras_run(run: str):
    """A training run of tools.arcnn.train (either --network), scored in float: (logits function, its budget)."""
    import keras

    net = keras.saving.load_model(os.path.join(run, "model.keras"), compile=False)
    with open(os.path.join(run, "training.json")) as f:
        settings = json.load(f)["settings"]
    budget = {"steps": settings["steps"], "batch": settings["batch"], "minutes": round(settings["wall_seconds"] / 60, 1),
              "threads": settings["threads"], "parameters": int(net.count_params()), "run": run}
    logits = lambda x, classes, masked: np.concatenate(
        [np.asarray(net(x[i:i + 16], training=False)) for i in range(0, len(x), 16)])
    return logits, budget


def likelihood_rows(models: dict, windows) -> dict:
    x, classes, masked = windows
    whole = masked[:, 1:].all(axis=(1, 2)) & ~masked[:, 0].any(axis=1)  # the harmonization case
    rows = {}
    for name, model in models.items():
        nll = masked_nll(model(x, classes, masked), classes, masked)
        rows[name] = {"nll_per_masked_cell": round(float(nll.mean()), 4),
                      "nll_alto_tenor_bass_masked_whole": round(float(nll[whole].mean()), 4)}
    return rows


# -- what it writes -----------------------------------------------------------------------------------------

def in_key_share(melody, added) -> tuple:
    """(added notes in the melody's key, added notes): the key is the melody's Krumhansl-Kessler best key."""
    steps = max(end for _, end, _ in melody)
    roll = np.zeros((steps, 128), dtype=bool)
    for start, end, midi in melody:
        roll[start:end, midi] = True
    tonic, mode, _ = metrics.best_key(roll)
    scale = metrics.scale_mask(tonic, mode)
    return sum(bool(scale[midi % 12]) for _, _, midi in added), len(added)


def texture_figures(pieces) -> dict:
    """pieces: [(melody notes, [alto, tenor, bass] notes, steps)] -> the figures the module docstring lists."""
    lengths, key_hits, key_total, par, mv, cr, both = [], 0, 0, 0, 0, 0, 0
    notes_per_bar = []
    for melody, added, steps in pieces:
        flat = [n for voice in added for n in voice]
        lengths += [end - start for start, end, _ in flat]
        hits, total = in_key_share(melody, flat)
        key_hits, key_total = key_hits + hits, key_total + total
        p, m = parallels([melody] + list(added), steps)
        par, mv = par + p, mv + m
        c, b = crossings([melody] + list(added), steps)
        cr, both = cr + c, both + b
        notes_per_bar.append(len(flat) / (steps / 16))
    return {
        "added_notes": len(lengths),
        "added_notes_per_bar": round(float(np.mean(notes_per_bar)), 2),
        "mean_length_16ths": round(float(np.mean(lengths)), 2) if lengths else None,
        "one_step_share": round(float(np.mean(np.array(lengths) == 1)), 3) if lengths else None,
        "in_key_share": round(key_hits / key_total, 3) if key_total else None,
        "parallel_5ths_8ves_per_100_moves": round(100 * par / mv, 2) if mv else None,
        "moves": mv,
        "crossings_per_100_steps": round(100 * cr / both, 2) if both else None,
    }


def print_table(rows: dict) -> None:
    short = {"added_notes": "added", "added_notes_per_bar": "per bar", "mean_length_16ths": "length (16ths)",
             "one_step_share": "one-step", "in_key_share": "in key", "parallel_5ths_8ves_per_100_moves": "par/100 mv",
             "moves": "moves", "crossings_per_100_steps": "cross/100"}
    keys = list(next(iter(rows.values())))
    print(f"  {'':44s}" + "".join(f"{short.get(k, k)[:14]:>15s}" for k in keys))
    for name, row in rows.items():
        print(f"  {name:44s}" + "".join(f"{str(row[k]):>15s}" for k in keys))


def generate(net, melodies, settings_of, block_steps=arcnn.BLOCK_STEPS, part_writing=True) -> list:
    pieces = []
    for k, (melody, steps) in enumerate(melodies):
        harmony = net.harmonize(melody, steps, settings_of(k), block_steps, part_writing)
        pieces.append((harmony.voices[0], harmony.voices[1:], steps))
    return pieces


# -- speed --------------------------------------------------------------------------------------------------

def speed_figures(net, eight_bars, reference_folder=None) -> dict:
    """A default generation of `eight_bars` (median of 7) and, beside it, 100 passes of DeepComposer's network."""
    steps = max(e for _, e, _ in eight_bars)
    for _ in range(2):
        net.harmonize(eight_bars, steps, arcnn.SamplingSettings(seed=0))
    times = []
    for k in range(7):
        started = time.perf_counter()
        net.harmonize(eight_bars, steps, arcnn.SamplingSettings(seed=k))
        times.append(time.perf_counter() - started)
    ours = statistics.median(times)
    speed = {"default_generation_s": round(ours, 3), "what": "Ode to Joy, 8 bars, 100 Gibbs steps, median of 7",
             "load_average_at_start": round(os.getloadavg()[0], 2)}
    print(f"\nspeed: a default generation takes {ours:.3f} s (median of 7)")
    if reference_folder:
        with open(os.path.join(reference_folder, "deepcomposer_arcnn_int8.tflite"), "rb") as f:
            reference = runtime.TFLiteModel(f.read(), {"name": "deepcomposer_arcnn_int8"}, runtime=net.model.runtime)
        roll = np.zeros((1, 128, 128, 1), dtype=np.float32)
        for _ in range(3):
            reference(roll)
        passes = []
        for _ in range(15):
            started = time.perf_counter()
            reference(roll)
            passes.append(time.perf_counter() - started)
        hundred = 100 * statistics.median(passes)
        speed.update({"reference_100_passes_s": round(hundred, 3), "ratio": round(hundred / ours, 1)})
        print(f"  DeepComposer's network, 100 passes (median pass x 100): {hundred:.3f} s: "
              f"ours is {hundred / ours:.1f}x faster")
    return speed


# -- main ---------------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("valid", "test"), default="valid",
                        help="valid while choosing; test once, for the model that ships")
    parser.add_argument("--models", default=None, help="folder holding arcnn_bach.tflite (default: models_tflite)")
    parser.add_argument("--reference", help="folder with deepcomposer_arcnn_int8.tflite, for the speed ratio")
    parser.add_argument("--card", help="write the figures into this model card")
    parser.add_argument("--temperature", type=float, default=arcnn.SamplingSettings().temperature,
                        help="creative risk for the generations (default: the sampler's, %(default)s)")
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--block-steps", default=str(arcnn.BLOCK_STEPS), metavar="B[,B...]",
                        help="steps of a voice Gibbs rewrites at once (default %(default)s); with --select, every "
                             "pair of block and creative risk")
    parser.add_argument("--part-writing", default="on", metavar="on|off[,...]",
                        help="the sampler's rule against parallel fifths and octaves (default on); with --select, "
                             "each value given, and the figures below are printed for each")
    parser.add_argument("--skip-likelihood", action="store_true")
    parser.add_argument("--same-budget", action="append", default=[], metavar="LABEL=RUN",
                        help="also score this training run's Keras network in float (e.g. ours and DeepComposer's "
                             "network, each trained by tools.arcnn.train for the same thread-minutes)")
    parser.add_argument("--likelihood-only", action="store_true",
                        help="print (and with --card merge into its likelihood figures) the likelihood rows only")
    parser.add_argument("--speed-only", action="store_true",
                        help="only the speed, written into --card's figures beside the rest (for a quieter machine)")
    parser.add_argument("--select", metavar="T,T,...",
                        help="first print the validation sopranos' figures at these creative risks (how the default "
                             "was chosen), whatever --split says")
    args = parser.parse_args(argv)
    rules = args.part_writing.split(",")
    if not set(rules) <= {"on", "off"}:
        parser.error("--part-writing takes on, off or both")

    if args.speed_only:
        net = arcnn.ArcnnBach.load(args.models)
        speed = speed_figures(net, unseen_melodies()["sample_ode_to_joy"][1], args.reference)
        if args.card:
            with open(args.card) as f:
                figures = json.load(f).get("figures", {})
            write_card_figures(args.card, dict(figures, speed=speed))
        return 0

    splits = data.load()
    chorales = splits[args.split]
    net = arcnn.ArcnnBach.load(args.models)
    figures = {"split": args.split, "chorales": len(chorales), "runtime": f"{net.model.runtime}, 2 threads",
               "load_average_at_start": round(os.getloadavg()[0], 2),
               "command": "python -m tools.bench.arcnn_bench " + " ".join(argv if argv is not None else sys.argv[1:])}

    if args.select:
        print("choosing the creative risk: the validation chorales' sopranos, 100 Gibbs steps")
        valid = [(c.voices[0], c.steps) for c in splits["valid"]]
        selection = {"Bach's alto, tenor, bass (valid chorales)": texture_figures(
            [(c.voices[0], c.voices[1:], c.steps) for c in splits["valid"]])}
        for rule in rules:
            for block in (int(b) for b in args.block_steps.split(",")):
                for temperature in (float(t) for t in args.select.split(",")):
                    selection[f"ours, risk {temperature:g}, blocks of {block}, part writing {rule}"] = \
                        texture_figures(generate(net, valid, lambda k: arcnn.SamplingSettings(
                            seed=k, temperature=temperature), block, rule == "on"))
        print_table(selection)
        figures["selection_on_valid"] = selection

    if not args.skip_likelihood:
        print(f"likelihood: {WINDOWS} masked windows of the {args.split} chorales (seed {TEST_SEED}), "
              "nats per masked cell")
        windows = train.fixed_examples(chorales, WINDOWS, TEST_SEED)
        train_windows = train.ExampleSampler(splits["train"], np.random.default_rng(99)).batch(2000)
        started = time.monotonic()
        logistic = NeighbourLogistic().fit(train_windows)
        print(f"  (logistic baseline fitted on 2000 training windows in {time.monotonic() - started:.0f} s)")
        runs = dict(label_run.split("=", 1) for label_run in args.same_budget)
        budgets = {}
        scored = {"arcnn_bach int8": network_logits(net)}
        for label, run in runs.items():
            scored[label], budgets[label] = keras_run(run)
        rows = likelihood_rows(dict(scored, **{
            "logistic on neighbours": logistic,
            "class frequency per voice": class_frequency_baseline(train_windows),
        }), windows)
        for label, budget in budgets.items():
            rows[label]["training"] = budget
        rows["uniform over classes"] = {"nll_per_masked_cell": round(float(np.log(C)), 4),
                                        "nll_alto_tenor_bass_masked_whole": round(float(np.log(C)), 4)}
        print(f"  {'':28s} {'all masks':>10s} {'A+T+B whole':>12s}")
        for name, row in rows.items():
            print(f"  {name:28s} {row['nll_per_masked_cell']:10.3f} {row['nll_alto_tenor_bass_masked_whole']:12.3f}")
        for label, budget in budgets.items():
            print(f"  {label}: {budget['steps']} steps of {budget['batch']} in {budget['minutes']} min on "
                  f"{budget['threads']} thread(s), {budget['parameters']:,} parameters, float32 ({budget['run']})")
        if not budgets:
            print("  DeepComposer's network:", OLD_CARD_REFERENCE)
        figures["likelihood"] = {"windows": WINDOWS, "seed": TEST_SEED, "rows": rows}
        if not budgets:
            figures["likelihood"]["deepcomposer_network"] = OLD_CARD_REFERENCE
        if args.likelihood_only:
            if args.card:
                with open(args.card) as f:
                    card_figures = json.load(f).get("figures", {})
                merged = dict(card_figures.get("likelihood", {}))
                merged.pop("deepcomposer_network", None)
                merged["rows"] = dict(merged.get("rows", {}), **{k: rows[k] for k in budgets})
                merged["same_budget_split"] = args.split
                write_card_figures(args.card, dict(card_figures, likelihood=merged))
            return 0

    settings = lambda k: arcnn.SamplingSettings(seed=k, temperature=args.temperature, iterations=args.iterations)
    block = int(args.block_steps.split(",")[0])
    sopranos = [(c.voices[0], c.steps) for c in chorales]
    unseen = unseen_melodies()
    print(f"\nwhat it writes, default settings (temperature {args.temperature}, {args.iterations} Gibbs steps, "
          f"blocks of {block})")
    texture = {
        f"Bach's alto, tenor, bass ({args.split} chorales)": texture_figures(
            [(c.voices[0], c.voices[1:], c.steps) for c in chorales]),
    }
    for rule in rules:
        texture[f"ours on the {args.split} sopranos, part writing {rule}"] = texture_figures(
            generate(net, sopranos, settings, block, rule == "on"))
        texture[f"ours on {len(unseen)} unseen melodies, part writing {rule}"] = texture_figures(generate(
            net, [(notes, max(e for _, e, _ in notes)) for _, notes in unseen.values()], settings, block, rule == "on"))
    print_table(texture)
    figures["texture"] = texture

    unchanged = {}
    for name in ("sample_twinkle", "sample_ode_to_joy"):
        notes = unseen[name][1]
        steps = max(e for _, e, _ in notes)
        for iterations in (0, 100):
            out = net.harmonize(notes, steps, arcnn.SamplingSettings(seed=0, iterations=iterations))
            unchanged[f"{name}, {iterations} iterations"] = f"{len(notes)} notes in, {len(out.voices[0])} out"
    print("\nthe melody through sampling:", "; ".join(f"{k}: {v}" for k, v in unchanged.items()))
    figures["melody_kept"] = unchanged

    figures["speed"] = speed_figures(net, unseen["sample_ode_to_joy"][1], args.reference)

    if args.card:
        write_card_figures(args.card, figures)
        print(f"\nwrote the figures into {args.card}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Transformer-XL figures, side by side in one run: test perplexity, speed, and the music it writes.

    .venv/bin/python -m tools.bench.txl_bench --reference out/txl/reference [--card models_tflite/txl_classical.json]

Needs the notes cache (tools/txl/data.py), a TFLite runtime (KEYCOMPOSER_TFLITE_RUNTIME picks one), and for the
speed baseline a folder holding reprojecting_txl_step_f32.tflite and _dyn8.tflite, built in the training venv:
`.venv-train/bin/python ../shared/reference/reprojecting_txl_step.py out/txl/reference`.
With --card the figures are written into the model card's "figures" (its sha256 is of the .tflite, unchanged).

- Perplexity per token: exp(mean -log p(token)) over the test pieces (unaugmented, each from its start token,
  memory carried across the whole piece), for the shipped int8 step and the float32 step, against a 3-gram
  with add-k smoothing counted on the training pieces' tokens (k chosen on the validation pieces).
- Speed: median time of one step with the memory carried (ours) against the reference step at the anchor's
  size that re-projects its whole memory; and the wall time of a 30 s continuation (100-token prefix, then
  sampling) with ours, against the same number of steps of the reference.
- Music: `keycomposer.music.metrics` of 30 s continuations of test-piece openings, against the 30 s of
  the test pieces that really follow those openings.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections import Counter

import numpy as np

from keycomposer.models import performance_events as events
from keycomposer.models import runtime, txl
from keycomposer.music import metrics
from tools.txl import data
from tools.tflite_files import write_card_figures

NGRAM_ORDER = 3
NGRAM_KS = (0.001, 0.01, 0.1, 1.0)


def log_softmax(logits):
    logits = np.asarray(logits, np.float64)
    shifted = logits - logits.max()
    return shifted - math.log(np.exp(shifted).sum())


def piece_tokens(pieces, limit=None):
    out = []
    for _, notes in pieces:
        tokens = events.encode_notes(notes, start_token=True)
        out.append(tokens)
    if limit:
        total, kept = 0, []
        for tokens in out:
            kept.append(tokens[: max(0, limit - total)])
            total += len(kept[-1])
        out = [t for t in kept if len(t) > 1]
    return out


def model_nll(step: txl.StepModel, streams) -> tuple:
    """(total -log p over predicted tokens, count) with the memory carried through each whole piece."""
    total, count = 0.0, 0
    for tokens in streams:
        step.reset()
        for current, following in zip(tokens[:-1], tokens[1:]):
            total -= log_softmax(step.feed(current))[following]
            count += 1
    return total, count


class NGram:
    """An order-n model over tokens with add-k smoothing over the vocabulary (pad excluded)."""

    def __init__(self, streams, order=NGRAM_ORDER, k=0.01):
        self.order, self.k, self.vocab = order, k, events.VOCAB_SIZE - 1
        self.context, self.full = Counter(), Counter()
        for tokens in streams:
            for i in range(1, len(tokens)):
                history = tuple(tokens[max(0, i - order + 1): i])
                self.context[history] += 1
                self.full[history + (tokens[i],)] += 1

    def nll(self, streams) -> tuple:
        total, count = 0.0, 0
        for tokens in streams:
            for i in range(1, len(tokens)):
                history = tuple(tokens[max(0, i - self.order + 1): i])
                p = (self.full[history + (tokens[i],)] + self.k) / (self.context[history] + self.k * self.vocab)
                total -= math.log(p)
                count += 1
        return total, count


def median_step_ms(call, repeats=200):
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return 1000 * statistics.median(times)


def reference_step(path, threads):
    card = {"name": os.path.basename(path)}
    model = runtime.TFLiteModel(open(path, "rb").read(), card, threads=threads)
    token_input = [i for i, d in enumerate(model.inputs) if d["dtype"] == np.int32][0]
    memories = [np.zeros(d["shape"], np.float32) for i, d in enumerate(model.inputs) if i != token_input]

    def call(token=5):
        arrays = list(memories)
        arrays.insert(token_input, np.array([token], np.int32))
        return model(*arrays)

    return call


def _anchor_card_and_model(path, threads):
    with open(path.replace(".tflite", ".json")) as f:
        card = json.load(f)
    with open(path, "rb") as f:
        return card, runtime.TFLiteModel(f.read(), card, threads=threads)


def anchor_sized_step(path, threads):
    """The step that shifts its memory and returns it whole (the interface shipped before the ring), built at
    the anchor's size with random weights (tools/txl/anchor_step.py): the caller passes the returned memories
    back in on the next token."""
    card, model = _anchor_card_and_model(path, threads)
    inputs = txl.StepModel._order(model.inputs, [t["name"] for t in card["tensors"]["inputs"]], "input")
    outputs = txl.StepModel._order(model.outputs, [t["name"] for t in card["tensors"]["outputs"]], "output")
    memory, width = card["shape"]["memory"], card["shape"]["width"]
    memories = [np.zeros((memory, width), np.float32) for _ in range(2 * card["shape"]["layers"])]

    def call():
        ordered = [np.array([5], np.int32), np.array([memory], np.int32), *memories]  # a full memory
        arrays = [None] * len(ordered)
        for card_position, interpreter_position in enumerate(inputs):
            arrays[interpreter_position] = ordered[card_position]
        results = model(*arrays)
        memories[:] = [results[k] for k in outputs][1:]

    return call


def anchor_sized_ring_step(path, threads):
    """The shipped ring step (`txl.StepModel`, the caller writes each returned key and value row into slot
    position mod memory of its own arrays) at the anchor's size (tools/txl/anchor_step.py)."""
    card, model = _anchor_card_and_model(path, threads)
    step = txl.StepModel(model)
    step.position = step.memory  # a full memory: every slot attended
    return lambda: step.feed(5)


def excerpt(notes, start_s, seconds):
    """The notes sounding from start_s to start_s + seconds, moved to begin at 0 and cut at the end."""
    keep = (notes[:, 0] >= start_s) & (notes[:, 0] < start_s + seconds)
    part = notes[keep].copy()
    part[:, :2] -= start_s
    part[:, 1] = np.minimum(part[:, 1], seconds)
    return part


def notes_metrics(notes):
    piece = events.from_events(events.encode_notes(notes))
    return metrics.composition_metrics(piece)["overall"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=data.DEFAULT_CACHE)
    parser.add_argument("--reference", default=os.path.join("out", "txl", "reference"))
    parser.add_argument("--card", help="write the figures into this model card")
    parser.add_argument("--max-test-tokens", type=int, default=20000, help="perplexity over at most this many test tokens")
    parser.add_argument("--continuations", type=int, default=8, help="how many 30 s continuations to measure")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    splits = data.load(args.data)
    step = txl.load_step_model(threads=args.threads)
    float_step = txl.load_step_model("txl_classical_f32", threads=args.threads)
    print(f"runtime {step.model.runtime}, {args.threads} thread(s); model {step.model.card['shape']}")
    figures = {"runtime": step.model.runtime, "threads": args.threads}

    # -- perplexity against a 3-gram ----------------------------------------------------------------------
    train_streams = piece_tokens(splits["train"])
    valid_streams = piece_tokens(splits["valid"], limit=args.max_test_tokens)
    test_streams = piece_tokens(splits["test"], limit=args.max_test_tokens)
    best_k = min(NGRAM_KS, key=lambda k: NGram(train_streams, k=k).nll(valid_streams)[0])
    ngram = NGram(train_streams, k=best_k)
    total, count = ngram.nll(test_streams)
    ngram_ppl = math.exp(total / count)
    rows = [("3-gram add-k (k=%g)" % best_k, ngram_ppl)]
    for name, model in (("Transformer-XL int8", step), ("Transformer-XL float32", float_step)):
        total, count = model_nll(model, test_streams)
        rows.append((name, math.exp(total / count)))
    print(f"\ntest perplexity per token over {count} tokens of {len(test_streams)} test pieces")
    for name, ppl in rows:
        print(f"  {name:28s} {ppl:8.2f}   ratio to 3-gram {ppl / ngram_ppl:.3f}")
    figures["perplexity"] = {"tokens": count, "pieces": len(test_streams), "ngram_k": best_k,
                             **{name: round(ppl, 3) for name, ppl in rows}}

    # -- speed ----------------------------------------------------------------------------------------------
    ours_ms = median_step_ms(lambda: step.feed(5))
    ours_f32_ms = median_step_ms(lambda: float_step.feed(5))
    speed = {"ours_int8_ms_per_token": round(ours_ms, 3), "ours_f32_ms_per_token": round(ours_f32_ms, 3)}
    print("\nms per token (median of 200)")
    print(f"  ours, memory as a ring, int8    {ours_ms:7.3f}")
    print(f"  ours, memory as a ring, float32 {ours_f32_ms:7.3f}")
    references = {}
    for kind in ("carried_f32", "carried_dyn8"):
        path = os.path.join(args.reference, f"{kind.replace('_', '_txl_step_')}.tflite")
        if os.path.exists(path):
            ms = median_step_ms(anchor_sized_step(path, args.threads), repeats=50)
            speed[f"anchor_size_{kind}_ms_per_token"] = round(ms, 3)
            print(f"  our step at the anchor's size, memory shifted, {kind[8:]:5s} {ms:7.3f}")
    for kind in ("f32", "dyn8"):
        path = os.path.join(args.reference, f"ring_txl_step_{kind}.tflite")
        if os.path.exists(path):
            ms = median_step_ms(anchor_sized_ring_step(path, args.threads), repeats=50)
            speed[f"anchor_size_ring_{kind}_ms_per_token"] = round(ms, 3)
            print(f"  our step at the anchor's size, memory as a ring, {kind:5s} {ms:7.3f}")
    for kind in ("f32", "dyn8"):
        path = os.path.join(args.reference, f"reprojecting_txl_step_{kind}.tflite")
        if not os.path.exists(path):
            print(f"  (no {path}: build it with ../shared/reference/reprojecting_txl_step.py)")
            continue
        references[kind] = reference_step(path, args.threads)
        ms = median_step_ms(references[kind], repeats=30)
        speed[f"reprojecting_{kind}_ms_per_token"] = round(ms, 3)
        print(f"  reprojecting reference {kind:5s}  {ms:7.3f}   ours int8 is {ms / ours_ms:.1f}x faster")

    for kind in ("f32", "dyn8"):
        reprojecting = speed.get(f"reprojecting_{kind}_ms_per_token")
        for variant in ("carried", "ring"):
            carried = speed.get(f"anchor_size_{variant}_{kind}_ms_per_token")
            if carried and reprojecting:
                speed[f"anchor_size_{variant}_{kind}_ratio"] = round(reprojecting / carried, 2)
                print(f"  at the anchor's size, {kind}: re-projecting / {variant} = {reprojecting / carried:.1f}x")

    rng = np.random.default_rng(args.seed)
    prompt_piece = splits["test"][0][1]
    prompt = events.from_events(events.encode_notes(excerpt(prompt_piece, 0.0, 10.0)))
    began = time.perf_counter()
    prefix = txl.prefix_tokens(prompt)
    generated = txl.generate_tokens(step, prefix, rng, seconds=30.0)
    ours_30s = time.perf_counter() - began
    steps_used = len(prefix) + len(generated)
    speed.update(continuation_30s_seconds=round(ours_30s, 3), continuation_30s_steps=steps_used)
    print(f"\n30 s continuation: {steps_used} steps ({len(prefix)} prefix + {len(generated)} sampled)")
    print(f"  ours int8, memory as a ring        {ours_30s:7.2f} s")
    for kind, call in references.items():
        began = time.perf_counter()
        for _ in range(steps_used):
            logits = [r for r in call() if r.shape == (1, events.VOCAB_SIZE)][0][0]
            txl.sample_token(logits, rng)
        took = time.perf_counter() - began
        speed[f"reprojecting_{kind}_same_steps_seconds"] = round(took, 3)
        print(f"  reprojecting reference {kind:5s}      {took:7.2f} s   ratio {took / ours_30s:.1f}x")
    figures["speed"] = speed

    # -- music: continuations of test openings against what really follows ----------------------------------
    ours_metrics, real_metrics = [], []
    candidates = [notes for _, notes in splits["test"] if notes[:, 1].max() >= 40.0][: args.continuations]
    for k, notes in enumerate(candidates):
        opening = events.from_events(events.encode_notes(excerpt(notes, 0.0, 10.0)))
        out = txl.continue_composition(opening, seconds=30.0, seed=args.seed + k, step=step)
        continuation = events.composition_notes(out.with_tracks(out.tracks[1:]))
        continuation[:, :2] -= opening.seconds(opening.end)  # measured from where it starts, as the excerpt is
        ours_metrics.append(notes_metrics(continuation) if len(continuation) else None)
        real_metrics.append(notes_metrics(excerpt(notes, 10.0, 30.0)))
    keys = ["empty_bar_rate", "pitches_used", "pitch_classes_used", "polyphonic_rate", "qualified_note_rate", "in_scale_ratio"]
    music = {"pieces": len(candidates), "empty_continuations": sum(m is None for m in ours_metrics)}
    print(f"\nmetrics, mean over {len(candidates)} test openings (10 s in, 30 s out), seed {args.seed}")
    print(f"  {'metric':22s} {'continuation':>12s} {'test piece':>12s} {'ratio':>7s}")
    for key in keys:
        ours = [m[key] for m in ours_metrics if m and m.get(key) is not None]
        real = [m[key] for m in real_metrics if m.get(key) is not None]
        a = float(np.mean(ours)) if ours else float("nan")
        b = float(np.mean(real)) if real else float("nan")
        music[key] = {"continuation": round(a, 4), "test": round(b, 4)}
        print(f"  {key:22s} {a:12.3f} {b:12.3f} {a / b if b else float('nan'):7.2f}")
    figures["music"] = music

    if args.card:
        write_card_figures(args.card, figures)
        print(f"\nwrote the figures into {args.card}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

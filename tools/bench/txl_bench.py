"""Transformer-XL figures, side by side in one run: perplexity, the music it writes, and speed.

    .venv/bin/python -m tools.bench.txl_bench --split valid [--card ...]         # choosing: validation only
    .venv/bin/python -m tools.bench.txl_bench --split test --card models_tflite/txl_melody.json   # once, to ship

Beside the Transformer-XL stands an interpolated Kneser-Ney 5-gram on the same tokens (`kneser_ney`), counted
on the training melodies of the style in every transposition the Transformer-XL trained on, and sampled with
the same grammar and sampler.
- Perplexity per token over the split's melodies (each from its start token, memory carried), per style.
- Continuations: the first `--bars` bars of each split melody at least twice that long, and of every melody of
  our own (tools/bench/own_melodies.py), continued for 30 s (at the melody's tempo; 100 BPM for the corpus),
  `--seeds` seeds each. Per continuation: the share of its notes in the input's Krumhansl-Kessler key, its
  longest note against twice the input's longest, its notes per bar against the input's, the most notes at
  once, and whether it listens: over pairs of inputs (A, B) of a group, does A's continuation share more of
  A's interval-and-rhythm 3-grams than of B's (ties count half; a model that ignores its input scores 0.5).
- Speed: ms per token of the shipped step against the reference step that re-projects its memory at the
  anchor's size (../shared/reference/reprojecting_txl_step.py, built into --reference), and the wall time of
  a 30 s continuation.
"""

import argparse
import math
import os
import statistics
import sys
import time

import numpy as np

from keycomposer.models import melody_tokens as tokens_
from keycomposer.models import runtime, txl
from keycomposer.music import line_metrics as lm
from keycomposer.music.composition import Composition, Tempo, TimeSignature
from tools.bench.kneser_ney import KneserNey
from tools.bench.own_melodies import own_compositions
from tools.tflite_files import write_card_figures
from tools.txl import data
from tools.txl.train import STYLE_IDS, TRANSPOSE

ORDER = 5
CORPUS_BPM = 100.0


def log_softmax(logits):
    logits = np.asarray(logits, np.float64)
    shifted = logits - logits.max()
    return shifted - math.log(np.exp(shifted).sum())


def limited(streams, limit):
    out, total = [], 0
    for tokens in streams:
        out.append(tokens[: max(0, limit - total)])
        total += len(out[-1])
    return [t for t in out if len(t) > 1]


def model_nll(step, streams, style) -> tuple:
    total, count = 0.0, 0
    for tokens in streams:
        step.reset()
        for current, following in zip(tokens[:-1], tokens[1:]):
            total -= log_softmax(step.feed(current, style))[following]
            count += 1
    return total, count


def transpositions(melody):
    low, high = int(melody.notes[:, 2].min()), int(melody.notes[:, 2].max())
    for shift in range(TRANSPOSE[0], TRANSPOSE[1] + 1):
        if tokens_.LOWEST_PITCH <= low + shift and high + shift <= tokens_.HIGHEST_PITCH:
            notes = melody.notes.copy()
            notes[:, 2] += shift
            yield tokens_.Melody(notes, melody.bars)


class NGramStep:
    """The n-gram behind the step interface `txl.generate_tokens` drives (`reset`, `feed`)."""

    def __init__(self, models):
        self.models, self.history = models, []

    def reset(self):
        self.history = []

    def feed(self, token, style=0):
        self.history.append(int(token))
        return self.models[style].next_logits(self.history)


def opening(melody, bars: int, bpm: float) -> Composition:
    """The first `bars` bars of a corpus melody as a one-track composition (its bars as time signatures)."""
    from keycomposer.models.melody_line import notes_to_track

    keep = melody.bars[:bars]
    end = int(keep[-1].sum())
    notes = melody.notes[melody.notes[:, 0] < end].copy()
    notes[:, 1] = np.minimum(notes[:, 1], end - notes[:, 0])
    shift = -int(keep[0, 0])  # a pickup bar starts before 0: move it to 0
    notes[:, 0] += shift
    resolution = 480
    signatures, previous = [], None
    for start, length in keep:
        if length != previous:
            signatures.append(TimeSignature(int((start + shift) * resolution // 4), int(length), 16))
            previous = length
    base = Composition(resolution=resolution, tempos=(Tempo.from_bpm(bpm),), time_signatures=signatures)
    return base.with_tracks([notes_to_track(base, notes, 0, 0, "melody")])


def what_follows(melody, bars: int, bpm: float) -> np.ndarray:
    """The corpus melody's own notes in the 30 s after its first `bars` bars (16ths, onsets from that bar line)."""
    start = int(melody.bars[bars - 1].sum())
    until = start + int(round(30.0 * bpm / 60 * 4))
    notes = melody.notes[(melody.notes[:, 0] >= start) & (melody.notes[:, 0] < until)].copy()
    notes[:, 1] = np.minimum(notes[:, 1], until - notes[:, 0])
    return notes


def continue_source(composition):
    from keycomposer.models.melody_line import melody_of

    melody = melody_of(composition)
    return melody.notes, int(melody.bars[-1, 1])


def continuation_figures(source_notes, continuation, steps_per_bar) -> dict:
    key = lm.krumhansl_key(source_notes)
    return {
        "in_key": lm.in_key_share(continuation, key),
        "input_in_key": lm.in_key_share(source_notes, key),
        "longest_within_twice": float(lm.longest_note(continuation) <= 2 * lm.longest_note(source_notes)),
        "rate_ratio": lm.notes_per_bar(continuation, steps_per_bar) / lm.notes_per_bar(source_notes, steps_per_bar),
        "most_at_once": lm.most_at_once(continuation),
        "notes": len(continuation),
    }


def continue_with(step, composition, seed, style, **sampling):
    from keycomposer.models.melody_line import grid_notes

    out = txl.continue_composition(composition, seconds=30.0, seed=seed, style=style, step=step, **sampling)
    source, bar = continue_source(composition)
    return source, grid_notes(out, out.tracks[-1]), bar


def listening(sources, continuations) -> float:
    """Over ordered pairs (A, B), A != B: the share where A's continuation holds more of A's motifs than B's."""
    wins, pairs = 0.0, 0
    for a in range(len(sources)):
        for b in range(len(sources)):
            if a == b:
                continue
            own = lm.shared_motifs(continuations[a], sources[a])
            other = lm.shared_motifs(continuations[a], sources[b])
            wins += 1.0 if own > other else 0.5 if own == other else 0.0
            pairs += 1
    return wins / pairs if pairs else float("nan")


def median_ms(call, repeats):
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return 1000 * statistics.median(times)


def reference_step(path, threads):
    model = runtime.TFLiteModel(open(path, "rb").read(), {"name": os.path.basename(path)}, threads=threads)
    token_input = [i for i, d in enumerate(model.inputs) if d["dtype"] == np.int32][0]
    memories = [np.zeros(d["shape"], np.float32) for i, d in enumerate(model.inputs) if i != token_input]

    def call(token=5):
        arrays = list(memories)
        arrays.insert(token_input, np.array([token], np.int32))
        return model(*arrays)

    return call


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=data.DEFAULT_CACHE)
    parser.add_argument("--split", choices=("valid", "test"), default="valid")
    parser.add_argument("--reference", default=os.path.join("out", "txl", "reference"))
    parser.add_argument("--card", help="write the figures into this model card, as figures_valid or figures_test")
    parser.add_argument("--max-tokens", type=int, default=15000, help="perplexity over at most this many tokens a style")
    parser.add_argument("--melodies", type=int, default=30, help="split melodies continued, per style")
    parser.add_argument("--bars", type=int, default=8, help="bars of a split melody given as the input")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--skip-perplexity", action="store_true", help="only the music and the speed")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--temperature", type=float, default=txl.DEFAULT_TEMPERATURE)
    parser.add_argument("--top-p", type=float, default=txl.DEFAULT_TOP_P)
    args = parser.parse_args(argv)

    splits = data.load(args.data)
    step = txl.load_step_model(threads=args.threads)
    float_step = txl.load_step_model(f"{txl.MODEL_NAME}_f32", threads=args.threads)
    print(f"runtime {step.model.runtime}, {args.threads} thread(s); model {step.model.card['shape']}; split {args.split}")
    figures = {"split": args.split, "runtime": step.model.runtime, "threads": args.threads,
               "sampling": {"temperature": args.temperature, "top_p": args.top_p}}
    print(f"sampling: temperature {args.temperature}, top-p {args.top_p} (both generators)")

    began = time.perf_counter()
    ngrams = {}
    for style, style_id in STYLE_IDS.items():
        streams = [tokens_.encode(m) for _, st, melody in splits["train"] if st == style for m in transpositions(melody)]
        ngrams[style_id] = KneserNey(streams, ORDER, tokens_.VOCAB_SIZE, tokens_.PAD)
    print(f"Kneser-Ney {ORDER}-grams counted in {time.perf_counter() - began:.0f} s")

    # -- perplexity --------------------------------------------------------------------------------------
    perplexity = {}
    print(f"\nperplexity per token on the {args.split} melodies (at most {args.max_tokens} tokens a style)")
    print(f"  {'style':10s} {'tokens':>7s} {'KN 5-gram':>10s} {'TXL int8':>9s} {'TXL f32':>8s} {'int8/KN':>8s}")
    for style, style_id in ({} if args.skip_perplexity else STYLE_IDS).items():
        streams = limited([tokens_.encode(m) for _, st, m in splits[args.split] if st == style], args.max_tokens)
        kn_total, count = ngrams[style_id].nll(streams)
        int8_total, _ = model_nll(step, streams, style_id)
        f32_total, _ = model_nll(float_step, streams, style_id)
        row = {"tokens": count, "kneser_ney_5gram": math.exp(kn_total / count),
               "txl_int8": math.exp(int8_total / count), "txl_float32": math.exp(f32_total / count)}
        perplexity[style] = {k: round(v, 3) for k, v in row.items()}
        print(f"  {style:10s} {count:7d} {row['kneser_ney_5gram']:10.2f} {row['txl_int8']:9.2f} "
              f"{row['txl_float32']:8.2f} {row['txl_int8'] / row['kneser_ney_5gram']:8.3f}")
    figures["perplexity"] = perplexity

    # -- the music ----------------------------------------------------------------------------------------
    groups = {}
    for style in STYLE_IDS:
        chosen = [m for _, st, m in splits[args.split] if st == style and len(m.bars) >= 2 * args.bars
                  and (m.notes[:, 0] < m.bars[args.bars - 1].sum()).sum() >= 4]  # an opening with a tune in it
        chosen = chosen[: args.melodies]
        groups[f"{args.split} {style}"] = (style, [opening(m, args.bars, CORPUS_BPM) for m in chosen],
                                           [what_follows(m, args.bars, CORPUS_BPM) for m in chosen])
    groups["own melodies"] = ("classical", [c for _, c in own_compositions()], None)
    generators = {"Transformer-XL": step, "Kneser-Ney 5-gram": NGramStep(ngrams)}
    music = {}
    for group, (style, compositions, real) in groups.items():
        print(f"\n{group}: {len(compositions)} inputs x {args.seeds} seeds, 30 s each, style {style}")
        print(f"  {'':20s} {'in key':>7s} {'input':>6s} {'long ok':>8s} {'rate x':>7s} {'at once':>8s} "
              f"{'listens':>8s} {'s/cont':>7s}")
        music[group] = {}
        for name, generator in generators.items():
            rows, wins = [], []
            took = time.perf_counter()
            for seed in range(args.seeds):
                sources, continuations = [], []
                for k, composition in enumerate(compositions):
                    source, continuation, bar = continue_with(generator, composition, 1000 * seed + k, style,
                                                              temperature=args.temperature, top_p=args.top_p)
                    rows.append(continuation_figures(source, continuation, bar))
                    sources.append(source)
                    continuations.append(continuation)
                wins.append(listening(sources, continuations))
            took = (time.perf_counter() - took) / max(1, len(rows))
            mean = {k: float(np.nanmean([r[k] for r in rows])) for k in rows[0]}
            summary = {
                "in_key_share": round(mean["in_key"], 4), "input_in_key_share": round(mean["input_in_key"], 4),
                "runs_in_key_090": round(float(np.mean([r["in_key"] >= 0.9 for r in rows])), 4),
                "longest_within_twice_input": round(mean["longest_within_twice"], 4),
                "note_rate_ratio": round(mean["rate_ratio"], 3),
                "rate_ratio_within_half_to_double": round(float(np.mean([0.5 <= r["rate_ratio"] <= 2 for r in rows])), 4),
                "most_at_once": int(max(r["most_at_once"] for r in rows)),
                "listens": round(float(np.mean(wins)), 4), "continuations": len(rows),
                "seconds_per_continuation": round(took, 3),
            }
            music[group][name] = summary
            print(f"  {name:20s} {summary['in_key_share']:7.3f} {summary['input_in_key_share']:6.3f} "
                  f"{summary['longest_within_twice_input']:8.2f} {summary['note_rate_ratio']:7.2f} "
                  f"{summary['most_at_once']:8d} {summary['listens']:8.3f} {took:7.2f}")
        if real is not None:  # the melodies' own next 30 s, read the same way: what the measures give real music
            sources = [continue_source(c) for c in compositions]
            rows = [continuation_figures(src, cont, bar) for (src, bar), cont in zip(sources, real)]
            summary = {"in_key_share": round(float(np.nanmean([r["in_key"] for r in rows])), 4),
                       "longest_within_twice_input": round(float(np.mean([r["longest_within_twice"] for r in rows])), 4),
                       "note_rate_ratio": round(float(np.mean([r["rate_ratio"] for r in rows])), 3),
                       "listens": round(listening([src for src, _ in sources], real), 4)}
            music[group]["the melody's own next 30 s"] = summary
            print(f"  {'(what really follows)':20s} {summary['in_key_share']:7.3f} {'':6s} "
                  f"{summary['longest_within_twice_input']:8.2f} {summary['note_rate_ratio']:7.2f} {'':8s} "
                  f"{summary['listens']:8.3f}")
    print("\n  in key: share of the continuation's notes in the input's key (target 0.90); input: the input's own "
          "share;\n  long ok: share of runs whose longest note is at most twice the input's; rate x: notes per bar "
          "against the input's (target 0.5..2);\n  at once: most notes sounding together; listens: pairs where A's "
          "continuation holds more of A's 3-grams than B's (target 0.80)")
    figures["music"] = music

    # -- speed --------------------------------------------------------------------------------------------
    speed = {"ms_per_token_int8": round(median_ms(lambda: step.feed(5), 200), 3),
             "ms_per_token_float32": round(median_ms(lambda: float_step.feed(5), 200), 3)}
    composition = own_compositions()[0][1]
    began = time.perf_counter()
    txl.continue_composition(composition, seconds=30.0, seed=0, step=step)
    speed["continuation_30s_seconds"] = round(time.perf_counter() - began, 3)
    print(f"\nspeed, {args.threads} thread(s): {speed['ms_per_token_int8']} ms a token (int8), "
          f"{speed['ms_per_token_float32']} ms (float32); a 30 s continuation of {own_compositions()[0][0]}: "
          f"{speed['continuation_30s_seconds']} s")
    for kind in ("f32", "dyn8"):
        ring = os.path.join(args.reference, f"ring_txl_step_{kind}.tflite")
        reprojecting = os.path.join(args.reference, f"reprojecting_txl_step_{kind}.tflite")
        if not (os.path.exists(ring) and os.path.exists(reprojecting)):
            print(f"  (no {ring} or {reprojecting}: build them with tools/txl/anchor_step.py and "
                  "../shared/reference/reprojecting_txl_step.py)")
            continue
        ring_model = txl.StepModel(runtime.TFLiteModel(open(ring, "rb").read(), _card(ring), threads=args.threads))
        ring_model.position = ring_model.memory
        ours = median_ms(lambda: ring_model.feed(5), 50)
        theirs = median_ms(reference_step(reprojecting, args.threads), 30)
        speed[f"anchor_size_{kind}"] = {"ring_ms": round(ours, 3), "reprojecting_ms": round(theirs, 3),
                                        "ratio": round(theirs / ours, 2)}
        print(f"  at the anchor's size ({kind}): carried memory (ring) {ours:.2f} ms, re-projecting {theirs:.2f} ms: "
              f"{theirs / ours:.1f}x")
    figures["speed"] = speed

    if args.card:
        write_card_figures(args.card, figures, key=f"figures_{args.split}")
        print(f"\nwrote the figures into {args.card} as figures_{args.split}")
    return 0


def _card(path):
    import json

    with open(path.replace(".tflite", ".json")) as f:
        return json.load(f)


if __name__ == "__main__":
    sys.exit(main())

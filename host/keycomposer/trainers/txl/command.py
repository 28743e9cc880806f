"""`keycomposer train txl`: train the Transformer-XL on the corpus melodies or a folder of the person's MIDI files,
convert its step to int8 and install it as a model of theirs.

Runs live in ``<data dir>/training/NAME/`` (checkpoint, best weights, state.json, curves.png: see ``fitting``);
the corpus melodies' parsed cache in ``<data dir>/training/cache/`` (built on first use: 15 to 30 minutes). A piece
of a folder is read as its melody the way `generate` reads an input's (``keycomposer.models.melody_line``: the
main track's top line on the 16th grid, with its bars); a piece without one, outside the model's pitch range or
shorter than MIN_NOTES notes is listed and left out. The person's melodies are learnt under both style ids (half the
rows each), so `--style` chooses between two vectors learnt from the same melodies. Without --minutes or --epochs a new run trains DEFAULT_MINUTES; a
resumed one goes on to the length it was given (or the one given now). One epoch is as many windows as the
training melodies hold tokens.
"""

import contextlib
import datetime
import hashlib
import io
import math
import os
from pathlib import Path

import numpy as np

from keycomposer import model_catalog
from keycomposer.models import melody_tokens as tokens_
from keycomposer.models.melody_line import MelodyError, melody_of
from keycomposer.models.runtime import ModelError
from keycomposer.progress import progress_bar
from keycomposer.quiet import quiet_c_stderr
from keycomposer.training import TECHNIQUE_OPTIONS, runs_folder
from keycomposer.trainers import distribution, run_start
from keycomposer.trainers.run_start import refuse, start_problem
from keycomposer.trainers.txl import fitting, melodies

DEFAULT_MINUTES = 10.0
DEFAULT_BATCH = 16
DEFAULT_LR = 1e-3
WARMUP = 100
SEGMENT, SEGMENTS = 128, 2  # a window: two segments of 128 tokens, the memory carried from the first to the second
EVAL_EVERY = 100  # steps between evaluations (each one a checkpoint and a new picture)
VALID_WINDOWS = 128
TEST_TOKENS = 15000  # a style's test perplexity counts at most this many tokens (tools/bench/txl_bench.py's --max-tokens)
THREADS = 2
PARSE_PROCESSES, PARSE_TIMEOUT = 2, 120
INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C
YOURS = "yours"  # the figures' label for the person's melodies


def train(request, data) -> int:
    out = runs_folder() / request.name
    state = fitting.read_state(str(out))
    problem = start_problem(request, state, out)
    if problem:
        return refuse(problem)
    data_label = run_start.data_label(request)
    shape = network_shape(request.options)
    if state is not None:
        changed = [f"--{key} {value} (it has {state['shape'][key]})" for key, value in request.options.items()
                   if value is not None and state["shape"][key] != value]
        if changed:
            return refuse(f"the run {request.name!r} keeps its shape; drop " + ", ".join(changed))
    if request.built_in:
        try:
            splits, about = corpus_splits()
        except KeyboardInterrupt:
            print(f"\nstopped while reading the corpus: the files read so far are kept in {parsed_folder()}; the "
                  "same command goes on from there", flush=True)
            return INTERRUPTED
    else:
        splits, about = folder_splits(data)
        if splits is None:
            return refuse(about)
    settings = (state or {}).get("settings", {})
    batch = request.batch or settings.get("batch") or DEFAULT_BATCH
    lr = request.lr or settings.get("lr") or DEFAULT_LR
    minutes, max_steps = request.minutes, None
    if request.epochs is not None:
        max_steps = math.ceil(request.epochs * about["training_tokens"] / (SEGMENTS * SEGMENT) / batch)
    elif minutes is None:
        minutes, max_steps = (settings.get("minutes"), settings.get("max_steps")) if state else (DEFAULT_MINUTES, None)
    print(f"training {request.name} on {' / '.join(f'{k} {v}' for k, v in about['melodies_per_split'].items())} "
          f"melodies, batch {batch}, learning rate {lr}, "
          + (f"{max_steps} steps" if max_steps else f"{minutes:g} minutes") + f"; run folder {out}", flush=True)
    try:
        state = fitting.fit(str(out), splits, shape=shape, seed=request.seed, batch=batch, lr=lr,
                            max_steps=max_steps, minutes=minutes, warmup=WARMUP, segments=SEGMENTS,
                            eval_every=EVAL_EVERY, eval_windows=VALID_WINDOWS,
                            short_melodies=not request.built_in, threads=THREADS,
                            resume=request.resume, data=data_label, title=f"Transformer-XL {request.name}",
                            report=lambda line: print(line, flush=True))
        if not distribution.is_chief():
            print(f"this worker's part of {request.name} is done; the chief converts and installs it", flush=True)
            return 0
        print(f"converting the weights of step {state['best']['step']} (the lowest validation loss) to int8 ...",
              flush=True)
        content, card = convert(out, splits, state, request, about)
    except distribution.DistributionError as error:
        return refuse(str(error))
    except KeyboardInterrupt:
        state = fitting.read_state(str(out))
        kept = f"the checkpoint of step {state['step']} is kept" if state else "no evaluation was reached"
        print(f"\nstopped: {kept} in {out}; keycomposer train txl --data {request.data} --name {request.name} "
              "--resume goes on (and converts and installs it once the run's length is reached)", flush=True)
        return INTERRUPTED
    if request.resume and any(model.name == request.name for model in model_catalog.user_models()):
        model_catalog.delete(request.name)  # the resumed run's model replaces the one it installed before
    try:
        model = model_catalog.install(content, card)
    except ModelError as error:
        return refuse(str(error))
    test = ", ".join(f"{style} {row['txl_int8']}" for style, row in card["figures_test"]["perplexity"].items())
    print(f"installed {request.name} in {model.folder}: validation perplexity "
          f"{card['figures']['validation']['perplexity']}" + (f", test perplexity (int8) {test}" if test else "")
          + shipped_figures() + f"; keycomposer generate --model {request.name} runs it", flush=True)
    return 0



def network_shape(options: dict):
    from keycomposer.trainers.txl.network import Shape

    chosen = {option.key: option.default if options.get(option.key) is None else options[option.key]
              for option in TECHNIQUE_OPTIONS["txl"]}
    return Shape(**chosen, inner=4 * chosen["width"], segment=SEGMENT)


def shipped_figures() -> str:
    """The shipped model's test perplexities, to read beside a new model's ('' when its card is not there)."""
    shipped = next((m for m in model_catalog.shipped_models() if m.name == "txl_melody" and not m.problem), None)
    rows = (shipped.card.get("figures_test") or {}).get("perplexity", {}) if shipped else {}
    found = ", ".join(f"{style} {row['txl_int8']}" for style, row in rows.items() if "txl_int8" in row)
    return f" (the shipped model: {found})" if found else ""


def parsed_folder() -> Path:
    """Where each corpus file's melodies are kept once read, so a stopped parse goes on where it stopped."""
    return runs_folder() / "cache" / "txl-parsed"


def corpus_splits():
    """The corpus melodies' cache, built (with progress) when absent; written beside and renamed, so a stop
    leaves none. Every piece is kept (the shipped model's split also leaves out the few that share an opening
    with the benchmark's own melodies, which the package does not hold)."""
    cache = runs_folder() / "cache" / "txl-melodies.npz"
    if not cache.exists():
        print(f"parsing the melodies of the music21 corpus into {cache} (once; 15 to 30 minutes) ...", flush=True)
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name("partial-" + cache.name)
        melodies.prepare(str(partial), PARSE_PROCESSES, PARSE_TIMEOUT, parsed=str(parsed_folder()))
        os.replace(partial, cache)
    splits = melodies.load(str(cache))
    about = {"set": "melodies", "source": (
        "music21 corpus (offline), the first part of each piece: classical: the Bach chorales' sopranos, the .mxl "
        "string-quartet movements of " + ", ".join(melodies.QUARTET_COMPOSERS) + " (first violin), Monteverdi's "
        "madrigals (canto); folk: the Essen folksong collection and O'Neill's 1850 collection"),
        "split": "by tune: sha256 of the first 12 notes' intervals and lengths, buckets "
                 + ", ".join(f"{n} {p}%" for n, p in melodies.SPLIT_SHARES) + " (the shipped model's split, without "
                 "its leaving out of pieces that share an opening with the benchmark's own melodies)",
        "melodies": {side: {style: sum(1 for _, st, _ in pieces if st == style) for style in ("classical", "folk")}
                     for side, pieces in splits.items()}}
    return splits, describe(splits, about, splits["train"])


def folder_splits(data):
    """({'train', 'valid', 'test'} of (name, style, Melody), about) from a FolderData, pieces without a melody the
    model can learn listed and left out; (None, why) when training or validation is left without a piece."""
    splits, left_out = {}, 0
    for side in ("train", "valid", "test"):
        splits[side] = []
        for piece in getattr(data, side):
            melody, reason = piece_melody(piece.composition)
            if melody is None:
                print(f"  left out {piece.name}: {reason}")
                left_out += 1
            else:
                splits[side].append((piece.name, "classical", melody))
    for side, label in (("train", "training"), ("valid", "validation")):
        if not splits[side]:
            return None, (f"no {label} piece has a melody the Transformer-XL can learn from ({left_out} pieces left "
                          "out; it reads each piece's main track as one line)")
    about = {"source": "a folder of MIDI files: each piece's main track (the pitched track with the most notes) "
                       "read as one line on the 16th grid, its top note where notes sound together",
             "split": "by piece (keycomposer.music.midi_folder: sha256 of its notes)", "left_out_no_melody": left_out,
             "styles": "your melodies are learnt under both style ids (classical and folk), half the rows each: "
                       "--style chooses between two vectors learnt from the same melodies"}
    unique_train = splits["train"]
    # each training melody under both style ids: Batches then draws half the rows as each, from the same melodies
    splits["train"] = [(name, style, melody) for name, _, melody in unique_train for style in ("classical", "folk")]
    return splits, describe(splits, about, unique_train)


def describe(splits: dict, about: dict, unique_train) -> dict:
    about = dict(about, reading="16th-note grid, ties joined, a chord read as its top note, the piece's own bars",
                 augmentation="transposition by -5..+6 semitones (uniform, kept inside the pitch tokens), per window")
    about["melodies_per_split"] = {"train": len(unique_train), "valid": len(splits["valid"]),
                                   "test": len(splits["test"])}
    about["training_tokens"] = int(sum(len(tokens_.encode(m)) for _, _, m in unique_train))
    return about


def piece_melody(composition):
    """(Melody, None) when the composition holds a melody the model can learn, else (None, why not)."""
    try:
        melody = melody_of(composition)
    except MelodyError as error:
        return None, str(error)
    pitches = melody.notes[:, 2]
    if pitches.min() < tokens_.LOWEST_PITCH or pitches.max() > tokens_.HIGHEST_PITCH:
        return None, (f"its melody spans MIDI {pitches.min()}..{pitches.max()}, outside the model's "
                      f"{tokens_.LOWEST_PITCH}..{tokens_.HIGHEST_PITCH}")
    if len(melody.notes) < melodies.MIN_NOTES:
        return None, f"its melody has {len(melody.notes)} notes, fewer than {melodies.MIN_NOTES}"
    return melody, None


def convert(out: Path, splits: dict, state: dict, request, about: dict):
    """The int8 step of the best weights (checked against TensorFlow as tools/txl/convert.py does) and its card,
    with the validation figures of the float network and the int8 file's test perplexity per style."""
    from keycomposer.trainers.txl import conversion
    from keycomposer.trainers.txl.network import Shape, TransformerXL

    shape = Shape(**state["shape"])
    model = TransformerXL(shape)
    model.load_weights(np.load(out / fitting.BEST))
    with contextlib.redirect_stdout(io.StringIO()), quiet_c_stderr():  # the converter's and LiteRT's chatter
        content, step_fields = conversion.checked_step(model, int8=True, rng=np.random.default_rng(0))
    name = request.name
    best = state["best"]
    card = {
        "name": name, "technique": "txl", "file": f"{name}.tflite", "bytes": len(content),
        "trained": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "trained_by": f"keycomposer train txl (run folder {out})",
        "quantization": "int8 weights (dynamic range), float32 activations",
        "styles": ["classical", "folk"], "shape": shape.as_dict(), "parameters": state["parameters"],
        "vocabulary": conversion.vocabulary(),
        "data": {k: v for k, v in about.items() if k != "melodies_per_split"},
        "split": about["melodies_per_split"],
        "settings": state["settings"] | {"steps": state["step"], "wall_seconds": round(state["seconds"]),
                                         "resumed": request.resume},
        "memory_trained": shape.memory, "validation_loss_nats": best["valid_loss"],
        **step_fields,
        "curves": str(out / fitting.PICTURE),
        "figures": {"validation": {
            "loss_nats": best["valid_loss"], "perplexity": round(math.exp(best["valid_loss"]), 3),
            "at_step": best["step"],
            "protocol": f"float network, {VALID_WINDOWS} fixed validation windows; the weights of the evaluation with "
                        "the lowest validation loss are the ones converted"}},
    }
    card["sha256"] = hashlib.sha256(content).hexdigest()
    card["figures_test"] = test_figures(content, card, splits["test"], built_in=request.built_in)
    return content, card


def test_figures(content: bytes, card: dict, pieces, built_in: bool) -> dict:
    """Perplexity per token of the int8 file over the test melodies (each from its start token, memory carried),
    per style for the corpus and as 'yours' for a folder, as tools/bench/txl_bench.py counts it."""
    from keycomposer.models.runtime import TFLiteModel
    from keycomposer.models.txl import StepModel

    step = StepModel(TFLiteModel(content, card, same_in_every_runtime=True))
    groups = {style: [m for _, st, m in pieces if st == style] for style in ("classical", "folk")} if built_in \
        else {YOURS: [m for _, _, m in pieces]}
    perplexity = {}
    for label, found in groups.items():
        streams, total = [], 0
        for melody in found:
            tokens = tokens_.encode(melody)[: max(0, TEST_TOKENS - total)]
            if len(tokens) > 1:
                streams.append(tokens)
                total += len(tokens)
        if not streams:
            continue
        style = 1 if label == "folk" else 0
        nll, count = 0.0, 0
        with progress_bar(sum(len(t) - 1 for t in streams), f"test perplexity, {label}") as advance:
            for tokens in streams:
                step.reset()
                for current, following in zip(tokens[:-1], tokens[1:]):
                    logits = np.asarray(step.feed(current, style), np.float64)
                    nll += np.logaddexp.reduce(logits) - logits[following]
                    count += 1
                    advance(1)
        perplexity[label] = {"tokens": count, "txl_int8": round(math.exp(nll / count), 3)}
    return {"split": "test", "runtime": step.model.runtime, "perplexity": perplexity,
            "protocol": f"int8 file, built-in kernels; the test melodies in order, each from its start token with the "
                        f"memory carried, at most {TEST_TOKENS} tokens a style, nats per token as exp (perplexity)"}

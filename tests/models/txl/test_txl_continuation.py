"""Transformer-XL continuation: the shipped step model, its carried memory, sampling, and bad input.

The model tests need a TFLite runtime (ai-edge-litert or tflite-runtime), not TensorFlow; without one they
skip and say so.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from keycomposer.models import melody_tokens as tokens_
from keycomposer.models import txl
from keycomposer.models.melody_line import melody_of
from keycomposer.models.runtime import (
    ModelFileError, ModelNotTrained, RuntimeMissing, interpreter_class, load_model, models_dir,
)
from keycomposer.music import line_metrics
from keycomposer.music.composition import Composition, Note, TimeSignature, Track
from keycomposer.music.samples import sample_composition

REPO = Path(__file__).resolve().parents[3]

try:
    interpreter_class()
    NO_RUNTIME = None
except RuntimeMissing as missing:
    NO_RUNTIME = str(missing)
needs_runtime = pytest.mark.skipif(NO_RUNTIME is not None, reason=f"no TFLite runtime installed: {NO_RUNTIME}")
needs_model = pytest.mark.skipif(
    not (models_dir() / f"{txl.MODEL_NAME}.json").exists(), reason=f"the project has no trained {txl.MODEL_NAME} model"
)


def melody(count=16, program=40, pitch=60, meter=(4, 4)) -> Composition:
    notes = tuple(Note(i * 240, pitch + (0, 2, 4, 5, 7, 5, 4, 2)[i % 8], 240, 90) for i in range(count))
    return Composition((Track(notes, program=program, channel=2),), resolution=480,
                       time_signatures=(TimeSignature(0, *meter),))


@pytest.fixture(scope="module")
def step():
    return txl.load_step_model()


# -- options and input, checked before any model is loaded -----------------------------------------------

@pytest.mark.parametrize(
    "options, message",
    [
        ({"seconds": 0}, r"seconds must be in range \(0, 30\], got 0"),
        ({"seconds": 31}, r"seconds must be in range \(0, 30\], got 31"),
        ({"temperature": 0}, "temperature must be above 0, got 0"),
        ({"top_k": 0}, "top_k must be a whole number of at least 1, got 0"),
        ({"top_p": 1.5}, r"top_p must be in range \(0, 1\], got 1.5"),
        ({"style": "jazz"}, "style must be one of classical, folk, got 'jazz'"),
    ],
)
def test_bad_options_are_named(options, message):
    with pytest.raises(txl.ContinuationError, match=message):
        txl.continue_composition(melody(), **options)


def test_an_empty_input_is_refused():
    with pytest.raises(txl.ContinuationError, match="the input has no notes to continue"):
        txl.continue_composition(Composition())


def test_an_input_of_drums_only_is_refused():
    drums = Composition((Track((Note(0, 36, 120),), channel=9),))
    with pytest.raises(txl.ContinuationError, match="only drum notes"):
        txl.continue_composition(drums)


def test_an_input_off_the_models_range_is_refused():
    with pytest.raises(txl.ContinuationError, match=r"goes outside MIDI 24..108 \(it spans 110..117\)"):
        txl.continue_composition(melody(pitch=110))


def test_a_long_input_is_continued_from_a_bar_line_near_its_end():
    long_piece = melody(count=400)
    whole = tokens_.encode(melody_of(long_piece))
    prefix, bar_start = txl.prefix_of(melody_of(long_piece))
    assert len(whole) > 1000
    assert prefix[0] in tokens_.BAR and len(prefix) <= txl.PREFIX_TOKENS
    assert prefix == whole[-len(prefix):]
    assert bar_start == 16 * (whole.count(prefix[0]) - prefix.count(prefix[0]))  # 4/4 bars of 16 16ths
    short, start = txl.prefix_of(melody_of(melody(count=4)))
    assert short == tokens_.encode(melody_of(melody(count=4))) and start == 0


def test_a_missing_model_says_it_was_not_trained(tmp_path):
    with pytest.raises(ModelNotTrained, match=f"has not trained a model named '{txl.MODEL_NAME}'"):
        txl.load_step_model(folder=tmp_path)


# -- sampling ---------------------------------------------------------------------------------------------

def test_top_k_of_one_is_the_most_likely_token():
    logits = np.zeros(tokens_.VOCAB_SIZE)
    logits[123] = 5.0
    assert {txl.sample_token(logits, np.random.default_rng(s), top_k=1) for s in range(20)} == {123}


def test_start_and_pad_are_never_drawn():
    logits = np.full(tokens_.VOCAB_SIZE, -50.0)
    logits[[tokens_.START, tokens_.PAD]] = 50.0
    logits[7] = 0.0
    assert {txl.sample_token(logits, np.random.default_rng(s)) for s in range(20)} == {7}


def test_only_what_the_grammar_allows_is_drawn():
    logits = np.zeros(tokens_.VOCAB_SIZE)
    logits[tokens_.BAR.token(12)] = 50.0  # the model wants a 3/4 bar
    grammar = tokens_.Grammar(bar_length=16)
    grammar.push(tokens_.BAR.token(16))
    allowed = grammar.allowed()
    drawn = {txl.sample_token(logits, np.random.default_rng(s), allowed) for s in range(50)}
    assert drawn <= {tokens_.BAR.token(16)} | {tokens_.POS.token(p) for p in range(16)}


def test_the_nucleus_keeps_only_the_likeliest_mass():
    logits = np.full(tokens_.VOCAB_SIZE, -30.0)
    logits[[10, 11, 12]] = [np.log(0.6), np.log(0.3), np.log(0.1)]
    drawn = {txl.sample_token(logits, np.random.default_rng(s), temperature=1.0, top_p=0.85) for s in range(200)}
    assert drawn == {10, 11}


# -- the shipped step model -------------------------------------------------------------------------------

@needs_runtime
@needs_model
def test_the_step_takes_each_layers_ring_and_returns_only_the_new_rows(step):
    shape = step.model.card["shape"]
    memory, width, layers = shape["memory"], shape["width"], shape["layers"]
    inputs = [tuple(d["shape"]) for d in step.model.inputs]
    outputs = [tuple(d["shape"]) for d in step.model.outputs]
    assert sorted(inputs) == sorted([(1,), (1,), (1,)] + [(memory, width)] * (2 * layers))
    assert sorted(outputs) == sorted([(1, tokens_.VOCAB_SIZE)] + [(1, width)] * (2 * layers))
    step.reset()
    rings = step.rings
    for token in range(memory + 2):
        logits = step.feed(tokens_.START if token == 0 else tokens_.BAR.token(16))
    assert logits.shape == (tokens_.VOCAB_SIZE,) and np.isfinite(logits).all()
    assert step.position == memory + 2
    assert step.rings is rings and all(ring.shape == (memory, width) for ring in rings)  # written in place
    assert all(np.abs(ring).sum(axis=1).all() for ring in rings)  # every slot holds a token after one turn
    step.reset()
    assert step.position == 0 and not any(ring.any() for ring in step.rings)


@needs_runtime
@needs_model
def test_carried_memory_gives_the_logits_of_the_whole_sequence():
    """Stepping token by token with keys and values carried equals one pass over the whole sequence,
    past the point where the memory is full and the oldest tokens leave it (float32 files)."""
    float_step = txl.load_step_model(f"{txl.MODEL_NAME}_f32")
    sequence = load_model(f"{txl.MODEL_NAME}_sequence_f32", threads=1)
    length = [d for d in sequence.inputs if d["shape"][0] > 1][0]["shape"][0]
    assert length > float_step.memory
    tokens = tokens_.encode(melody_of(melody(count=200)))[:length]
    assert len(tokens) == length
    by_name = {d["name"]: i for i, d in enumerate(sequence.inputs)}
    arrays = [None, None]
    arrays[[i for n, i in by_name.items() if "tokens" in n][0]] = np.array(tokens, np.int32)
    arrays[[i for n, i in by_name.items() if "style" in n][0]] = np.array([1], np.int32)
    expected = sequence(*arrays)  # one output: the logits [length, vocab]
    stepped = np.stack([float_step.feed(t, style=1) for t in tokens])
    assert np.abs(stepped - expected).max() <= 1e-3 * np.abs(expected).max()


@needs_runtime
@needs_model
def test_the_int8_step_stays_close_to_the_float_step(step):
    float_step = txl.load_step_model(f"{txl.MODEL_NAME}_f32")
    tokens = tokens_.encode(melody_of(sample_composition("ode_to_joy")))
    step.reset()
    quantized = np.stack([step.feed(t) for t in tokens])
    exact = np.stack([float_step.feed(t) for t in tokens])
    agree = np.mean(quantized.argmax(axis=1) == exact.argmax(axis=1))
    assert agree >= 0.9


@needs_runtime
@needs_model
def test_the_same_seed_gives_the_same_continuation(step):
    first = txl.continue_composition(melody(), seconds=5, seed=7, step=step)
    again = txl.continue_composition(melody(), seconds=5, seed=7, step=step)
    other = txl.continue_composition(melody(), seconds=5, seed=8, step=step)
    assert first == again
    assert first.tracks[1].notes != other.tracks[1].notes


@needs_runtime
@needs_model
def test_the_continuation_keeps_the_instrument_and_starts_where_the_input_ends(step):
    piece = melody()
    out = txl.continue_composition(piece, seconds=10, seed=1, step=step)
    assert out.tracks[0] == piece.tracks[0]
    continuation = out.tracks[1]
    assert (continuation.program, continuation.channel) == (40, 2)
    assert continuation.notes and min(n.start for n in continuation.notes) >= piece.end
    assert out.seconds(continuation.end) <= piece.seconds(piece.end) + 10 + 0.011


@needs_runtime
@needs_model
@pytest.mark.parametrize("meter", [(3, 4), (6, 8), (4, 4)])
def test_the_continuation_is_one_line_on_the_inputs_beat(step, meter):
    """Every note starts on a 16th and ends before the next begins: a melody, never a stuck or hanging note."""
    piece = melody(count=24, meter=meter)
    out = txl.continue_composition(piece, seconds=20, seed=3, step=step)
    notes = np.array([(n.start // 120, n.duration // 120, n.pitch) for n in out.tracks[1].notes])
    assert all(n.start % 120 == 0 and n.duration % 120 == 0 for n in out.tracks[1].notes)
    assert line_metrics.most_at_once(notes) == 1
    assert len(notes) >= 4


@needs_runtime
@needs_model
def test_a_corrupt_model_file_is_named(tmp_path):
    name = txl.MODEL_NAME
    for suffix in (".json", ".tflite"):
        shutil.copy(models_dir() / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    content = bytearray((tmp_path / f"{name}.tflite").read_bytes())
    content[len(content) // 2] ^= 0xFF
    (tmp_path / f"{name}.tflite").write_bytes(bytes(content))
    with pytest.raises(ModelFileError, match="is not the one its card describes"):
        txl.load_step_model(folder=tmp_path)
    (tmp_path / f"{name}.tflite").write_bytes(bytes(content[:100]))
    with pytest.raises(ModelFileError, match="is truncated"):
        txl.load_step_model(folder=tmp_path)


@needs_runtime
@needs_model
@pytest.mark.skipif(not (models_dir() / "gan_bach.json").exists(), reason="the project has no trained gan_bach model")
def test_the_accompaniment_goes_under_the_melody_and_its_continuation(step):
    piece = sample_composition("ode_to_joy")
    continued = txl.continue_composition(piece, seconds=8, seed=2, step=step)
    whole = txl.accompanied(continued, "bach", seed=2)
    assert whole.tracks[:2] == continued.tracks  # the melody and the continuation, as they were
    parts = whole.tracks[2:]
    assert len(parts) == 3 and all(p.notes for p in parts)
    continuation_start = min(n.start for n in continued.tracks[1].notes)
    assert any(n.start >= continuation_start for p in parts for n in p.notes)  # under the continuation too


def tflite_runtime_python():
    candidate = os.environ.get("KEYCOMPOSER_TFLITE_PYTHON") or str(REPO / ".venv-tflite" / "bin" / "python")
    return candidate if shutil.which(candidate) else None


@needs_runtime
@needs_model
@pytest.mark.timeout(180)
@pytest.mark.skipif(tflite_runtime_python() is None,
                    reason="no python with tflite-runtime 2.14 (make .venv-tflite or set KEYCOMPOSER_TFLITE_PYTHON)")
def test_tflite_runtime_2_14_writes_the_same_continuation(step):
    script = (
        "import json, sys\n"
        "from keycomposer.models import txl\n"
        "from keycomposer.music.samples import sample_composition\n"
        "step = txl.load_step_model(folder=sys.argv[1], runtime='tflite_runtime')\n"
        "out = [txl.continue_composition(sample_composition(name), seconds=15, seed=seed, style=style, step=step)\n"
        "       for name, seed, style in (('ode_to_joy', 5, 'classical'), ('greensleeves', 6, 'folk'))]\n"
        "print(json.dumps([[(n.start, n.pitch, n.duration) for n in o.tracks[-1].notes] for o in out]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "host"))
    theirs = subprocess.run([tflite_runtime_python(), "-c", script, str(models_dir())], check=True, env=env,
                            capture_output=True, text=True, timeout=170).stdout
    ours = [txl.continue_composition(sample_composition(name), seconds=15, seed=seed, style=style, step=step)
            for name, seed, style in (("ode_to_joy", 5, "classical"), ("greensleeves", 6, "folk"))]
    assert json.loads(theirs) == [[[n.start, n.pitch, n.duration] for n in o.tracks[-1].notes] for o in ours]

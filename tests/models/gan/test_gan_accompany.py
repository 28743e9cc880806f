"""The shipped accompaniment generators: melody in, three tracks out, the same for the same seed, any length,
clear errors for a bad request or a damaged file; the same output in ai-edge-litert and tflite-runtime 2.14."""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from keycomposer.models import runtime
from keycomposer.models.bars import Bars
from keycomposer.models.gan import STYLES, AccompanimentError, Accompanist, Melody, accompany, melody_of
from keycomposer.music.composition import Composition, Note, Tempo, TimeSignature, Track

REPO = Path(__file__).resolve().parents[3]
SHIPPED = runtime.models_dir()  # models_tflite/, or KEYCOMPOSER_MODELS_DIR
BEAT = 480


def available_runtime():
    try:
        return runtime.interpreter_class()[0]
    except runtime.RuntimeMissing:
        return None


needs_runtime = pytest.mark.skipif(
    available_runtime() is None, reason="no TFLite runtime installed (pip install ai-edge-litert)"
)
pytestmark = needs_runtime


def tune(bars, low=60, resolution=BEAT):
    """A one-octave major scale up and down in quarter notes from `low`, `bars` bars of 4/4."""
    scale = [0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2, 0, 0]
    notes = [Note(beat * resolution, low + scale[beat % 16], resolution, 100) for beat in range(4 * bars)]
    return Composition((Track(tuple(notes), program=0, channel=0, name="Melody"),), resolution,
                       (Tempo.from_bpm(96),), (TimeSignature(0, 4, 4),), name="scale")


@pytest.fixture(scope="module", params=STYLES)
def style(request):
    return request.param


@pytest.fixture(scope="module")
def bach():
    return Accompanist("bach", SHIPPED)


def test_each_style_adds_its_three_tracks_after_the_melody(style):
    result = accompany(tune(4), style=style, seed=1)
    card = runtime.read_card(f"gan_{style}", SHIPPED)
    assert result.tracks[0] == tune(4).tracks[0]
    assert [track.program for track in result.tracks[1:]] == [track["program"] for track in card["tracks"]]
    assert len({track.channel for track in result.tracks}) == 4 and 9 not in {t.channel for t in result.tracks}
    assert (result.resolution, result.tempos, result.time_signatures) == (BEAT, tune(4).tempos, tune(4).time_signatures)


def test_the_model_writes_notes_for_a_plain_scale(style):
    result = accompany(tune(4), style=style, seed=0)
    assert sum(len(track.notes) for track in result.tracks[1:]) > 0


def test_the_same_seed_gives_the_same_accompaniment(bach):
    assert bach.compose(tune(4), seed=7) == bach.compose(tune(4), seed=7)


def test_every_generated_part_is_one_voice(bach):
    roll = bach.roll(melody_of(tune(8)), seed=3)
    assert roll.shape == (3, 128, 128)
    assert (roll.sum(axis=2) <= 1).all()


@pytest.mark.parametrize("bars", [1, 2, 3, 9])
def test_any_length_is_accompanied_to_its_last_whole_bar(bach, bars):
    roll = bach.roll(melody_of(tune(bars)), seed=0)
    assert roll.shape[1] == bars * 16  # a melody shorter than the model's 2-bar window too


@pytest.mark.parametrize("meter, bars", [((3, 4), 5), ((6, 8), 3), ((2, 4), 7)])
def test_a_melody_in_another_meter_is_accompanied_to_its_own_last_bar_and_no_further(bach, meter, bars):
    steps = bars * 16 * meter[0] // meter[1]
    melody = Melody(np.resize([60, 62, 64, 65, 67, 65, 64, 62], steps).repeat(1), Bars.regular(meter))
    roll = bach.roll(melody, seed=1)
    assert roll.shape == (3, steps, 128) and roll[:, -1].any()


def test_a_waltz_leaves_out_whole_3_4_bars_not_4_4_ones(bach):
    """Where a part sits out a bar under a waltz, it sits out one of the waltz's bars (12 16ths), not 16 steps
    across two of them: with a threshold that never rests, every bar is silent throughout or nowhere."""
    tune = np.resize([67] * 8 + [-1] * 4, 120)
    probability, _ = bach.probability(Melody(tune, Bars.regular((3, 4))), seed=2)
    decoding = bach.decoding[0]
    sits_out = type(decoding)(**{**decoding.__dict__, "threshold": 1e-6, "bar_rest": 0.9, "relative": True})

    def silent_steps_per_bar(meter):
        voice = sits_out.voice(probability[:, :, 0], seed=0, melody=tune, bars=Bars.regular(meter))
        return (voice.reshape(10, 12) == -1).sum(axis=1)

    assert set(silent_steps_per_bar((3, 4))) == {0, 12}
    assert not set(silent_steps_per_bar((4, 4))) <= {0, 12}  # read in 4/4 bars it was not so


def test_a_melody_that_changes_meter_is_accompanied_in_its_own_bars_to_its_last_one(bach):
    """Two bars of 4/4, then 3/4: read in its first meter alone, the accompaniment ran on to step 80."""
    notes = tuple(Note(beat * BEAT, 60 + 2 * (beat % 5), BEAT, 100) for beat in range(8 + 7))
    song = Composition((Track(notes),), time_signatures=(TimeSignature(0, 4, 4), TimeSignature(8 * BEAT, 3, 4)))
    roll = bach.roll(melody_of(song), seed=0)
    assert roll.shape[1] == 32 + 36 and roll[:, -1].any()  # its last 3/4 bar ends there


def test_before_the_melody_s_first_note_every_part_rests(style):
    """A chorale's parts never sing before the soprano; given no melody, the generator wrote a bass under the
    3 silent beats before a pickup."""
    pickup = Melody(np.concatenate([[-1] * 12, np.resize([67, 67, 69, 71, 72, 71, 69, 67], 64)]))
    roll = Accompanist(style, SHIPPED).roll(pickup, seed=0)
    assert not roll[:, :12].any()
    assert roll[:, 12:16].any(axis=(1, 2)).sum() >= 2  # most parts come in with the pickup


def test_a_melody_of_one_beat_gets_one_bar(bach):
    assert bach.roll(Melody(np.array([67, 67, 67, 67])), seed=0).shape == (3, 16, 128)


def test_past_its_last_note_the_melody_is_read_as_holding_it(bach):
    one_beat, _ = bach.probability(Melody(np.array([67] * 4)), seed=4)
    two_bars_held, _ = bach.probability(Melody(np.array([67] * 32)), seed=4)
    assert np.array_equal(one_beat, two_bars_held[:16])
    read_silent, _ = bach.probability(Melody(np.array([67] * 4)), seed=4, hold_last=False)
    assert not np.allclose(read_silent, one_beat)
    ends_mid_bar, _ = bach.probability(Melody(np.array([67] * 16 + [69] * 4)), seed=4)
    held_to_the_bar_line, _ = bach.probability(Melody(np.array([67] * 16 + [69] * 16)), seed=4)
    assert np.array_equal(ends_mid_bar, held_to_the_bar_line)


def test_a_rest_inside_the_melody_stays_a_rest(bach):
    with_rest, _ = bach.probability(Melody(np.array([67] * 4 + [-1] * 8 + [69] * 4)), seed=4)
    held_through, _ = bach.probability(Melody(np.array([67] * 12 + [69] * 4)), seed=4)
    assert not np.allclose(with_rest, held_through)


def test_a_rest_of_a_bar_or_more_inside_the_melody_is_read_as_its_last_note_held(style):
    # The generator never learnt from a window with no melody: under a silent bar it hears the parts barely.
    accompanist = Accompanist(style, SHIPPED)
    with_rest, _ = accompanist.probability(Melody(np.array([67] * 8 + [-1] * 16 + [69] * 8)), seed=4)
    held_through, _ = accompanist.probability(Melody(np.array([67] * 24 + [69] * 8)), seed=4)
    assert np.array_equal(with_rest, held_through)
    read_as_a_rest, _ = accompanist.probability(Melody(np.array([67] * 8 + [-1] * 16 + [69] * 8)), seed=4, hold_rests=0)
    assert not np.allclose(read_as_a_rest, held_through)


def test_under_a_bar_long_rest_of_the_quartet_melody_the_parts_play_on():
    quartet = Accompanist("quartet", SHIPPED)
    phrase = [72, 72, 71, 71, 69, 69, 67, 67, 65, 65, 64, 64, 62, 62, 60, 60]
    melody = Melody(np.array(phrase * 2 + [-1] * 32 + phrase * 2))
    sounding_under_the_rest = {}
    for hold_rests in (16, 0):
        probability, shift = quartet.probability(melody, seed=0, hold_rests=hold_rests)
        roll = quartet.decode(probability, shift, seed=0, melody=melody.pitches, bars=melody.bars)
        sounding_under_the_rest[hold_rests] = roll[:, 32:64].any(axis=2).sum()
    assert sounding_under_the_rest[16] >= 32  # at least a part's worth of the 2 bars
    assert sounding_under_the_rest[16] > 4 * sounding_under_the_rest[0]  # read as a rest, they fell silent


def test_a_part_goes_on_across_the_edge_between_two_windows(bach):
    # Windows overlap by a bar and are blended, so a long melody's accompaniment has no bar-long hole or
    # restart at every window edge: every part sounds somewhere in each 2-bar stretch it sounds in at all.
    roll = bach.roll(melody_of(tune(8)), seed=2)
    assert roll.any(axis=(0, 2)).mean() > 0.5


def test_a_melody_an_octave_lower_gets_its_accompaniment_an_octave_lower(bach):
    high = bach.roll(melody_of(tune(4, low=60)), seed=5)
    low = bach.roll(melody_of(tune(4, low=48)), seed=5)
    assert np.array_equal(low[:, :, :-12], high[:, :, 12:])


SCALE = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62]


def scale_melody(step_length, bars):
    """SCALE up and down, a note every ``step_length`` 16ths, over ``bars`` bars of 4/4."""
    return Melody(np.array([SCALE[(step // step_length) % len(SCALE)] for step in range(bars * 16)]))


def notes_played(accompanist, line, *stretches, seeds=4):
    """Per stretch of steps (a slice; none given: the whole), the notes the parts' top lines start in it, all
    parts together, averaged over the seeds (each seed's accompaniment generated once)."""
    from keycomposer.music.metrics import line_runs, top_line

    rolls = [accompanist.roll(line, seed) for seed in range(seeds)]
    return [np.mean([sum((line_runs(top_line(part[steps]))[2] >= 0).sum() for part in roll) for roll in rolls])
            for steps in stretches or (slice(None),)]


def test_every_part_is_calmer_under_a_calm_melody_than_without_its_pace(style):
    import dataclasses

    def notes_per_bar(accompanist, line):
        return notes_played(accompanist, line)[0] / 8

    shipped, steady = Accompanist(style, SHIPPED), Accompanist(style, SHIPPED)
    steady.decoding = [dataclasses.replace(decoding, pace=0.0) for decoding in shipped.decoding]
    assert all(decoding.pace > 0 for decoding in shipped.decoding)  # the quartet's cello too, since rule 16
    halves, eighths = scale_melody(8, bars=8), scale_melody(2, bars=8)
    paced = notes_per_bar(shipped, eighths) / notes_per_bar(shipped, halves)
    # the quartet's paces (0.24 to 0.37 nats per e-fold) are gentler than bach's, as its parts follow less
    margin = {"bach": 0.3, "quartet": 0.15}[style]
    assert paced > notes_per_bar(steady, eighths) / notes_per_bar(steady, halves) + margin


def test_the_quartet_s_parts_open_calmly_and_play_on_as_before_once_the_opening_has_faded():
    import dataclasses

    from keycomposer.models.voicing import OPENING_BARS

    quarters = scale_melody(4, bars=OPENING_BARS + 8)
    first, late = slice(0, 8 * 16), slice(OPENING_BARS * 16, None)
    shipped, plain = Accompanist("quartet", SHIPPED), Accompanist("quartet", SHIPPED)
    plain.decoding = [dataclasses.replace(decoding, opening=0.0) for decoding in shipped.decoding]
    assert all(decoding.opening > 0 for decoding in shipped.decoding)  # since rule 17
    shipped_first, shipped_late = notes_played(shipped, quarters, first, late)
    plain_first, plain_late = notes_played(plain, quarters, first, late)
    # the melody is as busy throughout: only the opening makes the first 8 bars calmer than the last 8
    assert shipped_first / shipped_late < plain_first / plain_late - 0.2
    assert shipped_late == pytest.approx(plain_late, rel=0.05)


def test_programs_can_be_given_by_number_or_name(bach):
    result = bach.compose(tune(2), seed=0, programs=[40, "viola", "Cello"])
    assert [track.program for track in result.tracks[1:]] == [40, 41, 42]


def test_the_wrong_number_of_programs_names_the_tracks(bach):
    with pytest.raises(AccompanimentError, match="give 3 programs, one for each of Alto, Tenor, Bass; got 2"):
        bach.compose(tune(2), programs=[40, 41])


def test_an_unknown_instrument_is_named(bach):
    with pytest.raises(AccompanimentError, match="no General MIDI instrument is called 'kazoo'"):
        bach.compose(tune(2), programs=[40, 41, "kazoo"])


def test_an_odd_resolution_still_gives_whole_ticks():
    result = accompany(tune(2, resolution=96 + 1), style="bach", seed=0)
    assert result.resolution == 97 and all(isinstance(n.start, int) for t in result.tracks for n in t.notes)


def test_the_input_composition_is_left_as_it_was():
    melody = tune(2)
    accompany(melody, style="bach")
    assert melody == tune(2)


def copy_models(folder):
    for name in ("gan_bach.tflite", "gan_bach.json"):
        shutil.copy(SHIPPED / name, folder / name)


def test_a_truncated_model_file_is_a_clear_error(tmp_path):
    copy_models(tmp_path)
    content = (tmp_path / "gan_bach.tflite").read_bytes()
    (tmp_path / "gan_bach.tflite").write_bytes(content[: len(content) // 2])
    with pytest.raises(runtime.ModelFileError, match="gan_bach.tflite is truncated"):
        accompany(tune(2), style="bach", folder=tmp_path)


def test_an_altered_model_file_is_a_clear_error(tmp_path):
    copy_models(tmp_path)
    content = bytearray((tmp_path / "gan_bach.tflite").read_bytes())
    content[-100] ^= 0xFF
    (tmp_path / "gan_bach.tflite").write_bytes(bytes(content))
    with pytest.raises(runtime.ModelFileError, match="not the one its card describes"):
        accompany(tune(2), style="bach", folder=tmp_path)


def tflite_runtime_python():
    candidate = os.environ.get("KEYCOMPOSER_TFLITE_PYTHON") or str(REPO / ".venv-tflite" / "bin" / "python")
    return candidate if shutil.which(candidate) else None


@pytest.mark.timeout(120)
@pytest.mark.skipif(
    tflite_runtime_python() is None,
    reason="no python with tflite-runtime 2.14 (make .venv-tflite or set KEYCOMPOSER_TFLITE_PYTHON)",
)
def test_tflite_runtime_2_14_runs_both_generators_the_same_way(tmp_path, style):
    melody = np.zeros((1, 32, 64, 1), dtype=np.float32)
    melody[0, np.arange(32), 30 + np.arange(32) % 8, 0] = 1
    noise_shape = runtime.read_card(f"gan_{style}", SHIPPED)["noise_shape"]
    noise = np.random.default_rng(0).standard_normal([1] + noise_shape).astype(np.float32)
    np.save(tmp_path / "melody.npy", melody)
    np.save(tmp_path / "noise.npy", noise)
    script = (
        "import sys, numpy as np\n"
        "from keycomposer.models.runtime import load_model\n"
        "model = load_model(sys.argv[1], sys.argv[2], runtime='tflite_runtime')\n"
        "melody, noise = np.load(sys.argv[3]), np.load(sys.argv[4])\n"
        "first = tuple(model.inputs[0]['shape']) == melody.shape\n"
        "np.save(sys.argv[5], model(*((melody, noise) if first else (noise, melody))))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "host"))
    subprocess.run(
        [tflite_runtime_python(), "-c", script, f"gan_{style}", str(SHIPPED), str(tmp_path / "melody.npy"),
         str(tmp_path / "noise.npy"), str(tmp_path / "out.npy")],
        check=True, env=env, timeout=100,
    )
    model = runtime.load_model(f"gan_{style}", SHIPPED)
    first = tuple(model.inputs[0]["shape"]) == melody.shape
    ours = model(*((melody, noise) if first else (noise, melody)))
    theirs = np.load(tmp_path / "out.npy")
    # int8 LOGISTIC always has output scale 1/256; the float output is dequantized from it. LiteRT runs int8
    # convolutions through its XNNPACK delegate, whose rounding differs from the builtin kernels by a step here
    # and there, and that adds up over the U-Net's 14 convolutions. Measured: LiteRT without its default
    # delegates gives exactly tflite-runtime's output; with XNNPACK 96..97 % of cells are within one step, a few
    # are up to 0.36 apart, and whether a cell passes 0.5 agrees on 99.9 % of cells. Since the conversion holds
    # the logits at a floor (2026-12-02) they are rounded 10 times finer, and the two kernels' differences reach
    # the output more often: on 64 bach validation windows 91 % of cells within one step (94 % before), both
    # runtimes as close to the float generator as each other (mean |int8 - float| 0.0083 and 0.0083); on this
    # melody 88 %.
    steps_apart = np.round(np.abs(theirs - ours) * 256)
    assert theirs.shape == ours.shape
    assert (steps_apart <= 1).mean() >= 0.85
    assert ((theirs > 0.5) == (ours > 0.5)).mean() >= 0.99


def test_a_composition_with_no_free_channels_left_is_refused_before_anything_is_made(bach):
    busy = [Track((Note(0, 60, BEAT),), channel=channel) for channel in range(16) if channel not in (9, 15)]
    with pytest.raises(AccompanimentError, match=r"only 1 MIDI channels are free .* needs 3"):
        bach.compose(Composition(tuple(busy)), chords="top")


def test_a_card_without_what_inference_needs_is_a_clear_error(tmp_path):
    import json

    copy_models(tmp_path)
    card = json.loads((tmp_path / "gan_bach.json").read_text())
    del card["melody_range"]
    (tmp_path / "gan_bach.json").write_text(json.dumps(card))
    with pytest.raises(runtime.ModelFileError, match="model card of gan_bach lacks melody_range"):
        accompany(tune(2), style="bach", folder=tmp_path)


def test_a_melody_too_wide_for_the_model_is_refused():
    wide = Composition((Track((Note(0, 30, BEAT), Note(BEAT, 100, BEAT))),))
    with pytest.raises(AccompanimentError, match=r"spans 70 semitones"):
        accompany(wide, style="bach")

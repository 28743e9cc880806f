"""The shipped accompaniment generators: melody in, three tracks out, the same for the same seed, any length,
clear errors for a bad request or a damaged file; the same output in ai-edge-litert and tflite-runtime 2.14."""

import json
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


def test_the_parts_are_written_as_voices_with_notes_struck_again(bach):
    """The generator writes per part a class per 16th (rest, pitch struck, pitch held): a pitch struck again
    is two notes, which a piano roll could not say. The notes of a part never overlap."""
    voices = bach.voices(melody_of(tune(8)), seed=1)
    for voice in voices:
        assert all(end > start and 0 <= pitch < 128 for start, end, pitch in voice)
        assert all(a[1] <= b[0] for a, b in zip(voice, voice[1:]))


@pytest.mark.parametrize("bars", [1, 2, 3, 9])
def test_any_length_is_accompanied_to_its_last_whole_bar(bach, bars):
    roll = bach.roll(melody_of(tune(bars)), seed=0)
    assert roll.shape[1] == bars * 16  # a melody shorter than the model's 4-bar window too


@pytest.mark.parametrize("meter, bars", [((3, 4), 5), ((6, 8), 3), ((2, 4), 7)])
def test_a_melody_in_another_meter_is_accompanied_to_its_own_last_bar_and_no_further(bach, meter, bars):
    steps = bars * 16 * meter[0] // meter[1]
    melody = Melody(np.resize([60, 62, 64, 65, 67, 65, 64, 62], steps).repeat(1), Bars.regular(meter))
    roll = bach.roll(melody, seed=1)
    assert roll.shape == (3, steps, 128) and roll[:, -8:].any()


def test_a_melody_that_changes_meter_is_accompanied_in_its_own_bars_to_its_last_one(bach):
    """Two bars of 4/4, then 3/4: read in its first meter alone, the accompaniment ran on to step 80."""
    notes = tuple(Note(beat * BEAT, 60 + 2 * (beat % 5), BEAT, 100) for beat in range(8 + 7))
    song = Composition((Track(notes),), time_signatures=(TimeSignature(0, 4, 4), TimeSignature(8 * BEAT, 3, 4)))
    roll = bach.roll(melody_of(song), seed=0)
    assert roll.shape[1] == 32 + 36 and roll[:, -8:].any()  # its last 3/4 bar ends there


def test_a_melody_of_one_beat_gets_one_bar(bach):
    assert bach.roll(Melody(np.array([67, 67, 67, 67])), seed=0).shape == (3, 16, 128)


def test_past_its_last_note_the_melody_is_read_as_holding_it(bach):
    one_beat, _ = bach.log_probability(Melody(np.array([67] * 4)), seed=4)
    a_bar_held, _ = bach.log_probability(Melody(np.array([67] * 16)), seed=4)
    assert np.array_equal(one_beat, a_bar_held)


def test_a_rest_inside_the_melody_stays_a_rest(bach):
    with_rest, _ = bach.log_probability(Melody(np.array([67] * 4 + [-1] * 8 + [69] * 4)), seed=4)
    held_through, _ = bach.log_probability(Melody(np.array([67] * 12 + [69] * 4)), seed=4)
    assert not np.allclose(with_rest, held_through)


def test_a_rest_of_a_bar_or_more_inside_the_melody_is_read_as_its_last_note_held(style):
    # The generator never learnt from a window with no melody: a bar of silence is read as the note held.
    accompanist = Accompanist(style, SHIPPED)
    with_rest, _ = accompanist.log_probability(Melody(np.array([67] * 8 + [-1] * 16 + [69] * 8)), seed=4)
    held = Melody(np.array([67] * 24 + [69] * 8), struck=np.isin(np.arange(32), [0, 24]))
    held_through, _ = accompanist.log_probability(held, seed=4)
    assert np.array_equal(with_rest, held_through)
    read_as_a_rest, _ = accompanist.log_probability(Melody(np.array([67] * 8 + [-1] * 16 + [69] * 8)), seed=4,
                                                    hold_rests=0)
    assert not np.allclose(read_as_a_rest, held_through)


def test_a_melody_an_octave_lower_gets_its_accompaniment_an_octave_lower(bach):
    high = bach.roll(melody_of(tune(4, low=60)), seed=5)
    low = bach.roll(melody_of(tune(4, low=48)), seed=5)
    assert np.array_equal(low[:, :, :-12], high[:, :, 12:])


def test_a_note_struck_again_in_the_melody_is_read_as_struck(bach):
    """The melody's onsets are part of what the generator reads: C C C C in quarters is not one whole note."""
    repeated = Melody(np.array([60] * 16), struck=np.arange(16) % 4 == 0)
    held = Melody(np.array([60] * 16), struck=np.arange(16) == 0)
    assert not np.allclose(bach.log_probability(repeated, seed=0)[0], bach.log_probability(held, seed=0)[0])


def test_different_seeds_give_different_accompaniments(bach):
    assert bach.compose(tune(4), seed=1) != bach.compose(tune(4), seed=2)


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
def test_tflite_runtime_2_14_writes_the_same_notes_for_the_same_seed(tmp_path, style):
    """LiteRT's XNNPACK delegate rounds int8 differently from the builtin kernels (the bach parts differed in
    35 to 41 % of sounding cells); inference runs without it, so both runtimes give the same logits bit for
    bit and the same notes."""
    melody = melody_of(tune(8))
    np.save(tmp_path / "melody.npy", melody.pitches)
    script = (
        "import sys, json, numpy as np\n"
        "from keycomposer.models.gan import Accompanist, Melody\n"
        "accompanist = Accompanist(sys.argv[1], sys.argv[2], runtime='tflite_runtime')\n"
        "melody = Melody(np.load(sys.argv[3]))\n"
        "logits = accompanist._generate(np.ones((1, accompanist.steps, accompanist.pitches + 1), np.float32),"
        " np.ones((1, accompanist.steps, accompanist.noise_channels), np.float32))\n"
        "np.save(sys.argv[4], logits)\n"
        "print(json.dumps([accompanist.voices(melody, seed) for seed in (0, 7)]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "host"))
    done = subprocess.run(
        [tflite_runtime_python(), "-c", script, style, str(SHIPPED), str(tmp_path / "melody.npy"),
         str(tmp_path / "logits.npy")], check=True, env=env, timeout=100, capture_output=True, text=True,
    )
    ours = Accompanist(style, SHIPPED, runtime="ai_edge_litert")
    logits = ours._generate(np.ones((1, ours.steps, ours.pitches + 1), np.float32),
                            np.ones((1, ours.steps, ours.noise_channels), np.float32))
    assert np.array_equal(np.load(tmp_path / "logits.npy"), logits)
    theirs = json.loads(done.stdout)
    assert theirs == [[[list(note) for note in voice] for voice in ours.voices(Melody(melody.pitches), seed)]
                      for seed in (0, 7)]


def test_a_composition_with_no_free_channels_left_is_refused_before_anything_is_made(bach):
    busy = [Track((Note(0, 60, BEAT),), channel=channel) for channel in range(16) if channel not in (9, 15)]
    with pytest.raises(AccompanimentError, match=r"only 1 MIDI channels are free .* needs 3"):
        bach.compose(Composition(tuple(busy)), chords="top")


def test_a_card_without_what_inference_needs_is_a_clear_error(tmp_path):
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


def test_before_the_melody_s_first_note_every_part_rests(style):
    pickup = Melody(np.concatenate([[-1] * 12, np.resize([67, 67, 69, 71, 72, 71, 69, 67], 64)]))
    roll = Accompanist(style, SHIPPED).roll(pickup, seed=0)
    assert not roll[:, :12].any()
    assert roll[:, 12:].any(axis=(1, 2)).all()

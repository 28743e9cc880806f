"""Setting a part's decoding: the numbers found make decoded voices behave as the target figures say."""

from types import SimpleNamespace

import numpy as np
import pytest

from keycomposer.models.bars import Bars
from keycomposer.models.voicing import BAR_STEPS, REST, PartDecoding, voice_roll
from tools.gan import calibrate
from tools.gan.data import Piece


def readings(count=4, bars=6, pitches=16, seed=0):
    """(probability (steps, pitches, 1), shift) pairs of a part that wanders, with a faint bar now and then."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        steps = bars * BAR_STEPS
        centre = 6 + np.round(np.cumsum(rng.normal(0, 0.5, steps))).astype(int) % 5
        probability = np.full((steps, pitches), 0.005)
        probability[np.arange(steps), centre] = rng.uniform(0.1, 0.6, steps)
        probability[np.arange(steps), centre + 1] = rng.uniform(0.05, 0.3, steps)
        faint = rng.integers(bars)
        probability[faint * BAR_STEPS:(faint + 1) * BAR_STEPS] *= 0.2
        out.append((probability[:, :, None], 0))
    return out


MOTION = {"note_lengths": (0.2, 0.4, 0.1, 0.3), "rest_lengths": (0.5, 0.5), "onsets": (2.0, 0.5, 1.0, 0.5) * 4,
          "intervals": tuple(np.where(np.abs(np.arange(-24, 25)) <= 2, 3.0, 0.5))}


@pytest.mark.parametrize("decoder", ["path", "sample", "notes"])
def test_the_decoding_found_reaches_figures_that_a_decoding_can_reach(decoder):
    accompanist = SimpleNamespace(lowest=48)
    read = readings()
    motion = MOTION if decoder == "notes" else {}
    aimed = PartDecoding(threshold=0.8, change_penalty=0.5 if decoder != "notes" else 0.0, bar_rest=0.4,
                         decoder=decoder, sharpness=2.0, relative=True, **motion)
    target = calibrate.decoded_figures(accompanist, read, 0, aimed)
    found = calibrate.calibrate_part(accompanist, read, 0, target, decoder, motion, log=lambda line: None)
    assert found["decoding"].decoder == decoder and found["decoding"].relative
    # The thresholds searched are quantiles of the part's own output: the aimed one lies between two, so a figure
    # may miss by up to its tolerance (the sum over six figures stays well under six).
    assert found["miss"] < 2.5
    for name in calibrate.PER_PART:  # these readings have no melody to follow
        assert found["validation"][name] == pytest.approx(target[name], abs=calibrate.TOLERANCE[name])
    assert np.isnan(target["follows_melody"])


def test_the_targets_are_each_part_s_figures_averaged_over_the_pieces():
    silent, busy = np.zeros((BAR_STEPS * 2, 128), bool), np.zeros((BAR_STEPS * 2, 128), bool)
    busy[:BAR_STEPS, 60] = True  # one C in the first bar, the second bar empty
    pieces = [Piece("a", np.stack([busy, busy, busy, busy])), Piece("b", np.stack([busy, silent, busy, busy]))]
    alto = calibrate.style_figures(pieces)[0]
    assert alto["sounding"] == pytest.approx(0.25)  # 0.5 in one piece, 0 in the other
    assert alto["empty_bar_rate"] == pytest.approx(0.75)
    assert alto["pitch_classes_per_bar"] == pytest.approx(1.0)  # the silent piece has no sounding bar to count
    assert alto["notes_per_bar"] == pytest.approx(0.25)
    assert alto["one_step_notes"] == 0.0  # the C lasts a bar; the silent piece has no note to count
    assert alto["mean_pitch"] == 60.0


def test_a_part_s_mean_pitch_counts_each_note_once_however_long_it_lasts():
    roll = np.zeros((BAR_STEPS, 128), bool)
    roll[:12, 48] = True  # a long C, then a short G
    roll[12:14, 55] = True
    assert calibrate.part_figures(roll)["mean_pitch"] == pytest.approx((48 + 55) / 2)


def test_the_motion_counts_each_parts_note_and_rest_lengths_where_its_notes_start_and_its_moves():
    alto = np.zeros((BAR_STEPS * 2, 128), bool)
    alto[0:4, 60] = alto[4:6, 62] = alto[8:12, 60] = alto[12:BAR_STEPS * 2, 64] = True  # a rest of 2 at step 6
    rhythm = calibrate.style_motion([Piece("a", np.stack([alto, alto, alto, alto]))], part=0)
    counted = {name: np.round(np.array(weights) * (4 + 0.5 * len(weights)) if name == "note_lengths" else weights, 6)
               for name, weights in rhythm.items()}
    assert counted["note_lengths"][[1, 3, 19]].tolist() == [1.5, 2.5, 1.5]  # lengths 2, 4 (twice), 20; + half a count
    assert len(rhythm["note_lengths"]) == len(rhythm["rest_lengths"]) == calibrate.RHYTHM_STEPS
    assert np.argmax(rhythm["rest_lengths"]) == 1  # its only rest lasts 2 steps
    onsets = np.array(rhythm["onsets"])
    assert onsets.mean() == pytest.approx(1.0)
    assert set(np.flatnonzero(onsets > onsets.min())) == {0, 4, 8, 12}
    intervals = np.array(rhythm["intervals"])
    assert intervals.mean() == pytest.approx(1.0) and len(intervals) == 2 * calibrate.WIDEST + 1
    # C to D (+2) and C to E (+4) go straight from note to note; D to C comes after a rest, so it is no move
    assert set(np.flatnonzero(intervals > intervals.min()) - calibrate.WIDEST) == {2, 4}


def test_notes_start_by_their_place_in_the_bars_of_each_piece_s_own_meter():
    waltz = np.zeros((12 * calibrate.METER_NOTES, 128), bool)
    waltz[::12, 60] = True  # a 16th on every 3/4 downbeat: just enough notes for weights of its own
    common = np.zeros((BAR_STEPS * 2, 128), bool)
    common[4, 60] = common[12, 62] = True  # in 4/4, on beats 2 and 4
    jig = np.zeros((12 * 2, 128), bool)
    jig[0, 60] = True  # too few 6/8 notes for weights of their own
    rhythm = calibrate.style_motion([Piece("a", np.stack([waltz] * 4), (3, 4)), Piece("b", np.stack([common] * 4)),
                                     Piece("c", np.stack([jig] * 4), (6, 8))], part=0)
    assert set(np.flatnonzero(np.array(rhythm["onsets"]) > 1)) == {4, 12}  # 4/4 weights from 4/4 bars alone
    (meter, weights), = rhythm["meter_onsets"]
    assert meter == "3/4" and len(weights) == 12 and np.argmax(weights) == 0 and np.mean(weights) == pytest.approx(1)


def test_where_a_piece_changes_meter_its_notes_and_bars_are_counted_in_the_new_meter():
    # two silent bars of 4/4, then a 3/4 movement opening with a one-beat pickup (its bar lacks 8 16ths)
    roll = np.zeros((32 + 4 + 12 * calibrate.METER_NOTES, 128), bool)
    roll[32, 60] = True  # the pickup: the last beat of a 3/4 bar
    roll[36::12, 62] = True  # every 3/4 downbeat after it
    piece = Piece("suite", np.stack([roll] * 4), (4, 4), ((32, (3, 4), 8),))
    (meter, weights), = calibrate.style_motion([piece], part=0)["meter_onsets"]
    assert meter == "3/4" and np.argmax(weights) == 0 and weights[8] > weights[1] == weights[4]
    alto = calibrate.style_figures([piece])[0]
    assert alto["empty_bar_rate"] == pytest.approx(2 / (2 + 1 + calibrate.METER_NOTES))


def test_empty_bars_and_pitch_classes_per_bar_are_counted_in_the_piece_s_own_bars():
    roll = np.zeros((12 * 4, 128), bool)
    roll[:12, 60] = roll[24:36, 64] = True  # 3/4: bars 1 and 3 sound, 2 and 4 rest
    piece = Piece("waltz", np.stack([roll] * 4), (3, 4))
    alto = calibrate.style_figures([piece])[0]
    assert alto["empty_bar_rate"] == 0.5 and alto["pitch_classes_per_bar"] == 1.0
    assert calibrate.part_figures(roll)["empty_bar_rate"] == 0.0  # read in 4/4 bars, no bar of 16 is empty
    assert alto["notes_per_bar"] == pytest.approx(2 / 3)  # notes per 16 steps, whatever the meter


def test_a_flicker_to_a_neighbour_and_back_is_counted_as_one_step_notes():
    roll = np.zeros((8, 128), bool)
    roll[:3, 60] = roll[3, 62] = roll[4:, 60] = True  # C, a 16th of D, C again
    assert calibrate.part_figures(roll)["one_step_notes"] == pytest.approx(1 / 3)


class FakeAccompanist:
    """One track whose probabilities are `readings`' wandering part, whatever the melody."""

    style, lowest, tracks = "fake", 48, [("Alto", 52)]

    def probability(self, melody, seed=0):
        return readings(count=1, seed=seed)[0]


def test_the_searches_find_the_same_decoding_side_by_side_as_one_after_another(monkeypatch):
    for grid, values in (("THRESHOLD_QUANTILES", (0.0, 0.3)), ("BAR_QUANTILES", (0.0, 0.1)),
                         ("CHANGE_PENALTIES", (0.0, 1.0)), ("SHARPNESSES", (1.0, 2.0)),
                         ("NOTE_SHARPNESSES", (2.0, 3.0)), ("RHYTHM_WEIGHTS", (1.0, 2.0)),
                         ("INTERVAL_WEIGHTS", (0.0, 1.0)), ("NOTE_COSTS", (0.0, 1.0))):
        monkeypatch.setattr(calibrate, grid, values)  # small grids: the same searches, sooner
    piece = np.zeros((2, BAR_STEPS * 4, 128), bool)
    piece[0, :, 72] = True
    piece[1, ::4, 60] = piece[1, 1::4, 62] = True  # 16ths with rests between
    splits = {"train": [Piece("a", piece)], "valid": [Piece("b", piece), Piece("c", piece)]}
    together = calibrate.calibrate(FakeAccompanist(), splits, jobs=2)
    assert together == calibrate.calibrate(FakeAccompanist(), splits, jobs=1)
    assert together["decoding_calibration"]["validation_readings"] == 2 * calibrate.SEEDS
    assert together["decoding"][0]["decoder"] in ("path", "sample", "notes")


def test_the_card_keeps_everything_but_the_old_decode_fields(tmp_path):
    card = tmp_path / "gan_x.json"
    card.write_text('{"name": "gan_x", "threshold": [0.1], "change_penalty_rule": "old", "sha256": "abc"}')
    calibrate.write_decoding(card, {"decoding": [{"decoder": "path", "threshold": 0.2}]})
    assert card.read_text().count("threshold") == 1
    import json

    assert json.loads(card.read_text()) == {"name": "gan_x", "sha256": "abc",
                                            "decoding": [{"decoder": "path", "threshold": 0.2}]}


def test_a_part_that_never_sounds_is_far_from_any_target_that_sounds():
    silent = calibrate.mean_figures([calibrate.part_figures(np.zeros((BAR_STEPS * 2, 128), bool))] * 2)
    assert np.isnan(silent["pitch_classes_per_bar"])
    target = {"sounding": 0.05, "empty_bar_rate": 0.9, "pitch_classes_per_bar": 1.0, "notes_per_bar": 0.1,
              "one_step_notes": 0.1, "stepwise_motion": 0.5, "mean_pitch": 60.0}
    assert calibrate.miss(silent, target) == pytest.approx(1 + 5 + 5 + 0.2 + 2 + 10 + 60)


def test_a_decoded_voice_becomes_a_roll_sounding_its_pitches_over_the_model_s_band():
    roll = voice_roll(np.array([3, REST, 0, REST]), lowest=40)
    assert roll.shape == (4, 128) and roll.any(axis=1).tolist() == [True, False, True, False]
    assert np.flatnonzero(roll.any(axis=0)).tolist() == [40, 43]
    beyond = voice_roll(np.array([1, 30]), lowest=100)  # 101 sounds; 130 is no MIDI pitch
    assert np.flatnonzero(beyond.any(axis=0)).tolist() == [101]


def test_decoded_figures_sit_where_inference_writes_them_with_the_melody_s_octave_shift_undone():
    probability, _ = readings(count=1)[0]
    decoding = PartDecoding(threshold=0.5, relative=True)
    unshifted = calibrate.decoded_figures(SimpleNamespace(lowest=48), [(probability, 0)], 0, decoding)
    shifted = calibrate.decoded_figures(SimpleNamespace(lowest=48), [(probability, 12)], 0, decoding)
    assert shifted["mean_pitch"] == pytest.approx(unshifted["mean_pitch"] - 12)
    assert shifted["pitch_classes_per_bar"] == unshifted["pitch_classes_per_bar"]


def test_searching_only_the_register_keeps_every_other_number_of_the_known_decoding():
    accompanist, read = SimpleNamespace(lowest=48), readings()
    known = PartDecoding(threshold=0.8, change_penalty=0.7, bar_rest=0.4, decoder="notes", sharpness=2.2,
                         relative=True, rhythm_weight=1.1, interval_weight=1.3, **MOTION)
    higher = PartDecoding(**{**known.__dict__, "register": 3.0})
    target = calibrate.decoded_figures(accompanist, read, 0, higher)
    assert target["mean_pitch"] > calibrate.decoded_figures(accompanist, read, 0, known)["mean_pitch"]
    found = calibrate.calibrate_part(accompanist, read, 0, target, "notes", MOTION, log=lambda line: None,
                                     known=known, only=("register",))
    assert found["decoding"] == higher and found["miss"] == 0.0


def line_of_notes(lengths, bars=8, pitch=60):
    """A line (per step a pitch or -1) whose notes last ``lengths[k]`` steps in its k-th stretch of ``bars`` bars."""
    return np.concatenate([[pitch + 2 * ((step // length) % 2) for step in range(bars * BAR_STEPS)]
                           for length in lengths])


def test_how_a_part_follows_the_melody_is_the_slope_of_its_notes_per_bar_on_the_melody_s():
    melody = line_of_notes([16, 4, 2, 8])  # 1, 4, 8 and 2 notes per bar, a stretch of 8 bars each
    doubling, halving, steady = line_of_notes([16, 4, 2, 8]), line_of_notes([32, 8, 4, 16]), line_of_notes([4] * 4)
    assert calibrate.line_notes_per_bar(melody).tolist() == [1.0, 4.0, 8.0, 2.0]
    assert calibrate.follows_melody([(melody, doubling)]) == pytest.approx(1.0)
    assert calibrate.follows_melody([(melody[:256], halving[:256]), (melody[256:], halving[256:])]) == pytest.approx(0.5)
    assert calibrate.follows_melody([(melody, steady)]) == pytest.approx(0.0)
    assert np.isnan(calibrate.follows_melody([(melody[:256], doubling[:256])]))  # two stretches tell no slope


def test_the_style_s_parts_follow_its_melodies_as_its_pieces_do_and_its_melodies_set_the_pace():
    def roll(line):
        out = np.zeros((len(line), 128), bool)
        out[np.arange(len(line)), line] = True
        return out

    melody, follower = line_of_notes([16, 4, 2], pitch=72), line_of_notes([16, 4, 2])
    steady = line_of_notes([4, 4, 4])
    piece = np.stack([roll(melody), roll(follower), roll(steady), roll(steady)])
    alto, tenor, _ = calibrate.style_figures([Piece("a", piece)])
    assert alto["follows_melody"] == pytest.approx(1.0) and tenor["follows_melody"] == pytest.approx(0.0)
    assert calibrate.style_motion([Piece("a", piece)], part=0)["melody_notes_per_bar"] == pytest.approx((1 + 4 + 8) / 3)


def test_searching_only_the_pace_finds_how_a_part_follows_the_melody():
    accompanist = SimpleNamespace(lowest=48)
    melody = line_of_notes([16, 2, 8, 4])
    read = [(probability, shift, melody) for probability, shift in readings(count=3, bars=32)]
    motion = {**MOTION, "melody_notes_per_bar": 4.0}
    known = PartDecoding(threshold=0.5, change_penalty=1.0, decoder="notes", sharpness=2.0, relative=True, **motion)
    paced = PartDecoding(**{**known.__dict__, "pace": 1.5})
    target = calibrate.decoded_figures(accompanist, read, 0, paced)
    assert target["follows_melody"] > calibrate.decoded_figures(accompanist, read, 0, known)["follows_melody"] + 0.3
    found = calibrate.calibrate_part(accompanist, read, 0, target, "notes", motion, log=lambda line: None,
                                     known=known, only=("pace",))
    assert found["decoding"] == paced and found["miss"] == 0.0


def test_searching_only_some_blocks_needs_a_known_decoding_of_the_decoder_searched():
    with pytest.raises(ValueError, match="needs a known notes decoding"):
        calibrate.calibrate_part(SimpleNamespace(lowest=48), readings(count=1), 0, {}, "notes", MOTION,
                                 only=("register",))


class SeedRecorder(FakeAccompanist):
    """FakeAccompanist that notes every seed it is asked for, decoded by the card's (here: one) decoding."""

    decoding = [PartDecoding(threshold=0.5, change_penalty=0.0, bar_rest=0.0, relative=True)]

    def __init__(self):
        self.seeds = []

    def probability(self, melody, seed=0):
        self.seeds.append(seed)
        return super().probability(melody, seed)


def pieces(count):
    piece = np.zeros((2, BAR_STEPS * 2, 128), bool)
    piece[0, :, 72] = True
    for start, pitch in zip(range(0, BAR_STEPS * 2, 2), [60, 62, 64, 60] * 4):  # 8ths that move
        piece[1, start:start + 2, pitch] = True
    return [Piece(f"p{index}", piece) for index in range(count)]


def test_each_validation_melody_is_read_once_per_seed_from_the_first_seed_on():
    recorder = SeedRecorder()
    read = calibrate.readings(recorder, pieces(2)[:1] + [Piece("waltz", pieces(1)[0].parts, (3, 4))], seeds=3,
                              first_seed=100)
    assert len(read) == 6 and recorder.seeds == [100, 101, 102, 103, 104, 105]
    assert [bars for *_, bars in read] == [Bars()] * 3 + [Bars.regular((3, 4))] * 3


def test_judging_a_decoding_reads_fresh_seeds_a_set_at_a_time():
    recorder = SeedRecorder()
    by_figure = calibrate.judge(recorder, {"train": pieces(1), "valid": pieces(3)}, seed_sets=2, seeds=2)
    # pieces of 2 bars have no stretch long enough to tell how a part follows the melody
    assert [[set(part) for part in row] for row in by_figure] == [[set(calibrate.PER_PART)]] * 2
    misses = [[sum(part.values()) for part in row] for row in by_figure]
    assert all(np.isfinite(misses).ravel())
    first, second = recorder.seeds[:6], recorder.seeds[6:]
    assert min(first) >= calibrate.JUDGE_SEEDS and not set(first) & set(second)
    assert misses[0] != misses[1]  # the sets differ in their draws, which is what judging them shows


def test_judging_can_start_past_the_seed_sets_that_decided_before():
    recorder = SeedRecorder()
    calibrate.judge(recorder, {"train": pieces(1), "valid": pieces(1)}, seed_sets=2, seeds=1, first_set=9)
    assert recorder.seeds == [9 * calibrate.JUDGE_SEEDS, 10 * calibrate.JUDGE_SEEDS]


def test_the_card_names_the_seeds_a_calibration_read(monkeypatch):
    for grid, values in (("THRESHOLD_QUANTILES", (0.0, 0.3)), ("BAR_QUANTILES", (0.0,)), ("CHANGE_PENALTIES", (0.0,)),
                         ("STARTING_PENALTIES", (0.3,))):
        monkeypatch.setattr(calibrate, grid, values)
    splits = {"train": pieces(1), "valid": pieces(2)}
    found = calibrate.calibrate(FakeAccompanist(), splits, decoders=("path",), seeds=3)["decoding_calibration"]
    assert found["validation_readings"] == 6
    assert found["command"].endswith("--decoders path --seeds 3")


def test_a_search_that_also_starts_from_a_known_decoding_never_ends_further_off_than_it():
    accompanist, read = SimpleNamespace(lowest=48), readings()
    known = PartDecoding(threshold=0.8, change_penalty=0.7, bar_rest=0.4, decoder="notes", sharpness=2.2,
                         relative=True, rhythm_weight=1.1, interval_weight=1.3, **MOTION)  # off every grid
    target = calibrate.decoded_figures(accompanist, read, 0, known)
    found = calibrate.calibrate_part(accompanist, read, 0, target, "notes", MOTION, log=lambda line: None, known=known)
    assert found["miss"] == 0.0
    assert calibrate.miss(calibrate.decoded_figures(accompanist, read, 0, found["decoding"]), target) == 0.0


class CalibratedBefore(FakeAccompanist):
    """FakeAccompanist whose card already holds a decoding, and the command that found it."""

    decoding = [PartDecoding(threshold=0.5, change_penalty=0.3, relative=True)]
    model = SimpleNamespace(card={"decoding_calibration": {"command": "python -m tools.gan.calibrate --style fake"}})


def test_searching_only_the_register_from_the_card_changes_nothing_else_and_names_where_it_started():
    found = calibrate.calibrate(CalibratedBefore(), {"train": pieces(1), "valid": pieces(2)}, from_card=True,
                                only=("register",))
    entry, record = found["decoding"][0], found["decoding_calibration"]
    assert {k: v for k, v in entry.items() if k != "register"} == CalibratedBefore.decoding[0].to_card()
    assert record["command"].endswith("--from-card --blocks register")
    assert record["started_from"] == "python -m tools.gan.calibrate --style fake"
    assert record["rule"].endswith("only register searched, from the card's decoding before")


def test_searching_only_some_blocks_starts_from_the_card():
    with pytest.raises(ValueError, match="needs from_card"):
        calibrate.calibrate(CalibratedBefore(), {"train": pieces(1), "valid": pieces(2)}, only=("register",))

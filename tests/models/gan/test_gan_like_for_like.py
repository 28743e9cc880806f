"""tools/gan/like_for_like.py: each rule's numbers as set on a fold, put into that rule's card's decoding."""

import json

import pytest

from keycomposer.models import runtime
from keycomposer.models.voicing import PartDecoding
from tools.gan import like_for_like

SHIPPED = runtime.models_dir()  # models_tflite/, or KEYCOMPOSER_MODELS_DIR

FOLDS = {"A->B": {"set": {"bar_rest": [0.6, 0.7], "threshold": [0.8, 0.75]}, "movements": 18},
         "B->A": {"set": {"bar_rest": [0.5, 0.65], "threshold": [0.7, 0.72]}, "movements": 14}}


def test_each_fold_s_numbers_replace_the_card_s_and_nothing_else_moves():
    card = [PartDecoding(threshold=0.9, change_penalty=1.5, bar_rest=0.4, register=1.0),
            PartDecoding(threshold=0.9, change_penalty=0.5, bar_rest=0.4)]
    folds = like_for_like.fold_decodings(card, FOLDS)
    assert [d.bar_rest for d in folds["A->B"]] == [0.6, 0.7]
    assert [d.threshold for d in folds["B->A"]] == [0.7, 0.72]
    assert [d.change_penalty for d in folds["B->A"]] == [1.5, 0.5]
    assert folds["A->B"][0].register == 1.0
    assert [d.bar_rest for d in card] == [0.4, 0.4]  # the card's own decoding is untouched


def test_a_card_without_the_rule_s_folds_is_named_before_any_model_is_read(tmp_path, capsys):
    card = json.loads((SHIPPED / "gan_quartet.json").read_text())
    card["decoding_calibration"].pop("note_cost_and_rests", None)
    (tmp_path / "gan_quartet.json").write_text(json.dumps(card))
    with pytest.raises(SystemExit):
        like_for_like.main(["--style", "quartet", "--candidate", str(tmp_path), "--candidate-key",
                            "note_cost_and_rests", "--baseline-key", "note_cost_and_rests"])
    assert "candidate card has no folds A->B and B->A under decoding_calibration.note_cost_and_rests" \
        in capsys.readouterr().err


def test_a_baseline_card_that_moved_on_since_the_candidate_s_rule_started_is_caught():
    baseline = [PartDecoding(threshold=0.9, change_penalty=1.5), PartDecoding(threshold=0.8, change_penalty=0.5)]
    assert like_for_like.started_elsewhere({"change_penalty": [1.5, 0.5], "threshold": [0.9, 0.8]}, baseline) == []
    # the rule started where the baseline card's note costs were 1.5 and 0.4: its fold is not that card plus numbers
    assert like_for_like.started_elsewhere({"change_penalty": [1.5, 0.4], "threshold": [0.9, 0.8]},
                                           baseline) == ["change_penalty"]

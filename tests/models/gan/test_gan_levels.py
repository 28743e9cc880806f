"""tools/gan/levels.py: a decoding in its fixed and its relative form, exchanged at one level."""

import numpy as np
import pytest

from keycomposer.models.voicing import BAR_STEPS, REST, PartDecoding, part_level
from tools.gan import levels


def quiet_bar_part(scale=1.0):
    """(steps, pitches) probabilities of a part over 3 bars, its middle bar heard faintly."""
    probability = np.full((3 * BAR_STEPS, 8), 0.01)
    probability[:, 4] = np.tile([0.4, 0.3, 0.35, 0.45], 3 * BAR_STEPS // 4)
    probability[BAR_STEPS:2 * BAR_STEPS] *= 0.3
    return probability * scale


@pytest.mark.parametrize("card", [PartDecoding(0.2, 0.5, 0.25), PartDecoding(0.6, 0.5, 0.7, relative=True)])
def test_both_forms_of_a_decoding_voice_a_part_alike_at_the_level_they_are_exchanged_at(card):
    probability = quiet_bar_part()
    forms = levels.both_forms(card, part_level(probability))
    assert not forms["fixed"].relative and forms["relative"].relative
    assert card in forms.values()
    fixed, relative = (forms[form].voice(probability) for form in ("fixed", "relative"))
    assert (fixed == relative).all()
    assert (fixed[BAR_STEPS:2 * BAR_STEPS] == REST).all() and (fixed[:BAR_STEPS] != REST).all()
    # Where the generator is less sure of the whole part, only the fixed form rests more.
    quieter = quiet_bar_part(0.5)
    assert (forms["relative"].voice(quieter) == relative).all()
    assert (forms["fixed"].voice(quieter) == REST).sum() > (fixed == REST).sum()


"""The Kneser-Ney baseline: a proper distribution that prefers what it has counted."""

import numpy as np

from tools.bench.kneser_ney import KneserNey


def test_probabilities_sum_to_one_and_follow_the_counts():
    streams = [[1, 5, 6, 7, 5, 6, 7, 5, 6, 8], [1, 5, 6, 7, 9]]
    model = KneserNey(streams, order=3, vocab=12, pad=0)
    for history in ([5, 6], [6, 7], [9, 9], []):
        p = np.exp(model.next_logits(history))
        assert abs(p.sum() - 1.0) < 1e-9
        assert p[0] == 0.0  # pad is never predicted
    assert np.argmax(model.next_logits([5, 6])) == 7
    assert np.argmax(model.next_logits([6, 7])) == 5


def test_perplexity_is_lower_on_what_was_counted():
    seen = [[1, 2, 3, 4, 2, 3, 4, 2, 3, 4]]
    model = KneserNey(seen * 3, order=3, vocab=8)
    familiar, n = model.nll(seen)
    strange, m = model.nll([[1, 4, 3, 2, 4, 3, 2, 4, 3, 2]])
    assert familiar / n < strange / m

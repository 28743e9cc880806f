"""An interpolated Kneser-Ney n-gram model over tokens (Chen and Goodman 1998, one discount per order): the fair
baseline for a token model's perplexity, and a generator to set beside it.

    P_k(w | h) = (max(c_k(h w) - D_k, 0) + D_k N_k(h .) P_{k-1}(w | h')) / c_k(h .)

c_n are raw counts at the highest order; lower orders count the distinct tokens seen before `h w` (continuation
counts); N_k(h .) is the number of distinct tokens after h; D_k = n1 / (n1 + 2 n2) from that order's counts of
counts; a history never seen hands its whole weight down; the order below unigrams is uniform over the tokens
that can be predicted. Counting is vectorized: a k-gram of tokens below 256 is packed into one integer.
"""

from __future__ import annotations

import numpy as np

BITS = 8


def _pack(windows: np.ndarray) -> np.ndarray:
    """(m, k) tokens -> m integers, the first token in the highest bits."""
    out = np.zeros(len(windows), dtype=np.int64)
    for column in range(windows.shape[1]):
        out = (out << BITS) | windows[:, column].astype(np.int64)
    return out


def _lookup(keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    at = np.clip(np.searchsorted(keys, queries), 0, max(len(keys) - 1, 0))
    found = (keys[at] == queries) if len(keys) else np.zeros(len(queries), bool)
    return np.where(found, values[at] if len(keys) else 0, 0)


class KneserNey:
    def __init__(self, streams, order: int, vocab: int, pad: int = 0):
        """`streams`: token sequences (each is left-padded with `pad`, which is never predicted)."""
        if vocab > 1 << BITS:
            raise ValueError(f"tokens must be below {1 << BITS}")
        self.order, self.vocab, self.pad = order, vocab, pad
        grams = np.concatenate([self._windows(np.asarray(s), order) for s in streams])
        packed = _pack(grams)
        self.tables = [None] * (order + 1)  # per order k: keys, counts, context keys, totals, types, discount
        keys, counts = np.unique(packed, return_counts=True)
        for k in range(order, 0, -1):
            contexts, inverse = np.unique(keys >> BITS, return_inverse=True)
            totals = np.bincount(inverse, weights=counts).astype(np.int64)
            types = np.bincount(inverse).astype(np.int64)
            n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
            discount = n1 / (n1 + 2 * n2) if n1 + n2 else 0.5
            self.tables[k] = (keys, counts, contexts, totals, types, discount)
            # the order below counts the distinct tokens seen before each of its k-1-grams
            keys, counts = np.unique(keys & ((1 << (BITS * (k - 1))) - 1), return_counts=True)

    def _windows(self, tokens: np.ndarray, k: int) -> np.ndarray:
        padded = np.concatenate([np.full(self.order - 1, self.pad, dtype=np.int64), tokens.astype(np.int64)])
        return np.lib.stride_tricks.sliding_window_view(padded, k)[self.order - k:]

    def probabilities(self, histories: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """P(target | history) for rows of (order - 1) history tokens and their targets."""
        histories = np.asarray(histories, dtype=np.int64).reshape(len(targets), self.order - 1)
        targets = np.asarray(targets, dtype=np.int64)
        p = np.full(len(targets), 1.0 / (self.vocab - 1))  # uniform over every token but pad
        for k in range(1, self.order + 1):
            keys, counts, contexts, totals, types, discount = self.tables[k]
            context = _pack(histories[:, self.order - k:]) if k > 1 else np.zeros(len(targets), np.int64)
            gram = (context << BITS) | targets
            c = _lookup(keys, counts, gram)
            total = _lookup(contexts, totals, context)
            distinct = _lookup(contexts, types, context)
            seen = total > 0
            p = np.where(seen, (np.maximum(c - discount, 0) + discount * distinct * p) / np.maximum(total, 1), p)
        return p

    def nll(self, streams) -> tuple:
        """(total -log p over every token after the first of each stream, count)."""
        total, count = 0.0, 0
        for tokens in streams:
            tokens = np.asarray(tokens, dtype=np.int64)
            windows = self._windows(tokens, self.order)[1:]
            total -= float(np.log(self.probabilities(windows[:, :-1], windows[:, -1])).sum())
            count += len(windows)
        return total, count

    def next_logits(self, history) -> np.ndarray:
        """log P(w | history) for every token w (pad: -inf), for sampling."""
        history = np.concatenate([np.full(self.order - 1, self.pad), np.asarray(history, np.int64)])[-(self.order - 1):]
        targets = np.arange(self.vocab)
        p = self.probabilities(np.tile(history, (self.vocab, 1)), targets)
        logits = np.log(np.maximum(p, 1e-300))
        logits[self.pad] = -np.inf
        return logits

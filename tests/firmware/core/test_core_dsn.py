"""DSN properties under CPython, over many more ids than the MicroPython script checks."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core_harness import import_core

import_core()
from core.dsn import ALPHABET, dsn_from_unique_id, dsn_is_valid, unique_id_from_dsn  # noqa: E402


def random_ids(seed, n):
    rng = random.Random(seed)
    return [bytes(rng.randrange(256) for _ in range(8)) for _ in range(n)]


@pytest.mark.parametrize("seed", range(4))
def test_every_single_wrong_character_is_caught(seed):
    for uid in random_ids(seed, 100):
        dsn = dsn_from_unique_id(uid)
        for i in range(16):
            for c in ALPHABET:
                if c != dsn[i]:
                    assert not dsn_is_valid(dsn[:i] + c + dsn[i + 1:]), (dsn, i, c)


@pytest.mark.parametrize("seed", range(4))
def test_every_swap_of_neighbours_is_caught(seed):
    swaps = 0
    for uid in random_ids(100 + seed, 2000):
        dsn = dsn_from_unique_id(uid)
        for i in range(15):
            if dsn[i] != dsn[i + 1]:
                assert not dsn_is_valid(dsn[:i] + dsn[i + 1] + dsn[i] + dsn[i + 2:]), (dsn, i)
                swaps += 1
    assert swaps > 20000


def test_swaps_with_the_check_character_and_every_character_pair():
    # Exhaustive over the alphabet: every pair of distinct characters at every neighbouring position.
    dsn = dsn_from_unique_id(bytes.fromhex("e6613852d34f2a21"))
    for i in range(15):
        for a in ALPHABET:
            for b in ALPHABET:
                if a == b:
                    continue
                body = dsn[:i] + a + b + dsn[i + 2:]
                if dsn_is_valid(body):
                    assert not dsn_is_valid(dsn[:i] + b + a + dsn[i + 2:]), (body, i)


@given(st.binary(min_size=8, max_size=8))
def test_round_trip_and_form(uid):
    dsn = dsn_from_unique_id(uid)
    assert len(dsn) == 16 and all(c in ALPHABET for c in dsn)
    assert dsn_is_valid(dsn)
    assert unique_id_from_dsn(dsn) == uid  # injective: the id comes back


def test_check_value_36_is_moved_by_the_first_character():
    # About 1 id in 37 would need a check value of 36, which has no character.
    flagged = [uid for uid in random_ids(9, 3000) if dsn_from_unique_id(uid)[0] == "1"]
    assert 40 < len(flagged) < 130
    for uid in flagged:
        assert unique_id_from_dsn(dsn_from_unique_id(uid)) == uid
    plain = [uid for uid in random_ids(9, 3000) if dsn_from_unique_id(uid)[0] == "0"]
    assert len(plain) + len(flagged) == 3000


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="8 bytes"):
        dsn_from_unique_id(b"\x01\x02")
    with pytest.raises(ValueError, match="not a valid DSN"):
        unique_id_from_dsn("003I4G9P1MWSZDTQ")
    # Valid by the check character, but no unique id makes a DSN starting with Z.
    for c in ALPHABET:
        candidate = "Z03I4G9P1MWSZDT" + c
        if dsn_is_valid(candidate):
            with pytest.raises(ValueError, match="not made from a unique id"):
                unique_id_from_dsn(candidate)

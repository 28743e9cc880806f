"""The host's DSN check: what a person types from the back of the keyboard."""

import json
import random
from pathlib import Path

import pytest

from keycomposer.device.dsn import ALPHABET, DsnError, check_dsn, format_dsn, is_valid_dsn

VECTORS = Path(__file__).parents[2] / "vectors" / "dsn.json"


def make_valid_dsn(rng: random.Random) -> str:
    """Fifteen random characters and the one check character that makes the weighted sum 0 mod 37."""
    while True:
        body = [rng.randrange(36) for _ in range(15)]
        partial = sum((i + 1) * v for i, v in enumerate(body)) % 37
        check = (-partial * pow(16, -1, 37)) % 37
        if check < 36:
            return "".join(ALPHABET[v] for v in body + [check])


def test_spaces_dashes_and_case_are_ignored():
    dsn = make_valid_dsn(random.Random(1))
    typed = "  " + format_dsn(dsn).lower().replace("-", " - ") + " "
    assert check_dsn(typed) == dsn


@pytest.mark.parametrize("seed", range(40))
def test_every_single_wrong_character_is_caught(seed):
    dsn = make_valid_dsn(random.Random(seed))
    for position in range(16):
        for replacement in ALPHABET:
            if replacement != dsn[position]:
                assert not is_valid_dsn(dsn[:position] + replacement + dsn[position + 1:])


@pytest.mark.parametrize("seed", range(40))
def test_every_swap_of_neighbours_is_caught(seed):
    dsn = make_valid_dsn(random.Random(1000 + seed))
    for i in range(15):
        if dsn[i] != dsn[i + 1]:
            assert not is_valid_dsn(dsn[:i] + dsn[i + 1] + dsn[i] + dsn[i + 2:])


@pytest.mark.parametrize(
    "typed, complaint",
    [
        ("", "empty"),
        ("ABCD-EFGH", "16 characters"),
        ("ABCD-EFGH-IJKL-MN?P", "'?'"),
    ],
)
def test_malformed_dsns_say_what_is_wrong(typed, complaint):
    with pytest.raises(DsnError, match=complaint.replace("?", r"\?")):
        check_dsn(typed)


def test_a_typo_is_called_mistyped():
    dsn = make_valid_dsn(random.Random(7))
    typo = dsn[:3] + ("A" if dsn[3] != "A" else "B") + dsn[4:]
    with pytest.raises(DsnError, match="mistyped"):
        check_dsn(typo)


@pytest.mark.skipif(not VECTORS.exists(), reason="tests/vectors/dsn.json is written by the firmware's tests")
def test_agrees_with_the_firmware_vectors():
    vectors = json.loads(VECTORS.read_text())
    valid = [v["dsn"] for v in vectors.get("valid", [])]
    invalid = [v["dsn"] if isinstance(v, dict) else v for v in vectors.get("invalid", [])]
    assert valid, "the vectors hold no valid DSN"
    assert all(is_valid_dsn(d) for d in valid)
    assert not any(is_valid_dsn(d) for d in invalid)

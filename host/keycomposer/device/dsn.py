"""The keyboard's serial number (DSN), as the person types it from the back of the keyboard.

The host's own reading of the rule in firmware/PROTOCOL.md (the host never imports firmware code; both
wings check themselves against tests/vectors/dsn.json): 16 characters from 0-9A-Z, valued 0..35, valid
when ``sum(i * a_i for i in 1..16) % 37 == 0``. Because 37 is prime and every weight differs from its
neighbour by 1, any single wrong character and any swap of neighbours breaks the sum.
"""

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LENGTH = 16
_MODULUS = 37
_IGNORED = " -\t"


class DsnError(ValueError):
    """A DSN that cannot be right; the message says why, in words a person can act on."""


def normalize_dsn(text: str) -> str:
    """Upper-case ``text`` and drop spaces and dashes, as people copy DSNs in groups."""
    return "".join(ch for ch in text.upper() if ch not in _IGNORED)


def _weighted_sum(dsn: str) -> int:
    return sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(dsn)) % _MODULUS


def check_dsn(text: str) -> str:
    """Return the normalized DSN, or raise DsnError saying what is wrong with what was typed."""
    dsn = normalize_dsn(text)
    if not dsn:
        raise DsnError("the DSN is empty: type the 16 characters printed on the back of the keyboard")
    bad = sorted({ch for ch in dsn if ch not in ALPHABET})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        raise DsnError(f"the DSN may only hold letters A-Z and digits 0-9; it has {shown}")
    if len(dsn) != LENGTH:
        raise DsnError(f"a DSN has {LENGTH} characters; {dsn!r} has {len(dsn)}")
    if _weighted_sum(dsn) != 0:
        raise DsnError(
            f"{dsn!r} is mistyped: its check character does not match "
            "(a wrong character or two swapped neighbours); compare it with the label again"
        )
    return dsn


def is_valid_dsn(text: str) -> bool:
    """True when ``text`` normalizes to a well-formed DSN with a matching check character."""
    try:
        check_dsn(text)
    except DsnError:
        return False
    return True


def format_dsn(dsn: str) -> str:
    """Group a DSN in fours for display: ``ABCD-EFGH-IJKL-MNOP``."""
    return "-".join(dsn[i:i + 4] for i in range(0, len(dsn), 4))

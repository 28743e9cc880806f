"""The device serial number (DSN): 16 characters from 0-9A-Z, derived from the MCU's unique id.

Characters are valued 0..35 in ALPHABET order. A DSN is valid when its weighted sum is 0 mod 37:

    sum(i * value(dsn[i - 1]) for i in 1..16) % 37 == 0

37 is prime, every value is below 37 and every weight differs from its neighbour's by 1, so any single
wrong character changes the sum by weight * difference (never 0 mod 37) and any swap of neighbours by
the difference of the two values (never 0 mod 37): both are always caught. (ISO/IEC 7064 MOD 37,36, the
hybrid system, was the first choice; it lets about 1 neighbour swap in 700 through, e.g. 003KJ277QRGCZGQM
and 003JK277QRGCZGQM are both valid under it, so it is not used.)

The first 15 characters are the 8-byte unique id as a base-36 number, most significant digit first, and
the 16th is the check character. A 64-bit id needs 13 digits, so the first character is always 0; where
the check value would be 36 (no character for it), the first character is 1 instead, which moves the
check value elsewhere. The mapping stays injective: unique_id_from_dsn undoes it.
"""

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DSN_LENGTH = 16
_BODY_LENGTH = 15
_MODULUS = 37
_INVERSE_OF_16 = 7  # 16 * 7 = 112 = 3 * 37 + 1


def _weighted_sum(values):
    total = 0
    for i in range(len(values)):
        total += (i + 1) * values[i]
    return total % _MODULUS


def _check_value(body):
    """The value c (0..36) that makes the weighted sum of body + [c] 0 mod 37."""
    return (-_weighted_sum(body) * _INVERSE_OF_16) % _MODULUS


def dsn_from_unique_id(uid):
    """DSN of an 8-byte unique id (bytes); the inverse of unique_id_from_dsn."""
    if len(uid) != 8:
        raise ValueError("unique id must be 8 bytes, got %d" % len(uid))
    # Long division of the big-endian bytes by 36, digit by digit: no big integers needed.
    number = bytearray(uid)
    body = bytearray(_BODY_LENGTH)
    for i in range(_BODY_LENGTH - 1, -1, -1):
        remainder = 0
        for j in range(len(number)):
            value = (remainder << 8) | number[j]
            number[j] = value // 36
            remainder = value % 36
        body[i] = remainder
    check = _check_value(body)
    if check == 36:
        body[0] = 1
        check = _check_value(body)
    return "".join(ALPHABET[v] for v in body) + ALPHABET[check]


def unique_id_from_dsn(dsn):
    """The 8-byte unique id a DSN was made from; the inverse of dsn_from_unique_id."""
    if not dsn_is_valid(dsn):
        raise ValueError("not a valid DSN: %r" % (dsn,))
    if dsn[0] not in "01":
        raise ValueError("DSN %r was not made from a unique id" % (dsn,))
    number = bytearray(8)
    for c in "0" + dsn[1:_BODY_LENGTH]:
        carry = ALPHABET.index(c)
        for j in range(7, -1, -1):
            value = number[j] * 36 + carry
            number[j] = value & 0xFF
            carry = value >> 8
        if carry:
            raise ValueError("DSN %r is larger than 64 bits" % (dsn,))
    uid = bytes(number)
    if dsn_from_unique_id(uid) != dsn:
        raise ValueError("DSN %r was not made from a unique id" % (dsn,))
    return uid


def dsn_is_valid(s):
    """True when `s` is 16 characters of 0-9A-Z whose weighted sum is 0 mod 37 (see above)."""
    if not isinstance(s, str) or len(s) != DSN_LENGTH:
        return False
    values = bytearray(DSN_LENGTH)
    for i in range(DSN_LENGTH):
        value = ALPHABET.find(s[i])
        if value < 0:
            return False
        values[i] = value
    return _weighted_sum(values) == 0

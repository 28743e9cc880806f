# DSN: 16 characters 0-9A-Z from the 8-byte unique id; the check character (weighted sum mod 37)
# catches every single wrong character and every swap of neighbours (checked exhaustively here for
# a fixed pseudo-random set of ids; tests/firmware/core/test_core_dsn.py checks many more under CPython).
from core.dsn import ALPHABET, dsn_from_unique_id, dsn_is_valid, unique_id_from_dsn

# 60 77 ... : its check value would be 36, so its first character is 1 instead of 0.
for uid in (b"\x60\x77\x2b\xa0\x37\x2c\x52\x26", bytes(8), b"\xff" * 8, b"\x01\x23\x45\x67\x89\xab\xcd\xef", b"\xe6\x61\x38\x52\xd3\x4f\x2a\x21"):
    dsn = dsn_from_unique_id(uid)
    print(" ".join("%02x" % b for b in uid), "->", dsn)
    assert dsn_is_valid(dsn) and unique_id_from_dsn(dsn) == uid

seed = 2024
singles = swaps = 0
for n in range(60):
    uid = bytearray(8)
    for i in range(8):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        uid[i] = seed >> 16 & 0xFF
    dsn = dsn_from_unique_id(bytes(uid))
    assert len(dsn) == 16 and dsn_is_valid(dsn)
    for i in range(16):
        for c in ALPHABET:
            if c != dsn[i]:
                assert not dsn_is_valid(dsn[:i] + c + dsn[i + 1 :]), (dsn, i, c)
                singles += 1
    for i in range(15):
        if dsn[i] != dsn[i + 1]:
            assert not dsn_is_valid(dsn[:i] + dsn[i + 1] + dsn[i] + dsn[i + 2 :]), (dsn, i)
            swaps += 1
print("60 DSNs: %d single-character errors and %d neighbour swaps, all caught" % (singles, swaps))
for bad in ("", "003I4G9P1MWSZDT", "003I4G9P1MWSZDTDX", "003i4g9p1mwszdtd", "003I4G9P1MWSZ-TD", None, 12):
    assert not dsn_is_valid(bad)
print("ok")

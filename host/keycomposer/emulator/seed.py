"""The emulated MCU's unique id, from the seed the emulator is started with (`--dsn-seed N`).

The emulator board computes the same (firmware/boards/emulator.py, documented in firmware/EMULATOR.md):
the first output of SplitMix64 seeded with N, as 8 big-endian bytes. Distinct seeds give distinct ids, so
tests can start several keyboards with distinct DSNs and know each one's DSN beforehand.
"""

_MASK64 = (1 << 64) - 1


def unique_id_from_seed(seed: int) -> bytes:
    """The 8-byte unique id of the emulator started with ``--dsn-seed seed`` (0..2**64-1)."""
    if not 0 <= seed <= _MASK64:
        raise ValueError(f"seed must be in range 0..2**64-1, got {seed}")
    z = (seed + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    z ^= z >> 31
    return z.to_bytes(8, "big")

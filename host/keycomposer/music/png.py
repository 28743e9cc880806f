"""A minimal PNG writer (8-bit RGB, one IDAT chunk): enough for piano-roll pictures, no dependency.

PNG spec (ISO/IEC 15948) section 5.3: each chunk is length, type, data, CRC-32 of type and data;
section 9: every scanline starts with a filter-type byte (0 = none here).
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: np.ndarray) -> bytes:
    """The PNG bytes of an (height, width, 3) uint8 RGB image."""
    pixels = np.asarray(pixels)
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        raise ValueError(f"pixels must be a uint8 array (height, width, 3), got {pixels.dtype} {pixels.shape}")
    height, width, _ = pixels.shape
    if height == 0 or width == 0:
        raise ValueError("an image needs at least one pixel")
    scanlines = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, width * 3)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, colour type 2 (RGB)
    return (_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 9))
            + _chunk(b"IEND", b""))


def write_png(path: str | os.PathLike, pixels: np.ndarray) -> None:
    with open(path, "wb") as handle:
        handle.write(encode_png(pixels))

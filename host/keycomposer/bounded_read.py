"""Reading a file a person named, within bounds: at most a given number of bytes, and never waiting for ever.

A path may name a regular file, but also a device (``/dev/zero`` never ends, ``/dev/stdin`` may never
end) or a pipe (a FIFO, bash's ``<(...)``) whose writer may never write or never close it. Each is read
the same way: opened without blocking, read up to one byte past the limit, and given up on when it has
not ended within ``timeout_s``. ``read_bounded`` is its only entry point.
"""

from __future__ import annotations

import errno
import os
import select
import stat
import time

READ_TIMEOUT_S = 10.0
_CHUNK = 1 << 16


class TooLargeError(OSError):
    """More than the limit; ``size`` is the file's size where it has one (None for a device or pipe)."""

    def __init__(self, limit: int, size: int | None):
        super().__init__(errno.EFBIG, f"more than {limit} bytes" if size is None else f"{size} bytes")
        self.limit, self.size = limit, size


def read_bounded(path: str | os.PathLike, limit: int, timeout_s: float = READ_TIMEOUT_S) -> bytes:
    """All of ``path``'s bytes, if there are at most ``limit``. Raises TooLargeError past it,
    IsADirectoryError for a folder, TimeoutError when a device or pipe has not ended within ``timeout_s``
    seconds, and OSError for what the system refuses."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)  # non-blocking: opening a FIFO with no writer waits for none
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if stat.S_ISREG(info.st_mode):
            if info.st_size > limit:
                raise TooLargeError(limit, info.st_size)
            data = _read_regular(descriptor, limit)
        else:
            data = _read_stream(descriptor, limit, timeout_s)
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise TooLargeError(limit, None)
    return data


def _read_regular(descriptor: int, limit: int) -> bytes:
    """A regular file, which may still grow while it is read: stop one byte past the limit."""
    if hasattr(os, "set_blocking"):
        os.set_blocking(descriptor, True)
    parts, total = [], 0
    while total <= limit:
        part = os.read(descriptor, min(_CHUNK, limit + 1 - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


def _read_stream(descriptor: int, limit: int, timeout_s: float) -> bytes:
    """A device or pipe: read while bytes come, for at most ``timeout_s`` in all (a writer that trickles
    a byte now and then is cut off too). A read comes before every wait: a FIFO whose writer never came
    reads as ended, where select would wait."""
    deadline = time.monotonic() + timeout_s
    parts, total = [], 0
    while total <= limit:
        try:
            part = os.read(descriptor, min(_CHUNK, limit + 1 - total))
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            ready = remaining > 0 and select.select([descriptor], [], [], remaining)[0]
            if not ready:
                raise TimeoutError(errno.ETIMEDOUT, f"still not at its end after {timeout_s:g} s") from None
            continue
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)

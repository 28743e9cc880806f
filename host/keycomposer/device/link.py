"""The link between this PC and one keyboard: the DSN the person typed, checked against the keyboard.

Stored as ``link.json`` in the data directory, written atomically (temporary file, then rename), so a
crash never leaves half a link. A corrupt file is reported, never silently replaced.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from keycomposer.bounded_read import TooLargeError, read_bounded
from keycomposer.device.dsn import DsnError, check_dsn, format_dsn
from keycomposer.device.info import DeviceInfo

LINK_FILE = "link.json"


class LinkError(Exception):
    """The keyboard and the typed DSN do not match, or the stored link is unreadable."""


@dataclass(frozen=True)
class Link:
    dsn: str
    via: str
    firmware_version: str
    linked_at: float


def verify_link(typed_dsn: str, reported: DeviceInfo, via: str, now=time.time) -> Link:
    """Check what the person typed, then that it is the connected keyboard's own DSN."""
    dsn = check_dsn(typed_dsn)  # DsnError says what is wrong with the typing itself
    if reported.dsn != dsn:
        raise LinkError(
            f"the DSN {format_dsn(dsn)} is well-formed but the connected keyboard ({via}) reports "
            f"{format_dsn(reported.dsn)}: is the label from another keyboard?"
        )
    return Link(dsn, via, reported.version_text, now())


_MAX_LINK_BYTES = 64 * 1024  # a link is a few hundred bytes; a bigger file is not one of ours
_FIELD_TYPES = {"dsn": (str,), "via": (str,), "firmware_version": (str,), "linked_at": (int, float)}


def save_link(data_dir: Path, link: Link) -> Path:
    """Write ``link.json`` atomically: a new temporary file of a random name (created, never opened
    through a link someone left there), fsynced, then renamed over the old link."""
    path = data_dir / LINK_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        if path.is_dir() and not path.is_symlink():
            raise LinkError(f"{path} is a folder, not a link file; move it away and link again")
        descriptor, temporary = tempfile.mkstemp(prefix=f".{LINK_FILE}.", suffix=".tmp", dir=data_dir)
        try:
            with open(descriptor, "w", encoding="utf-8") as stream:
                json.dump(asdict(link), stream, indent=2)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        raise LinkError(f"cannot save the link in {data_dir}: {error.strerror or error}") from error
    return path


def load_link(data_dir: Path) -> Link | None:
    """The stored link, None when there is none; LinkError when ``link.json`` is not a link file."""
    path = data_dir / LINK_FILE
    if not os.path.lexists(path):
        return None

    def corrupt(why) -> str:
        return f"{path} is corrupt, not a link file ({why}); run `keycomposer link DSN` again or `--forget` it"

    try:
        data = read_bounded(path, _MAX_LINK_BYTES)
    except TooLargeError as error:
        raise LinkError(corrupt(f"more than {error.limit} bytes")) from error
    except OSError as error:
        raise LinkError(corrupt(error.strerror or error)) from error
    try:
        fields = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as error:  # RecursionError: JSON nested thousands deep
        raise LinkError(corrupt(f"not JSON: {str(error)[:80]}")) from None
    if not isinstance(fields, dict) or set(fields) != set(_FIELD_TYPES):
        raise LinkError(corrupt(f"expected an object with {', '.join(_FIELD_TYPES)}"))
    for name, types in _FIELD_TYPES.items():
        value = fields[name]
        if not isinstance(value, types) or isinstance(value, bool):
            raise LinkError(corrupt(f"{name} is {type(value).__name__}, not {types[0].__name__}"))
    try:
        check_dsn(fields["dsn"])
    except DsnError as error:
        raise LinkError(corrupt(error)) from error
    return Link(**fields)


def forget_link(data_dir: Path) -> bool:
    path = data_dir / LINK_FILE
    if not os.path.lexists(path):
        return False
    if path.is_dir() and not path.is_symlink():
        raise LinkError(f"{path} is a folder, not a link file; it was left as it is")
    try:
        path.unlink()
    except OSError as error:
        raise LinkError(f"cannot remove {path}: {error.strerror or error}") from error
    return True

"""The link between this PC and one keyboard: the DSN the person typed, checked against the keyboard.

Stored as ``link.json`` in the data directory, written atomically (temporary file, then rename), so a
crash never leaves half a link. A corrupt file is reported, never silently replaced.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

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


def save_link(data_dir: Path, link: Link) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LINK_FILE
    temporary = path.with_suffix(".json.tmp")
    with open(temporary, "w", encoding="utf-8") as stream:
        json.dump(asdict(link), stream, indent=2)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
    return path


def load_link(data_dir: Path) -> Link | None:
    path = data_dir / LINK_FILE
    if not path.exists():
        return None
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
        link = Link(**fields)
        check_dsn(link.dsn)
    except (ValueError, TypeError, DsnError) as error:
        raise LinkError(f"{path} is corrupt ({error}); run `keycomposer link DSN` again") from error
    return link


def forget_link(data_dir: Path) -> bool:
    path = data_dir / LINK_FILE
    if path.exists():
        path.unlink()
        return True
    return False

"""Where the library lives: the user's data directory, by platform convention.

- Linux and other Unix: ``$XDG_DATA_HOME/keycomposer`` (``~/.local/share/keycomposer`` when unset)
- macOS: ``~/Library/Application Support/keycomposer``
- Windows: ``%LOCALAPPDATA%\\keycomposer`` (``~\\AppData\\Local\\keycomposer`` when unset)

``KEYCOMPOSER_DATA_DIR`` overrides all of them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping

APP_NAME = "keycomposer"
OVERRIDE_VARIABLE = "KEYCOMPOSER_DATA_DIR"


def default_data_dir(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    """The data directory for this user (arguments default to this process's environment)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    if environ.get(OVERRIDE_VARIABLE):
        return Path(environ[OVERRIDE_VARIABLE])
    if platform == "darwin":
        return home / "Library" / "Application Support" / APP_NAME
    if platform.startswith("win"):
        local = environ.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / APP_NAME
    xdg = environ.get("XDG_DATA_HOME")
    # The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / APP_NAME

"""tools/ is not an installed package: put the repository root on sys.path so tests can import tools.arcnn."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

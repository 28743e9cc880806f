"""The composition library: saved recordings, generations, imports and edits (SQLite + .mid files).

Public API: ``Library`` (``save``, ``import_file``, ``get``, ``load``, ``entries``, ``rename``,
``delete``, ``export``, ``sweep``), ``Entry``, ``LibraryError``, ``KINDS``, ``check_name`` (refuses
bad names a person typed), ``safe_name`` (repairs names taken from files or titles),
``default_data_dir``, and ``resolve_input`` / ``InputError`` for ``sample:NAME``, id or file inputs.
"""

from keycomposer.library.inputs import SAMPLE_PREFIX, InputError, resolve_input
from keycomposer.library.paths import default_data_dir
from keycomposer.library.store import KINDS, Entry, Library, LibraryError, check_name, safe_name

__all__ = [
    "SAMPLE_PREFIX", "InputError", "resolve_input", "default_data_dir",
    "KINDS", "Entry", "Library", "LibraryError", "check_name", "safe_name",
]

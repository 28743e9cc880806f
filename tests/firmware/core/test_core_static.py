"""Static rules of the core: no hardware module, no floats, no f-strings (MicroPython on the RP2040
has single-precision floats; the core must give CPython's results bit for bit)."""

import ast
from pathlib import Path

import pytest

from core_harness import FIRMWARE

CORE_SOURCES = sorted((FIRMWARE / "core").glob("*.py"))
ALLOWED_IMPORTS = {"array", "micropython", "pins", "core"}
# The file system is the flash on both boards (the current folder): only the settings file touches it.
ALLOWED_IMPORTS_BY_FILE = {"settings_file.py": {"os"}}


@pytest.mark.parametrize("source", CORE_SOURCES, ids=[p.name for p in CORE_SOURCES])
def test_imports_no_hardware_module(source: Path):
    tree = ast.parse(source.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            allowed = ALLOWED_IMPORTS | ALLOWED_IMPORTS_BY_FILE.get(source.name, set())
            assert name.split(".")[0] in allowed, "%s imports %s" % (source.name, name)


@pytest.mark.parametrize("source", CORE_SOURCES, ids=[p.name for p in CORE_SOURCES])
def test_no_float_math_and_no_f_strings(source: Path):
    tree = ast.parse(source.read_text())
    for node in ast.walk(tree):
        assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), (
            "%s:%d float constant" % (source.name, node.lineno))
        assert not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)), (
            "%s:%d true division (use //)" % (source.name, node.lineno))
        assert not isinstance(node, ast.JoinedStr), "%s:%d f-string" % (source.name, node.lineno)


def test_the_outgoing_ring_wraps_by_a_mask_so_its_size_is_a_power_of_two():
    # core/usbmidi.py wraps ring offsets with `& (size - 1)` (cheaper than % in the scan tick).
    from core_harness import import_core

    import_core()
    from core.usbmidi import TX_QUEUE_PACKETS

    size = TX_QUEUE_PACKETS * 4
    assert size & (size - 1) == 0


@pytest.mark.parametrize("module", ["keyboard", "keys"])
def test_the_folded_switch_kinds_are_pins(module):
    # core/keyboard.py and core/keys.py copy pins' switch kinds so the compiler folds them into the tick.
    import pins  # noqa: PLC0415  (tests/firmware/conftest puts firmware/ on the path)

    source = (FIRMWARE / "core" / (module + ".py")).read_text()
    values = {}
    for node in ast.parse(source).body:
        name = getattr(node.targets[0], "id", "") if isinstance(node, ast.Assign) else ""
        if name in ("_KEY_FIRST", "_KEY_SECOND", "_BUTTON"):
            values[name] = node.value.args[0].value  # _NAME = const(value)
    assert values["_KEY_FIRST"] == pins.SWITCH_KEY_FIRST
    assert values["_KEY_SECOND"] == pins.SWITCH_KEY_SECOND
    assert values.get("_BUTTON", pins.SWITCH_BUTTON) == pins.SWITCH_BUTTON

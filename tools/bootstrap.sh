#!/usr/bin/env bash
# Sets up a fresh machine: Debian packages (when run as root and they are missing), a virtualenv in .venv,
# and the project with the extras a job needs. `bootstrap.sh` is for the demo (no TensorFlow: the runtime
# install); `bootstrap.sh test` adds what the test suite needs, the train extra included, so the trainers'
# tests and the learning capsules run too.
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-run}"

# FluidSynth and a General MIDI soundfont render WAV files; tmux drives the terminal keyboard in tests;
# chromium runs the studio's page in its tests (through Playwright, which downloads no browser of its own).
debs=(fluidsynth fluid-soundfont-gm)
[ "$want" = test ] && debs+=(tmux chromium)
missing=()
for deb in "${debs[@]}"; do dpkg -s "$deb" >/dev/null 2>&1 || missing+=("$deb"); done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "bootstrap: optional Debian packages missing (${missing[*]}); WAV rendering will say how to install them" >&2
    fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
extras=models
[ "$want" = test ] && extras=models,test,train
.venv/bin/python -m pip install -q -e ".[$extras]"

# The shipped models must also load in tflite-runtime 2.14 (which needs numpy < 2): the tests run it from
# a venv of its own, .venv-tflite, beside the main one.
# mido: the continuation tests run keycomposer's music package there too.
if [ "$want" = test ] && ! .venv-tflite/bin/python -c "import tflite_runtime, mido" 2>/dev/null; then
    python3 -m venv .venv-tflite
    .venv-tflite/bin/python -m pip install -q "tflite-runtime==2.14.*" "numpy<2" "mido>=1.3" \
        || { rm -rf .venv-tflite; echo "bootstrap: no tflite-runtime 2.14 here; its cross-check tests will skip" >&2; }
fi

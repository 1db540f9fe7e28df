#!/usr/bin/env bash
# Create the project's virtual environment once. torch==2.13.0 goes in first, because a plain
# `torch` requirement would pull a multi-GB CUDA build on a CPU-only machine.
set -euo pipefail
VENV="${1:-.venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "[setup] creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip
if ! "$PY" -c "import torch" 2>/dev/null; then
    echo "[setup] installing torch==2.13.0 (CPU wheel)"
    "$PY" -m pip install --quiet "torch==2.13.0"
fi
echo "[setup] installing textdistill-lab with extras notebooks,book,test"
"$PY" -m pip install --quiet -e ".[notebooks,book,test]"
echo "[setup] done: $VENV"

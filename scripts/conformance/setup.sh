#!/usr/bin/env bash
# Creates scripts/conformance/.venv (git-ignored) with the pinned reference packages. Run on demand only:
# `npm test` never needs Python; it reads the committed app/eval/metrics.conformance.json.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet -r requirements.txt
echo "ready: scripts/conformance/.venv/bin/python scripts/conformance/make_fixture.py"

#!/usr/bin/env bash
# Install draftkit and open the UI on the sample index (built from samples/corpus on first run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec python app.py "$@"

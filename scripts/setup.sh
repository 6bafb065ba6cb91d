#!/usr/bin/env bash
# Set up draftkit on a fresh machine (Python 3.11, pip, gcc): a venv in .venv with everything installed.
#   scripts/setup.sh           the app: torch (CPU), draftkit with the UI extra
#   scripts/setup.sh --test    also: test tools, Chromium + LibreOffice + CJK fonts + PostgreSQL (Debian, when root),
#                              pymilvus + milvus-lite, psycopg + argon2-cffi,
#                              llama-cpp-python (portable build) and the local Qwen2.5-0.5B model
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TEST=0
[ "${1:-}" = "--test" ] && WITH_TEST=1

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

if [ "$WITH_TEST" = 1 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  [ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
  # PostgreSQL server binaries (initdb, pg_ctl): the tests start a throw-away cluster on a free port
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  if [ ${#need[@]} -gt 0 ]; then
    echo "== apt-get install ${need[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
  fi
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
# torch first, pinned: the CPU wheel of this version is what we test with (an unpinned torch pulls CUDA).
python -m pip install -q torch==2.13.0
if [ "$WITH_TEST" = 1 ]; then
  python -m pip install -q -e ".[ui,dev,milvus,server]"
  bash .ci/install_llm.sh
else
  python -m pip install -q -e ".[ui]"
fi
echo "== draftkit $(python -c 'import draftkit; print(draftkit.__version__)') ready in .venv"

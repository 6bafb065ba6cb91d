"""Browser tests: the real app in a subprocess on a free localhost port, driven by Playwright + Debian's Chromium.

The server runs ``python app.py`` with its data folder in a session tmp dir. The index is copied in
from ``DRAFTKIT_E2E_INDEX`` (a prebuilt index folder) or from a cache of an earlier session's build
(``~/.cache/draftkit/e2e-index/<key>``; the key hashes the sample corpus, the embedder, and the ingest
and retrieval code and data); otherwise the app's first-run step (``draftkit.ui.app.ensure_index``, the
build from ``samples/corpus`` the secretary sees) runs in this process before the app starts, so the
session embeds those passages once (tests/conftest.py), and the result is cached. Chromium is the
system one (``/usr/bin/chromium``); a browser is never downloaded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_server import REPO_ROOT, VIEWPORT, AppServer, free_port
from playwright.sync_api import expect

# expect() waits as long as the pages' actions do (its own default is 5 s, which a loaded 2-core CI
# machine exceeds just loading the app)
expect.set_options(timeout=20_000)

CHROMIUM = Path(os.environ.get("DRAFTKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
#: the prompts/ files that ingest and retrieval read (they shape the index)
INDEX_PROMPTS = ["cleaning.yaml", "structure.yaml", "section_kinds.yaml", "jieba_userdict.txt",
                 "retrieval_stopwords.txt"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium); never downloaded")
    return CHROMIUM


def index_cache_dir() -> Path:
    """Where a built sample index is kept between sessions, keyed by what it was built from."""
    from draftkit.config import get_settings
    from draftkit.ingest.chunk import CHUNKER_VERSION

    digest = hashlib.sha256()
    digest.update(f"{get_settings().embed_model}|{CHUNKER_VERSION}".encode())
    # the corpus, and the code and data that turn it into an index (any change there means a rebuild)
    prompts = REPO_ROOT / "prompts"
    inputs = [*(REPO_ROOT / "samples" / "corpus").iterdir(),
              *(prompts / name for name in INDEX_PROMPTS if (prompts / name).is_file()),
              *(REPO_ROOT / "src" / "draftkit" / "ingest").glob("*.py"),
              *(REPO_ROOT / "src" / "draftkit" / "retrieval").glob("*.py")]
    for p in sorted(inputs):
        digest.update(p.name.encode() + p.read_bytes())
    return Path.home() / ".cache" / "draftkit" / "e2e-index" / digest.hexdigest()[:16]


def first_run_build(data_dir: Path, index_dir: Path) -> None:
    """What ``python app.py`` does first on a machine with no index: ``ensure_index`` builds it from
    ``samples/corpus`` (here in the test process, see the module docstring)."""
    from draftkit.config import Settings
    from draftkit.ui.app import ensure_index
    from draftkit.ui.context import AppContext

    settings = Settings(data_dir=data_dir, index_dir=index_dir, samples_dir=REPO_ROOT / "samples")
    assert ensure_index(AppContext.from_settings(settings, index_dir)), "the first-run build made no index"


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[AppServer]:
    root = tmp_path_factory.mktemp("ui-e2e")
    index_dir = root / "index"
    given = os.environ.get("DRAFTKIT_E2E_INDEX")
    cached = Path(given) if given else index_cache_dir()
    if (cached / "manifest.json").is_file():
        shutil.copytree(cached, index_dir)
    else:
        first_run_build(root / "first-run", index_dir)
    server = AppServer(data_dir=root / "var", index_dir=index_dir, port=free_port(), log_path=root / "app.log")
    server.start()
    if not given and not cached.exists() and (index_dir / "manifest.json").is_file():  # first_run_build made it
        staging = cached.with_name(cached.name + f".tmp{os.getpid()}")
        shutil.copytree(index_dir, staging)
        try:
            staging.rename(cached)
        except OSError:  # another session cached the same build first
            shutil.rmtree(staging, ignore_errors=True)
        for old in cached.parent.iterdir():  # builds from older code or corpus are of no further use
            if old.name != cached.name and ".tmp" not in old.name:
                shutil.rmtree(old, ignore_errors=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(chromium_path: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, app_server: AppServer):
    """A factory of pages, each in its own browser context (its own localStorage: another secretary)."""
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.external_requests = []  # type: ignore[attr-defined]
        page.on("request", lambda r: None if r.url.startswith(app_server.url[:-1]) or r.url.startswith("data:")
                else page.external_requests.append(r.url))
        return page

    yield make
    for c in contexts:
        c.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def sample_facts(repo_root: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted((repo_root / "samples" / "facts").glob("*.yaml"))}

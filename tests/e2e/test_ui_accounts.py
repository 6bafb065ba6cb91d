"""Accounts in the real UI (Chromium): two secretaries of two units each draft for their own school and
never see the other's draft, not in 我的草稿 and not by asking the page-load endpoint for its id with their
own signed-in session; a reviewer sees both and opens another unit's draft.

One app server for the module, served in the test process, with its accounts made by the real users
store in the default SQLite database and no index (drafting works without one). The same isolation on PostgreSQL,
through gradio_client, is tests/integration/store/test_ui_accounts_api.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_server import UPLOAD_LIMIT_MB, VIEWPORT, free_port
from e2e_ui import draft_choices, generate, log_in, pick_draft, title, upload_facts
from playwright.sync_api import Page

from draftkit.config import Settings
from draftkit.store.drafts import DraftStore
from draftkit.store.users import UserStore

QINGHE, LIUXI = "青禾市第三实验小学", "柳溪县城关学区"
ACCOUNTS = {"li": ("qinghe-2024", "secretary", QINGHE),
            "wang": ("liuxi-2025!", "secretary", LIUXI),
            "zhao": ("reviewer-2024", "reviewer", None)}


@pytest.fixture(scope="module")
def accounts_app(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[tuple[str, Path]]:
    """The app served in this process (its imports are already paid for) → (base URL, data folder)."""
    from draftkit.ui.app import serve

    root = tmp_path_factory.mktemp("ui-accounts")
    data_dir = root / "var"
    users = UserStore(data_dir / "drafts.sqlite3")  # the app's default database in its data folder
    for name, (password, role, unit) in ACCOUNTS.items():
        users.add(name, role, password, unit=unit)
    # no index and no sample corpus to build one from: the app starts at once and drafts without exemplars
    settings = Settings(data_dir=data_dir, index_dir=root / "no-index", index_uri="", database_url="",
                        samples_dir=root / "no-samples")
    port = free_port()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GRADIO_TEMP_DIR", str(root))  # serve() points it into the data folder; restored afterwards
        env.setenv("GRADIO_ANALYTICS_ENABLED", "False")
        demo = serve(port=port, settings=settings, upload_limit_mb=UPLOAD_LIMIT_MB, block=False, warm_up=False)
        try:
            yield f"http://127.0.0.1:{port}/", data_dir
        finally:
            demo.close()


@pytest.fixture
def sign_in(browser, accounts_app: tuple[str, Path]):
    """``sign_in(name)`` → a page signed in as that account, in its own browser context (its own cookies)."""
    contexts = []

    def make(name: str) -> Page:
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, accounts_app[0], name, ACCOUNTS[name][0])
        return page

    yield make
    for c in contexts:
        c.close()


def open_by_id(page: Page, url: str, draft_id: str) -> str:
    """Ask the page-load endpoint (it takes the draft id the browser remembers) for ``draft_id`` with the
    page's own session cookie, as a curious secretary could from the browser; its answer as JSON text."""
    queued = page.request.post(f"{url}gradio_api/call/on_load", data={"data": ["b7" * 16, draft_id]})
    assert queued.ok, (queued.status, queued.text())
    answer = page.request.get(f"{url}gradio_api/call/on_load/{queued.json()['event_id']}", timeout=60_000)
    assert answer.ok and "event: complete" in answer.text(), answer.text()[-500:]
    return json.dumps(json.loads(answer.text().split("data: ")[-1]), ensure_ascii=False)


def test_two_units_see_only_their_own_drafts_and_a_reviewer_sees_both(
        sign_in, accounts_app: tuple[str, Path], sample_facts: dict[str, Path]) -> None:
    url, data_dir = accounts_app
    li, wang = sign_in("li"), sign_in("wang")
    upload_facts(li, sample_facts["qinghe_sanshi_2024"])
    generate(li, timeout=90_000)
    upload_facts(wang, sample_facts["liuxi_chengguan_2025_gaps"])
    generate(wang, timeout=90_000)
    assert QINGHE in title(li) and LIUXI in title(wang)

    li_sees, wang_sees = " ".join(draft_choices(li)), " ".join(draft_choices(wang))
    assert QINGHE in li_sees and LIUXI not in li_sees
    assert LIUXI in wang_sees and QINGHE not in wang_sees

    # li's draft by its exact id, asked for with wang's signed-in session: nothing of it comes back
    store = DraftStore(data_dir / "drafts.sqlite3")
    li_draft = next(d for d in store.list() if QINGHE in d.title)
    theirs = open_by_id(wang, url, li_draft.id)
    assert li_draft.id not in theirs and QINGHE not in theirs
    assert li_draft.id in open_by_id(li, url, li_draft.id)  # the same call works for her

    zhao = sign_in("zhao")
    zhao_sees = " ".join(draft_choices(zhao))
    assert QINGHE in zhao_sees and LIUXI in zhao_sees
    pick_draft(zhao, QINGHE)  # and opens another unit's draft (reading; a reviewer edits nothing)
    assert QINGHE in title(zhao)

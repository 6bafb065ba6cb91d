"""Role and unit isolation through the UI's own API: the real Gradio app, served on a free port with
accounts in a real PostgreSQL database, called with gradio_client as any script on the LAN could."""

from __future__ import annotations

import json
import socket

import pytest

from draftkit.config import Settings
from draftkit.report import Report, SectionDraft, Signature
from draftkit.store.users import UserStore

pytestmark = pytest.mark.slow

SECRET_LINE = "柳溪县实验小学党支部今年发展预备党员2名。"


def _report(unit: str, text: str) -> Report:
    return Report(title=f"{unit}2024年度党建工作总结", year=2024, unit=unit,
                  sections=[SectionDraft(id="overview", heading="一、基本情况", text=text)],
                  signature=Signature(unit=unit))


@pytest.fixture(scope="module")
def app(postgres_cluster, tmp_path_factory: pytest.TempPathFactory):
    import gradio as gr

    from draftkit.ui.app import build_app
    from draftkit.ui.context import AppContext

    tmp_path = tmp_path_factory.mktemp("accounts_api")
    postgres_url = postgres_cluster.create_database("accounts_api")
    settings = Settings(data_dir=tmp_path / "var", index_dir=tmp_path / "no-index", database_url=postgres_url)
    ctx = AppContext.from_settings(settings)
    ctx.skip_warm_up()
    users = UserStore(ctx.store.db)
    li = users.add("li", "secretary", "qinghe-2024", unit="青禾市第三实验小学")
    wang = users.add("wang", "secretary", "liuxi-2024!", unit="柳溪县实验小学")
    users.add("zhao", "reviewer", "reviewer-2024")
    drafts = {
        "li": ctx.store.create(report=_report("青禾市第三实验小学", "青禾市第三实验小学党支部现有党员31名。"), owner=li.access),
        "wang": ctx.store.create(report=_report("柳溪县实验小学", SECRET_LINE), owner=wang.access),
    }
    demo = build_app(ctx=ctx)
    demo.queue()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for attempt in range(3):  # Gradio gives up when its own probe of the new server is slow (a loaded machine)
        try:
            demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                        auth=lambda name, password: users.authenticate(name, password) is not None, ssr_mode=False)
            break
        except ValueError:
            demo.close()
            if attempt == 2:
                raise
    try:
        yield f"http://127.0.0.1:{port}/", drafts
    finally:
        demo.close()
        gr.close_all()


def _open(url: str, user: str, password: str, draft_id: str) -> str:
    """Call the page-load endpoint (it takes the draft id the browser remembers) with a chosen draft id, as a
    script would (the picker's endpoint only takes ids from its own list); everything it returns, as text."""
    from gradio_client import Client

    client = Client(url, auth=(user, password), verbose=False)
    result = client.predict("any-client-id", draft_id, api_name="/on_load")
    return json.dumps(result, ensure_ascii=False, default=str)


def test_a_secretary_cannot_fetch_another_units_draft_by_its_id(app) -> None:
    url, drafts = app
    own = _open(url, "li", "qinghe-2024", drafts["li"])
    assert "现有党员31名" in own
    guessed = _open(url, "li", "qinghe-2024", drafts["wang"])  # the exact id of another unit's draft
    assert SECRET_LINE not in guessed and drafts["wang"] not in guessed
    assert SECRET_LINE in _open(url, "wang", "liuxi-2024!", drafts["wang"])
    reviewer = [_open(url, "zhao", "reviewer-2024", d) for d in drafts.values()]
    assert "现有党员31名" in reviewer[0] and SECRET_LINE in reviewer[1]


def test_a_wrong_password_gets_nothing(app) -> None:
    from gradio_client import Client

    url, drafts = app
    with pytest.raises(Exception, match="(?i)login|auth|401|credentials"):
        Client(url, auth=("li", "not-her-password"), verbose=False)

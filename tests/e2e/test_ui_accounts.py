"""Accounts in the real UI (Chromium), drafts on a real PostgreSQL server: two secretaries of two units
never see each other's drafts, the reviewer sees both, and two pages saving the same draft get the
"已被他人修改" choice instead of losing an edit."""

from __future__ import annotations

import re

import pytest
from e2e_server import AppServer, free_port
from e2e_ui import (
    append_to_section,
    draft_choices,
    first_body_section,
    generate,
    pick_draft,
    section_box,
    upload_facts,
    wait_ready,
)
from playwright.sync_api import expect

from draftkit.store.users import UserStore

ACCOUNTS = {"li": ("qinghe-2024", "secretary", "青禾市第三实验小学"),
            "wang": ("liuxi-2025!", "secretary", "柳溪县城关学区"),
            "zhao": ("reviewer-2024", "reviewer", None)}


@pytest.fixture
def accounts_server(app_server: AppServer, postgres_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch):
    users = UserStore(postgres_url)
    for name, (password, role, unit) in ACCOUNTS.items():
        users.add(name, role, password, unit=unit)
    monkeypatch.setenv("DRAFTKIT_DATABASE_URL", postgres_url)  # AppServer passes the environment on
    server = AppServer(data_dir=tmp_path / "var", index_dir=app_server.index_dir, port=free_port(),
                       log_path=tmp_path / "app.log")
    server.start()
    yield server
    server.stop()


def login(browser, server: AppServer, name: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(server.url)
    page.get_by_label(re.compile("用户名|username", re.I)).fill(name)
    page.get_by_label(re.compile("密码|password", re.I)).fill(ACCOUNTS[name][0])
    page.get_by_role("button", name=re.compile("登录|login", re.I)).click()
    expect(page.locator("#generate")).to_be_visible()
    wait_ready(page)
    return page


def test_two_units_and_a_reviewer(browser, accounts_server: AppServer, sample_facts) -> None:
    li, wang = login(browser, accounts_server, "li"), login(browser, accounts_server, "wang")
    upload_facts(li, sample_facts["qinghe_sanshi_2024"])
    upload_facts(wang, sample_facts["liuxi_chengguan_2025_gaps"])
    generate(li, timeout=90_000)
    generate(wang, timeout=90_000)
    assert draft_choices(li) and all("柳溪县城关学区" not in c for c in draft_choices(li))
    assert draft_choices(wang) and all("青禾市第三实验小学" not in c for c in draft_choices(wang))
    zhao = login(browser, accounts_server, "zhao")
    seen = " ".join(draft_choices(zhao))
    assert "青禾市第三实验小学" in seen and "柳溪县城关学区" in seen

    # li in a second window on the same draft: whoever saves second is told, and chooses
    li2 = login(browser, accounts_server, "li")
    pick_draft(li2, "青禾市第三实验小学")
    i = first_body_section(li)
    assert first_body_section(li2) == i
    append_to_section(li, i, "（第一个窗口的修改）")
    box = section_box(li2, i)  # still shows the text from before the first window's save
    box.click()
    box.fill(box.input_value() + "（第二个窗口的修改）")
    expect(li2.locator("#draft-status")).to_contain_text("已被他人修改")
    expect(li2.locator("#dk-conflict")).to_be_visible()
    li2.locator("#conflict-keep").click()
    expect(li2.locator("#draft-status")).to_contain_text("已自动保存")
    expect(li2.locator("#dk-conflict")).to_be_hidden()
    li.reload()
    wait_ready(li)
    expect(section_box(li, i)).to_have_value(re.compile("第二个窗口的修改"))

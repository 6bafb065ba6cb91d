"""The secretary's path through the real UI in Chromium: facts → draft → edit → reload → export → search."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from docx import Document
from e2e_server import AppServer, free_port
from e2e_ui import (
    append_to_section,
    draft_choices,
    export,
    field,
    first_body_section,
    generate,
    open_app,
    open_tab,
    reload,
    section_box,
    section_heading,
    submit_login,
    title,
    upload_facts,
    wait_ready,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from draftkit.facts import load_facts

EDIT = "（本段经书记审核补充：全体党员参加。）"


@pytest.fixture(scope="module")
def screenshot_path(repo_root: Path) -> Path:
    return repo_root / "docs" / "ui.png"


def test_draft_edit_reload_export(page, app_server, sample_facts, tmp_path, screenshot_path) -> None:
    open_app(page, app_server.url)
    expect(page.get_by_role("tab", name="起草")).to_be_visible()
    for name in ("检索", "体检", "语料库"):
        expect(page.get_by_role("tab", name=name)).to_be_visible()

    upload_facts(page, sample_facts["qinghe_sanshi_2024"])
    expect(field(page, "f-unit")).to_have_value("青禾市第三实验小学")
    expect(field(page, "f-year")).to_have_value("2024")

    generate(page)
    assert "青禾市第三实验小学" in title(page) and "2024" in title(page)
    assert section_heading(page, 0).startswith("一、")
    i = first_body_section(page)
    body = section_box(page, i).input_value()
    assert "31" in body  # 党员31名, from the facts
    expect(page.locator(f"#sec-{i}-exemplars .dk-exemplar").first).to_be_visible()  # exemplar cards beside it

    page.evaluate("window.scrollTo(0, 0)")
    screenshot_path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot_path))
    assert screenshot_path.stat().st_size > 50_000

    append_to_section(page, i, EDIT)
    reload(page)
    expect(section_box(page, i)).to_have_value(re.compile(re.escape(EDIT)))
    assert "青禾市第三实验小学" in title(page)
    expect(field(page, "f-unit")).to_have_value("青禾市第三实验小学")  # the facts came back too

    docx_path = export(page, "export-docx", tmp_path)
    assert docx_path.suffix == ".docx"
    text = "\n".join(p.text for p in Document(str(docx_path)).paragraphs)
    assert EDIT in text
    assert "青禾市第三实验小学" in text
    assert page.external_requests == []  # nothing leaves the machine


def test_search_shows_results_with_sources(page, app_server, repo_root) -> None:
    open_app(page, app_server.url)
    open_tab(page, "检索")
    field(page, "search-query").fill("组织党员教师开展主题党日活动")
    page.locator("#search-run").click()
    expect(page.locator("#search-summary")).to_contain_text("找到")
    card = page.locator("#search-results .dk-hit").first
    expect(card).to_be_visible()
    source = card.locator(".dk-file").inner_text()
    corpus_files = {p.name for p in (repo_root / "samples" / "corpus").iterdir()}
    assert Path(source).name in corpus_files
    expect(card.locator(".dk-src")).to_contain_text("《")  # the source's title


def test_facts_export_round_trip(page, app_server, sample_facts, tmp_path) -> None:
    open_app(page, app_server.url)
    upload_facts(page, sample_facts["qinghe_yizhong_2021"])
    original = load_facts(sample_facts["qinghe_yizhong_2021"])
    for button, suffix in (("facts-export-yaml", ".yaml"), ("facts-export-xlsx", ".xlsx")):
        page.locator(f"#{button}").click()
        expect(page.locator("#draft-status")).to_contain_text("已导出事实文件")
        link = page.locator("#facts-download a").first
        expect(link).to_have_attribute("download", re.compile(re.escape(suffix) + "$"))
        with page.expect_download() as info:
            link.click()
        out = tmp_path / info.value.suggested_filename
        info.value.save_as(out)
        assert out.suffix == suffix
        assert load_facts(out).model_dump() == original.model_dump()


def test_bad_facts_file_is_reported(page, app_server, tmp_path) -> None:
    bad = tmp_path / "坏的事实.yaml"
    bad.write_text("unit: 青禾市第一小学\norg_type: 党小组\nyear: 二〇二四\n", encoding="utf-8")
    open_app(page, app_server.url)
    page.locator("#facts-upload input[type=file]").set_input_files(str(bad))
    status = page.locator("#draft-status")
    expect(status).to_contain_text("导入失败")
    expect(status).to_contain_text("org_type")
    expect(status).to_contain_text("year")


def test_regenerate_history_and_check_the_draft(page, app_server, sample_facts) -> None:
    open_app(page, app_server.url)
    upload_facts(page, sample_facts["qinghe_erzhong_2016"])
    generate(page)
    i = first_body_section(page)
    heading = section_heading(page, i)
    page.locator(f"#sec-{i}-regen").click()
    expect(page.locator("#draft-status")).to_contain_text("已重新生成")
    assert section_box(page, i).input_value().strip()
    assert section_heading(page, i) == heading  # the heading stays

    append_to_section(page, i, EDIT)
    page.locator("#dk-title").click()  # leave the box: a version is kept
    page.locator("#history").click()
    expect(page.locator("#ver-a input")).not_to_have_value("")
    page.locator("#diff").click()
    diff = page.locator("#diff-out")
    expect(diff.locator(".add").first).to_be_visible()
    assert EDIT in diff.locator(".add").all_inner_texts()[-1]

    open_tab(page, "体检")
    page.locator("#check-run-draft").click()
    expect(page.locator("#check-summary")).to_contain_text("年度：2016", timeout=60_000)


def test_check_an_uploaded_report(page, app_server, repo_root) -> None:
    open_app(page, app_server.url)
    open_tab(page, "体检")
    report = repo_root / "samples" / "corpus" / "B6_liuxi_shiqiao_jiunian_2023.docx"
    page.locator("#check-upload input[type=file]").set_input_files(str(report))
    field(page, "check-year").fill("2016")  # claim the wrong year: the era check must object
    page.locator("#check-run-file").click()
    expect(page.locator("#check-summary")).to_contain_text("年度：2016", timeout=60_000)
    findings = page.locator("#check-findings")
    expect(findings).to_contain_text("时代用语")
    expect(findings).to_contain_text("二十大")
    # each finding links to its paragraph in the marked-up text below the list
    link = findings.locator("a.dk-jump").last
    target = page.locator("#" + link.get_attribute("href").lstrip("#"))
    expect(target.locator("mark")).not_to_have_count(0)
    expect(target).not_to_be_in_viewport()
    link.click()
    expect(target).to_be_in_viewport()


def test_check_a_docx_then_download_the_annotated_copy(page, app_server, tmp_path) -> None:
    import zipfile

    doc = Document()
    doc.add_paragraph("青禾县实验小学党支部2024年党建工作总结")
    doc.add_paragraph("学校党支部认真布署年度工作,全面惯彻落实党中央国务院的要求。")
    doc.add_paragraph("中共青禾县实验小学支部委员会")
    doc.add_paragraph("2024.12.20")
    src = tmp_path / "待审.docx"
    doc.save(str(src))
    before = src.read_bytes()

    open_app(page, app_server.url)
    open_tab(page, "体检")
    page.locator("#check-upload input[type=file]").set_input_files(str(src))
    page.locator("#check-run-file").click()
    expect(page.locator("#check-summary")).to_contain_text("校对", timeout=60_000)
    expect(page.locator("#check-findings")).to_contain_text("布署")

    page.locator("#check-annotate").click()
    expect(page.locator("#check-status")).to_contain_text("批注版已生成", timeout=60_000)
    link = page.locator("#check-annotated a").first
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    out = tmp_path / info.value.suggested_filename
    info.value.save_as(out)
    with zipfile.ZipFile(out) as z:
        comments = z.read("word/comments.xml").decode("utf-8")
    assert 'w:author="draftkit"' in comments and "布署" in comments and "成文日期" in comments
    assert src.read_bytes() == before

    # 这不是错误: the entry goes into the overlay in the data directory
    page.locator("#check-proofread-pick input").click()
    page.get_by_role("option", name=re.compile("布署")).click()
    page.locator("#check-not-error").click()
    expect(page.locator("#check-status")).to_contain_text("已记入")
    assert "typo:布署" in (app_server.data_dir / "proofread.yaml").read_text(encoding="utf-8")
    page.locator("#check-run-file").click()
    expect(page.locator("#check-findings")).to_contain_text("惯彻", timeout=60_000)
    expect(page.locator("#check-findings .dk-card", has_text="布署")).to_have_count(0)  # the text view still shows it


def test_corpus_tab_adds_and_removes_a_document(page, app_server, repo_root, tmp_path) -> None:
    open_app(page, app_server.url)
    open_tab(page, "语料库")
    status = page.locator("#corpus-status")
    expect(status).to_contain_text("篇文档")
    before = int(re.search(r"共 (\d+) 篇", status.inner_text()).group(1))
    assert before >= len(list((repo_root / "samples" / "corpus").iterdir())) - 2

    new = tmp_path / "E2E_test_xiaoxue_2024.txt"
    new.write_text("东山镇测试小学党支部2024年党建工作总结\n一、基本情况\n支部现有党员12名。\n"
                   "二、主要做法\n（一）理论学习\n支部每月组织一次集中学习，围绕校园阅读角建设开展讨论。\n", encoding="utf-8")
    broken = tmp_path / "broken_2023.docx"
    broken.write_bytes(b"this is not a zip file")
    page.locator("#corpus-upload input[type=file]").set_input_files([str(new), str(broken)])
    page.locator("#corpus-add").click()
    expect(status).to_contain_text("已处理 2 个文件，成功 1 个", timeout=60_000)
    results = page.locator("#corpus-results")
    expect(results).to_contain_text(new.name)
    expect(results).to_contain_text(broken.name)
    expect(results).to_contain_text("出错")
    expect(results).to_contain_text("not a valid .docx")  # the reason, for that file only
    expect(page.locator("#corpus-docs")).to_contain_text(new.name)

    page.locator("#corpus-remove-id input").click()
    page.get_by_role("option", name=re.compile("东山镇测试小学")).click()
    page.locator("#corpus-remove").click()
    expect(status).to_contain_text("已移除")
    expect(page.locator("#corpus-docs")).not_to_contain_text(new.name)


def test_two_sessions_keep_their_own_drafts(new_page, app_server, sample_facts) -> None:
    alice, bob = new_page(), new_page()
    open_app(alice, app_server.url)
    open_app(bob, app_server.url)
    upload_facts(alice, sample_facts["qinghe_sanshi_2024"])
    upload_facts(bob, sample_facts["liuxi_chengguan_2025_gaps"])
    alice.locator("#generate").click()  # both at once
    bob.locator("#generate").click()
    for p in (alice, bob):
        expect(p.locator("#draft-status")).to_contain_text("已生成", timeout=60_000)
    assert "青禾市第三实验小学" in title(alice) and "柳溪县城关学区" in title(bob)

    append_to_section(alice, first_body_section(alice), "（甲的修改）")
    append_to_section(bob, first_body_section(bob), "（乙的修改）")
    for p in (alice, bob):
        reload(p)
        expect(p.locator("#report-title")).to_be_visible()
    assert "青禾市第三实验小学" in title(alice) and "柳溪县城关学区" in title(bob)
    a_text = section_box(alice, first_body_section(alice)).input_value()
    b_text = section_box(bob, first_body_section(bob)).input_value()
    assert "（甲的修改）" in a_text and "（乙的修改）" not in a_text
    assert "（乙的修改）" in b_text and "（甲的修改）" not in b_text
    a_list, b_list = draft_choices(alice), draft_choices(bob)
    assert a_list and all("柳溪县城关学区" not in c for c in a_list)
    assert b_list and all("青禾市第三实验小学" not in c for c in b_list)

    db = sqlite3.connect(app_server.data_dir / "drafts.sqlite3")
    rows = db.execute("SELECT owner, title, report_json FROM drafts").fetchall()
    db.close()
    alice_owner = {o for o, _, r in rows if r and "（甲的修改）" in r}
    bob_owner = {o for o, _, r in rows if r and "（乙的修改）" in r}
    assert len(alice_owner) == len(bob_owner) == 1 and alice_owner != bob_owner
    bob_titles = {t for o, t, _ in rows if o in bob_owner}
    assert bob_titles and all("柳溪县城关学区" in t for t in bob_titles)  # nothing of alice's under bob


def test_only_app_files_are_served(app_server, repo_root) -> None:
    base = app_server.url.rstrip("/")
    for path in ("/etc/passwd", str(repo_root / "pyproject.toml"), str(app_server.data_dir / "drafts.sqlite3"),
                 str(app_server.data_dir / "browser_state_key")):
        r = httpx.get(f"{base}/gradio_api/file={path}", timeout=10)
        assert r.status_code in (403, 404), (path, r.status_code)
        assert b"root:" not in r.content and b"CREATE TABLE" not in r.content
    big = b"0" * (3 * 1024 * 1024)  # over the 2 MB limit the test server runs with
    r = httpx.post(f"{base}/gradio_api/upload", files={"files": ("big.txt", big, "text/plain")}, timeout=30)
    assert r.status_code == 413


def test_auth_asks_for_a_login(browser, app_server, tmp_path) -> None:
    server = AppServer(data_dir=tmp_path / "var", index_dir=app_server.index_dir, port=free_port(),
                       log_path=tmp_path / "app.log", extra_args=["--auth", "mishu:青禾2024"])
    server.start()
    try:
        assert httpx.get(server.url + "config", timeout=10).status_code == 401
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(server.url)
        expect(page.get_by_text("请输入用户名和密码")).to_be_visible()
        submit_login(page, "mishu", "wrong")
        expect(page.get_by_text("凭据不正确")).to_be_visible()
        submit_login(page, "mishu", "青禾2024")
        expect(page.locator("#generate")).to_be_visible()
        wait_ready(page)
        context.close()
    finally:
        server.stop()


def test_draft_survives_server_restart(page, app_server, sample_facts) -> None:
    open_app(page, app_server.url)
    upload_facts(page, sample_facts["qinghe_yizhong_2021"])
    generate(page)
    i = first_body_section(page)
    append_to_section(page, i, "（重启前的修改）")
    app_server.stop()
    app_server.start()
    reload(page)
    expect(section_box(page, i)).to_have_value(re.compile("（重启前的修改）"))
    assert "青禾市第一高级中学" in title(page)
    assert app_server.started_in[-1] < 30


def test_the_page_shows_what_is_not_yet_saved(page, app_server, sample_facts) -> None:
    """Typing the server never stored (it died) is marked 未保存 and stays so; 已保存 only once the server
    has stored exactly what the box holds."""
    open_app(page, app_server.url)
    upload_facts(page, sample_facts["qinghe_yizhong_2021"])
    generate(page, timeout=240_000)  # a loaded machine drafts slowly; the point is the saving
    state = page.locator("#dk-save-state")
    expect(state).to_have_text("已保存")
    i = first_body_section(page)
    append_to_section(page, i, "（已存的修改）")
    expect(state).to_have_text("已保存")
    box = section_box(page, i)
    app_server.stop()
    try:
        box.fill(box.input_value() + "（服务器停止后输入的字）")
        expect(state).to_have_text("未保存")
        page.wait_for_timeout(2000)
        expect(state).to_have_text("未保存")
    finally:
        app_server.start()
    # what the server stored comes back; what it never got was marked 未保存 while it was typed. The page may
    # be reconnecting on its own just now, which aborts a navigation: try again once.
    try:
        open_app(page, app_server.url)
    except PlaywrightError:
        open_app(page, app_server.url)
    expect(state).to_have_text("已保存")
    expect(section_box(page, i)).to_have_value(re.compile("（已存的修改）"))
    assert "（服务器停止后输入的字）" not in section_box(page, i).input_value()

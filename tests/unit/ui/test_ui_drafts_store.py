"""DraftStore: drafts, owners, atomic edits, versions and diffs on a real SQLite file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from draftkit.facts import load_facts
from draftkit.report import Report, SectionDraft, Signature
from draftkit.store.drafts import DraftNotFound, DraftStore, text_diff


def _report(unit: str = "青禾市第三实验小学", year: int = 2024) -> Report:
    return Report(
        title=f"{unit}党支部{year}年度党建工作总结", year=year, unit=unit,
        opening="现将一年来的工作总结如下：",
        sections=[
            SectionDraft(id="overview", heading="一、基本情况", text="支部现有党员31名。"),
            SectionDraft(id="practice", heading="二、主要做法和成效", text=""),
            SectionDraft(id="theory", heading="（一）思想政治建设", level=2, kind="theory",
                         text="全年开展主题党日12次。\n组织专题党课4次。"),
            SectionDraft(id="plans", heading="三、下一步工作打算", kind="plans", text="深化党建品牌建设。"),
        ],
        closing="新的一年，我们将继续努力。",
        signature=Signature(unit="中共青禾市第三实验小学支部委员会"),
    )


@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    return DraftStore(tmp_path / "drafts.sqlite3")


@pytest.fixture(scope="module")
def facts(samples_dir: Path):
    return load_facts(samples_dir / "facts" / "qinghe_sanshi_2024.yaml")


def test_create_and_reopen_after_restart(tmp_path: Path, facts) -> None:
    path = tmp_path / "drafts.sqlite3"
    did = DraftStore(path).create(facts=facts, report=_report(), owner="a")
    reopened = DraftStore(path)  # a new process would open the same file
    d = reopened.get(did, owner="a")
    assert d.facts == facts
    assert d.report == _report()
    assert d.title == "青禾市第三实验小学党支部2024年度党建工作总结"
    assert [v.note for v in reopened.versions(did)] == ["生成全文"]


def test_draft_without_report_is_titled_from_facts(store: DraftStore, facts) -> None:
    did = store.create(facts=facts)
    assert store.get(did).title == "青禾市第三实验小学2024年"
    assert store.versions(did) == []
    assert store.create() != did and store.list()[0].title == "未命名草稿"


def test_owners_are_isolated(store: DraftStore) -> None:
    mine = store.create(report=_report(), owner="alice")
    theirs = store.create(report=_report("柳溪县城关学区", 2025), owner="bob")
    assert [d.id for d in store.list(owner="alice")] == [mine]
    assert [d.id for d in store.list(owner="bob")] == [theirs]
    assert {d.id for d in store.list()} == {mine, theirs}
    assert store.exists(mine, owner="alice") and not store.exists(mine, owner="bob")
    with pytest.raises(DraftNotFound):
        store.get(mine, owner="bob")
    with pytest.raises(DraftNotFound):
        store.update_section_text(mine, "overview", "被他人改写", owner="bob")
    with pytest.raises(DraftNotFound):
        store.save(mine, report=_report("别人的单位"), owner="bob")
    with pytest.raises(DraftNotFound):
        store.versions(mine, owner="bob")
    assert store.get(mine).report.section("overview").text == "支部现有党员31名。"


def test_missing_ids_are_not_found(store: DraftStore) -> None:
    for bad in (None, "", "nope"):
        assert not store.exists(bad)
        with pytest.raises(DraftNotFound):
            store.get(bad)
    did = store.create()
    with pytest.raises(DraftNotFound, match="尚未生成正文"):
        store.update_section_text(did, "overview", "x")


def test_section_edit_is_saved_without_a_version(store: DraftStore) -> None:
    did = store.create(report=_report(), owner="a")
    report = store.update_section_text(did, "theory", "全年开展主题党日12次，改过了。", owner="a")
    assert report.section("theory").text.endswith("改过了。")
    assert store.get(did).report.section("theory").text.endswith("改过了。")
    assert len(store.versions(did)) == 1
    with pytest.raises(KeyError):
        store.update_section_text(did, "no-such-section", "x")


def test_concurrent_edits_of_different_sections_both_survive(store: DraftStore) -> None:
    did = store.create(report=_report())
    ids = ["overview", "practice", "theory", "plans"]
    barrier = threading.Barrier(len(ids))

    def edit(sid: str) -> None:
        barrier.wait()
        for n in range(15):
            store.update_section_text(did, sid, f"{sid} 第{n}次修改")

    threads = [threading.Thread(target=edit, args=(sid,)) for sid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = store.get(did).report
    assert [report.section(sid).text for sid in ids] == [f"{sid} 第14次修改" for sid in ids]


def test_versions_dedupe_and_diff(store: DraftStore) -> None:
    did = store.create(report=_report())
    assert store.add_version(did, "编辑：一、基本情况") == 1  # unchanged: no new version
    store.update_section_text(did, "overview", "支部现有党员32名。")
    assert store.add_version(did, "编辑：一、基本情况") == 2
    regenerated = SectionDraft(id="plans", heading="三、下一步工作打算", kind="plans", text="推动全会精神进课堂。")
    store.replace_section(did, regenerated, version_note="重新生成：三、下一步工作打算")
    assert [(v.number, v.note) for v in store.versions(did)] == [
        (1, "生成全文"), (2, "编辑：一、基本情况"), (3, "重新生成：三、下一步工作打算")]
    assert store.version(did, 1).section("overview").text == "支部现有党员31名。"
    assert store.version(did, 3).section("plans").text == "推动全会精神进课堂。"

    unified = store.diff(did, 1, 3)
    assert "-支部现有党员31名。" in unified and "+支部现有党员32名。" in unified
    assert "+推动全会精神进课堂。" in unified and "-深化党建品牌建设。" in unified
    assert store.diff(did, 3, None) == ""  # the latest version is the current text

    lines = store.diff_lines(did, 1, 2, context=0)
    assert [(x.op, x.text) for x in lines] == [("remove", "支部现有党员31名。"), ("add", "支部现有党员32名。")]
    with pytest.raises(DraftNotFound):
        store.version(did, 9)


def test_save_replaces_report_and_versions_it(store: DraftStore, facts) -> None:
    did = store.create(facts=facts, owner="a")
    assert store.save(did, facts=facts, report=_report(), version_note="生成全文", owner="a") == 1
    again = _report()
    again.sections[0].text = "第二次生成。"
    assert store.save(did, report=again, version_note="生成全文", owner="a") == 2
    assert store.get(did).report.section("overview").text == "第二次生成。"


def test_delete(store: DraftStore) -> None:
    did = store.create(report=_report(), owner="a")
    with pytest.raises(DraftNotFound):
        store.delete(did, owner="b")
    store.delete(did, owner="a")
    assert not store.exists(did)
    assert store.list() == []


def test_text_diff_context_and_gaps() -> None:
    old = "\n".join(f"第{i}行" for i in range(10))
    new = old.replace("第1行", "第一行").replace("第8行", "第八行")
    ops = [(x.op, x.text) for x in text_diff(old, new, context=1)]
    assert ("remove", "第1行") in ops and ("add", "第一行") in ops
    assert ("gap", "……") in ops
    assert ("same", "第4行") not in ops  # far from any change
    assert text_diff("同样", "同样") == []


def test_title_opening_and_closing_edits(store: DraftStore) -> None:
    did = store.create(report=_report())
    store.update_part(did, "title", "青禾市第三实验小学党支部2024年党建工作总结（修改稿）")
    store.update_part(did, "opening", "改写后的开头。")
    report = store.update_part(did, "closing", "改写后的结尾。")
    assert (report.title, report.opening, report.closing) == (
        "青禾市第三实验小学党支部2024年党建工作总结（修改稿）", "改写后的开头。", "改写后的结尾。")
    assert store.get(did).report == report
    assert store.list()[0].title.endswith("（修改稿）")
    with pytest.raises(ValueError, match="不能编辑"):
        store.update_part(did, "sections", "x")  # type: ignore[arg-type]

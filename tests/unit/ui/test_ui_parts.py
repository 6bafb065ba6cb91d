"""The UI's translation layers without a browser: facts form ↔ Facts, HTML rendering, streaming, context."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from draftkit.config import Settings
from draftkit.draft.events import WriterEvent
from draftkit.facts import FactsError, load_facts
from draftkit.report import Exemplar
from draftkit.store.drafts import text_diff
from draftkit.ui import render
from draftkit.ui.app import parse_auth
from draftkit.ui.context import AppContext
from draftkit.ui.facts_form import BLANK_ROWS, FactsForm
from draftkit.ui.streaming import Outcome, events_of


@pytest.fixture(scope="module")
def sample_facts(samples_dir: Path) -> list[Path]:
    paths = sorted((samples_dir / "facts").glob("*.yaml"))
    assert paths, "samples/facts/*.yaml missing"
    return paths


def test_form_round_trips_every_sample(sample_facts: list[Path]) -> None:
    for path in sample_facts:
        facts = load_facts(path)
        values = FactsForm.values(facts)
        again = FactsForm.to_facts(values)
        assert again.model_dump() == facts.model_dump(), path.name
        assert again.derived_fields == facts.derived_fields


def test_form_tables_offer_blank_rows_and_ignore_them(sample_facts: list[Path]) -> None:
    facts = load_facts(sample_facts[0])
    values = FactsForm.values(facts)
    activities = next(v for v in values if hasattr(v, "columns") and "活动名称" in v.columns)
    assert len(activities) == len(facts.activities) + BLANK_ROWS
    assert list(activities.iloc[-1]) == [""] * len(activities.columns)


def test_form_takes_typed_strings_and_chinese_kind_labels() -> None:
    values = FactsForm.values(None)
    values[0], values[2] = "青禾市测试小学", 2024
    values[6] = "31"  # members.total typed as text
    activities = values[16]
    activities.iloc[0] = ["主题党日", "组织建设", "12", "2024-05", "", "每月一次"]
    facts = FactsForm.to_facts(values)
    assert facts.members.total == 31
    assert facts.activities[0].kind == "organization" and facts.activities[0].count == 12
    assert facts.activities[0].date == "2024-05" and facts.activities[0].participants is None


def test_form_errors_are_chinese_and_name_the_field() -> None:
    values = FactsForm.values(None)  # no unit, no year
    values[6] = "三十一"
    with pytest.raises(FactsError) as err:
        FactsForm.to_facts(values)
    text = str(err.value)
    assert text.startswith("表单")
    assert "unit" in text and "year" in text and "members.total" in text


def test_cards_escape_corpus_text_and_show_the_source() -> None:
    ex = Exemplar(chunk_id="c1", title="<b>青禾</b>二中2019年总结", year=2019, unit="青禾市第二中学",
                  heading_path=["二、主要做法", "（一）理论学习"], text="<script>alert(1)</script>坚持三会一课")
    html = render.exemplar_cards([ex])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;青禾&lt;/b&gt;" in html and "2019年" in html and "（一）理论学习" in html
    assert "未引用" in render.exemplar_cards([])

    chunk = SimpleNamespace(title="总结", year=2020, unit="单位", heading_path=["一、基本情况"], kind="overview",
                            source="/corpus/A1.docx", text="坚持每月开展主题党日活动，组织党员学习")
    hit = SimpleNamespace(chunk=chunk, score=0.5, dense_rank=1, lexical_rank=None, rank=1)
    cards = render.hit_cards([hit], "每月开展主题党日活动")
    assert "<mark>每月开展主题党日活动</mark>" in cards
    assert ">A1.docx</span>" in cards and "title='/corpus/A1.docx'" in cards and "基本情况" in cards and "语义第1" in cards


def test_highlight_shared_marks_only_long_runs() -> None:
    assert render.highlight_shared("甲乙丙丁戊己庚", "乙丙丁", n=6) == "甲乙丙丁戊己庚"
    assert render.highlight_shared("ab<c>defgh", "<c>def", n=6) == "ab<mark>&lt;c&gt;def</mark>gh"


def test_diff_html_marks_added_and_removed_lines() -> None:
    html = render.diff_html(text_diff("甲\n乙\n丙", "甲\n乙改\n丙"))
    assert "class='remove'>− 乙<" in html and "class='add'>+ 乙改<" in html
    assert "相同" in render.diff_html([])


def test_events_of_yields_events_then_the_outcome() -> None:
    def work(n, on_event):
        for i in range(n):
            on_event(WriterEvent.token("s1", str(i)))
        return "done"

    items = list(events_of(work, 3))
    assert items[:3] == [WriterEvent.token("s1", "0"), WriterEvent.token("s1", "1"), WriterEvent.token("s1", "2")]
    assert items[-1] == Outcome(value="done")

    def broken(on_event):
        on_event(WriterEvent.start("s1"))
        raise RuntimeError("模型超时")

    items = list(events_of(broken))
    assert items[0] == WriterEvent("section_start", section_id="s1")
    assert isinstance(items[-1].error, RuntimeError) and items[-1].value is None


def test_context_keeps_its_browser_key_and_separates_owners(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", index_dir=tmp_path / "index")
    a = AppContext.from_settings(settings)
    b = AppContext.from_settings(settings)  # a restart
    assert a.browser_key == b.browser_key and len(a.browser_key) >= 16
    assert not (tmp_path / "var" / "ui_secret").exists()  # nothing called a secret is sent to the page
    assert a.index() is None and not a.has_index()
    assert a.index_for_drafting()[0] is None

    anonymous = SimpleNamespace(username=None)
    alice, bob = "a1" * 16, "b2" * 16
    assert a.owner(anonymous, alice) == f"browser:{alice}"
    assert a.owner(SimpleNamespace(username="mishu"), alice) == "user:mishu"
    assert a.owner(SimpleNamespace(username="mishu"), None) == "user:mishu"
    f1, f2 = a.owner_folder(f"browser:{alice}"), a.owner_folder(f"browser:{bob}")
    assert f1 != f2 and f1.parent == f2.parent == a.export_dir
    assert alice not in f1.name  # never a user-chosen name on disk


@pytest.mark.parametrize("blank", [None, "", "   ", "null", "undefined", 0, ["x" * 32]])
def test_a_missing_client_identity_matches_no_draft(tmp_path: Path, blank) -> None:
    import gradio as gr

    ctx = AppContext.from_settings(Settings(data_dir=tmp_path / "var", index_dir=tmp_path / "index"))
    with pytest.raises(gr.Error, match="缺少客户端标识"):
        ctx.owner(SimpleNamespace(username=None), blank)
    with pytest.raises(gr.Error):
        ctx.owner(None, blank)


def test_the_old_ui_secret_is_taken_over_as_the_public_browser_key(tmp_path: Path) -> None:
    """Browsers that stored their state under the old value keep their drafts after the upgrade."""
    data = tmp_path / "var"
    data.mkdir()
    (data / "ui_secret").write_text("old-value-0123456789", encoding="utf-8")
    ctx = AppContext.from_settings(Settings(data_dir=data, index_dir=tmp_path / "index"))
    assert ctx.browser_key == "old-value-0123456789"
    assert not (data / "ui_secret").exists() and (data / "browser_state_key").is_file()


def test_warm_up_runs_once_without_an_index(tmp_path: Path) -> None:
    ctx = AppContext.from_settings(Settings(data_dir=tmp_path / "var", index_dir=tmp_path / "none"))
    before = threading.active_count()
    ctx.skip_warm_up()
    ctx.warm_up()
    assert threading.active_count() == before


def test_parse_auth() -> None:
    assert parse_auth(None) is None
    assert parse_auth("mishu:pa:ss") == ("mishu", "pa:ss")
    for bad in ("mishu", ":x", "mishu:"):
        with pytest.raises(ValueError, match="用户名:密码"):
            parse_auth(bad)


def test_live_report_follows_the_real_writer(sample_facts: list[Path]) -> None:
    from draftkit.draft.writer import draft_report
    from draftkit.ui.streaming import LiveReport

    facts = load_facts(next(p for p in sample_facts if "sanshi_2024" in p.name))
    state = LiveReport()
    kinds: list[str] = []
    labels: list[str] = []

    def on_event(event):
        kinds.append(state.apply(event))
        labels.append(state.label())

    report = draft_report(facts, backend="template", on_event=on_event)
    assert kinds[0] == "plan" and "section_done" in kinds and "token" in kinds
    assert any(label.startswith("正在生成第 1/") for label in labels)
    assert state.label() == f"已完成 {len(report.sections)}/{len(report.sections)} 节"
    assert state.live == {} and state.active is None
    assert [s.text for s in state.report.sections] == [s.text for s in report.sections]
    assert state.take_dirty() == {s.id for s in report.sections} and state.take_dirty() == set()


def test_parse_year() -> None:
    from draftkit.ui.facts_form import parse_year

    assert parse_year(" 2019 ") == 2019 and parse_year("2024年") == 2024
    assert parse_year("") is None and parse_year(None) is None
    with pytest.raises(ValueError, match="四位数字"):
        parse_year("二〇一九")


def test_check_findings_link_to_their_paragraph_in_a_marked_up_copy(seed_paths: dict[str, Path]) -> None:
    import re

    from draftkit.checks import ReportText, run_checks
    from draftkit.ui.check_tab import findings_html

    rt = ReportText.from_file(seed_paths["002"])  # furniture (raw findings) and convert errors
    result = run_checks(rt, year=2023)
    html = findings_html(result, rt)
    links = set(re.findall(r"href='#(dk-chk-[pr]-\d+)'", html))
    ids = set(re.findall(r"id='(dk-chk-[pr]-\d+)'", html))
    assert links and links <= ids  # every link has its target
    assert any(a.startswith("dk-chk-r-") for a in links) and any(a.startswith("dk-chk-p-") for a in links)
    assert "原文第" in html and "效劳</mark>" in html
    marks = re.findall(r"<mark class='dk-mark-P[012]' title='[^']*'>([^<]*)</mark>", html)
    assert "效劳" in marks and any("收藏" in m for m in marks)
    assert "<script" not in html.lower()
    # without the text (the CLI's view) the list stays as it was: no links, no copy of the text
    plain = findings_html(result)
    assert "href=" not in plain and "dk-doc" not in plain


def test_check_view_of_a_huge_text_is_capped() -> None:
    from draftkit.checks import ReportText, run_checks
    from draftkit.ui.check_tab import DOC_VIEW_MAX_CHARS, findings_html

    para = "学校党支部坚持每月开展主题党日活动，组织党员集中学习，共有X名党员参加。"
    rt = ReportText.from_text("\n".join(f"{i}{para}" for i in range(20_000)), detect=False)
    result = run_checks(rt, year=2024)
    html = findings_html(result, rt)
    assert "以下" in html and "段未显示" in html
    assert len(html) < 40 * DOC_VIEW_MAX_CHARS


def test_proofread_choices_list_only_proofreading_findings():
    from draftkit.checks import run_checks
    from draftkit.checks.proofread import Overlay
    from draftkit.ui.check_tab import findings_html, proofread_choices, summary_md

    result = run_checks("某某学校2024年党建工作总结\n认真布署工作，落实XX要求。", year=2024, overlay=Overlay())
    choices = proofread_choices(result)
    assert [result.findings[i].text for _, i in choices] == ["布署"]
    assert choices[0][0].startswith("第2段 “布署”")
    assert "校对" in summary_md(result) and "错别字" in findings_html(result)


def test_saved_marks_digest_code_points_like_the_page() -> None:
    """render.text_digest must equal EDIT_JS's digest (h = h*31 + code point, mod 2**32; length in code points)."""
    assert render.text_digest("") == "0:0"
    assert render.text_digest("a") == "1:97"
    assert render.text_digest("ab") == f"2:{97 * 31 + 98}"
    assert render.text_digest("𠀀") == f"1:{0x20000}"  # one code point, two UTF-16 units
    long = "党建" * 5000
    h = 0
    for ch in long:
        h = (h * 31 + ord(ch)) % 2**32
    assert render.text_digest(long) == f"10000:{h}"
    mark = render.saved_mark("sec-1-text", "<x>")
    assert "data-box='sec-1-text'" in mark and "<x>" not in mark and mark != render.saved_mark("sec-1-text", "<x>")

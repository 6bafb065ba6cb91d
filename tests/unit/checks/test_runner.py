"""run_checks: the year's source, the summary, the notes and the caps."""

from __future__ import annotations

from draftkit.checks import ReportText, run_checks
from draftkit.checks.runner import resolve_year


def test_year_order_facts_then_argument_then_title_then_text(facts):
    rt = ReportText.from_text("某小学2021年党建工作总结\n正文。")
    assert resolve_year(rt, facts, 2019) == (2024, "facts")
    assert resolve_year(rt, None, 2019) == (2019, "argument")
    assert resolve_year(rt, None, None) == (2021, "title")
    body = ReportText.from_text("支部工作总结\n2022年，支部开展活动。2022年底完成。2023年将继续。", detect=False)
    assert resolve_year(body, None, None) == (2022, "text")
    assert resolve_year(ReportText.from_text("没有年份的文字。"), None, None) == (None, "none")


def test_seed_001_year_from_text(seed_paths):
    from draftkit.checks import check_file

    r = check_file(seed_paths["001"])
    assert (r.year, r.year_source) == (2023, "text")
    assert any("2023" in n for n in r.summary.notes)
    assert r.summary.by_check["era"]["P0"] >= 1


def test_no_year_skips_era_with_a_note():
    r = run_checks("以党的十九大精神为指导，扎实推进工作。")
    assert r.year is None
    assert not [f for f in r.findings if f.check == "era"]
    assert any("时代" in n for n in r.summary.notes)
    r = run_checks("以党的十九大精神为指导，扎实推进工作。", year=2024)
    assert [f.rule for f in r.findings] == ["era.stale_guiding"]


def test_summary_counts_and_json_shape(facts):
    text = ("柳溪县实验小学2024年党建工作总结\n一、基本情况\n学校党支部共有党员25名。\n"
            "三、主要做法\n以党的十九大精神为指导，共有XX名党员参加。")
    r = run_checks(text, facts=facts)
    assert r.year == 2024
    s = r.summary
    assert s.total == len(r.findings) == sum(s.by_severity.values())
    assert s.by_check["facts"]["P0"] >= 1 and s.by_check["era"]["P0"] == 1
    assert s.by_check["residue"]["P0"] >= 1 and s.by_check["residue"]["P1"] >= 1  # XX, 三、 after 一、
    assert s.reuse_share is None and any("检索库" in n for n in s.notes)
    data = r.to_json_dict()
    assert set(data) >= {"year", "summary", "findings"}
    assert set(data["findings"][0]) >= {"check", "severity", "section", "paragraph", "span", "message",
                                        "suggestion", "source", "rule"}


def test_findings_per_rule_are_capped():
    text = "\n".join(f"第{i}段有XX名党员。" for i in range(50))
    r = run_checks(text, year=2024, max_per_rule=10)
    assert len([f for f in r.findings if f.rule == "residue.placeholder"]) == 10
    assert any("共50条" in n for n in r.summary.notes)


def test_robust_inputs():
    for text in ("", "   \n\n", "一段没有标题的文字。"):
        r = run_checks(text, year=2024)
        assert r.summary.total == len(r.findings)

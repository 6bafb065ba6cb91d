"""Facts fidelity: unsupported numbers, dates, names, units; unused facts."""

from __future__ import annotations

from draftkit.checks.fidelity import unsupported_facts, unused_facts


def _rules(findings):
    return [(f.rule, f.text) for f in findings]


def test_wrong_member_count_is_p0(facts):
    found = unsupported_facts("学校党支部共有25名党员，其中预备党员2名。", facts)
    p0 = [f for f in found if f.severity == "P0"]
    assert len(p0) == 1
    assert p0[0].rule == "facts.number_contradicts" and p0[0].fact == "members.total"
    assert p0[0].text == "25名" and "23" in p0[0].message
    assert p0[0].paragraph == 0 and p0[0].span == (7, 10)


def test_supported_numbers_give_nothing(facts):
    text = ("学校党支部现有党员23名，其中正式党员21名、预备党员2名、离退休党员3名，在职党员20名。"
            "下设3个党小组，确定入党积极分子4名，发展党员2名。党员占教职工总数的38.3%。")
    assert unsupported_facts(text, facts) == []


def test_keyword_before_number(facts):
    found = unsupported_facts("现有党员26名。", facts)
    assert [f.rule for f in found] == ["facts.number_contradicts"]


def test_chinese_numeral_counts(facts):
    assert unsupported_facts("全年开展主题党日十二次。", facts) == []
    found = unsupported_facts("全年开展主题党日十五次。", facts)
    assert len(found) == 1 and found[0].text == "十五次"
    # set phrases with numerals are not counts
    assert unsupported_facts("严格落实“三会一课”制度，增强“四个意识”。", facts) == []


def test_activity_count_contradiction(facts):
    found = unsupported_facts("书记刘建华讲专题党课5次。", facts)
    assert [(f.severity, f.fact) for f in found] == [("P0", "activities[1].count")]


def test_unsupported_number_is_p1_and_allowed_extra_supports_it(facts):
    found = unsupported_facts("开展家访386户。", facts)
    assert [(f.severity, f.rule, f.text) for f in found] == [("P1", "facts.number_unsupported", "386户")]
    assert unsupported_facts("开展家访386户。", facts, allowed_extra=["家访386户"]) == []
    assert unsupported_facts("开展家访386户。", facts, allowed_extra=[386]) == []


def test_headings_and_list_numbers_are_not_counts(facts):
    text = "一、基本情况\n（一）理论学习\n1.加强学习。\n（2）规范组织生活。\n第5次会议"
    assert unsupported_facts(text, facts) == []


def test_dates_and_years(facts):
    found = unsupported_facts("2024年5月开展主题党日。2024年9月3日召开大会。2019年曾获表彰。2025年将继续。", facts)
    rules = _rules(found)
    assert ("facts.date_unsupported", "2024年9月3日") in rules
    assert ("facts.year_unsupported", "2019年") in rules
    assert all("2024年5月" not in t for _, t in rules)  # the activity's date
    assert all("2025" not in t for _, t in rules)  # next year's plans
    sev = {f.text: f.severity for f in found}
    assert sev["2024年9月3日"] == "P1" and sev["2019年"] == "P2"


def test_percentages(facts):
    found = unsupported_facts("家长满意率为96.8%。", facts)
    assert [f.rule for f in found] == ["facts.percent_unsupported"]


def test_names(facts):
    assert unsupported_facts("支部书记刘建华同志带头讲党课。", facts) == []
    found = unsupported_facts("校长王强主持会议，李明华同志作交流发言。全体党员同志参加。", facts)
    assert [f.text for f in found if f.rule == "facts.name_unsupported"] == ["王强", "李明华"]


def test_units(facts):
    found = unsupported_facts("柳溪县实验小学党支部与青山县第二中学结对，县教育局党委、学校党支部和全县中小学参加。", facts)
    assert [f.text for f in found if f.rule == "facts.unit_unsupported"] == ["青山县第二中学"]


def test_unused_facts(facts):
    text = "学校党支部现有党员23名，下设3个党小组。全年开展主题党日12次，专题党课4次。书记刘建华。"
    unused = {f.fact for f in unused_facts(text, facts)}
    assert {"members.probationary", "members.activists", "members.staff", "brand", "honours[0]"} <= unused
    assert "structure.committee[1]" in unused  # 陈立新 never named
    assert "members.total" not in unused and "activities[0]" not in unused and "activities[1]" not in unused
    assert all(f.severity == "P2" and f.check == "facts" for f in unused_facts(text, facts))


def test_empty_and_no_headings(facts):
    assert unsupported_facts("", facts) == []
    assert unsupported_facts("没有标题也没有数字的一段话", facts) == []
    assert len(unused_facts("", facts)) > 0


def test_large_text(facts):
    para = "学校坚持把党建工作与教育教学深度融合，扎实推进各项工作。" * 60 + "共有25名党员。\n"
    big = para * 2200 + "无标点的长文字" * 500_000
    assert len(big.encode("utf-8")) > 10_000_000
    found = unsupported_facts(big, facts)
    assert len(found) == 2200 and all(f.rule == "facts.number_contradicts" for f in found)
    assert "members.total" in {f.fact for f in unused_facts(big, facts)}  # 23 is never written

"""The residue check: placeholders, furniture, duplicates, heading numbering, half-width punctuation."""

from __future__ import annotations

from pathlib import Path

import pytest

from draftkit.checks import ReportText
from draftkit.checks.residue import check_residue


def _texts(findings, rule):
    return [f.text for f in findings if f.rule == rule]


def test_seed_000_placeholders(seed_text):
    found = check_residue(seed_text("000"))
    ph = [f for f in found if f.rule == "residue.placeholder"]
    assert "XXX" in [f.text for f in ph]
    assert any("X个" in f.message for f in ph) and any("X名" in f.message for f in ph)
    assert all(f.severity == "P0" for f in ph if f.text != "X")


def test_seed_002_raw_furniture(seed_text):
    found = check_residue(seed_text("002"))
    furniture = " ".join(_texts(found, "residue.furniture"))
    for phrase in ("收藏", "第1页 / 共7页", "展开阅读全文", "猜你喜欢", "ICP"):
        assert phrase in furniture, phrase
    assert all(f.severity == "P0" for f in found if f.rule == "residue.furniture")


def test_seed_002_file_keeps_raw_view(seed_paths):
    rt = ReportText.from_file(seed_paths["002"])
    assert rt.raw_paragraphs is not None
    assert "收藏" not in rt.text  # cleaned view
    found = check_residue(rt)
    furn = [f for f in found if f.rule == "residue.furniture"]
    assert furn and all(f.raw for f in furn)
    p = rt.raw_paragraphs[furn[0].paragraph]
    assert p.text[furn[0].span[0] : furn[0].span[1]] == furn[0].text


def test_ads_and_appended_document(seed_text):
    found = check_residue(seed_text("001"))
    assert _texts(found, "residue.ad")
    assert [f.severity for f in found if f.rule == "residue.appended_document"] == ["P0"]


def test_heading_gap_and_disorder():
    text = "一、基本情况\n正文。\n三、主要做法\n（二）组织建设\n正文。\n（一）理论学习\n1.学习。\n3.活动。"
    found = check_residue(text)
    rules = [(f.rule, f.text) for f in found]
    assert ("residue.heading_gap", "三、") in rules
    assert ("residue.heading_first", "（二）") in rules
    assert ("residue.heading_disorder", "（一）") in rules
    assert ("residue.heading_gap", "3.") in rules
    gap = next(f for f in found if f.text == "三、")
    assert "二、" in gap.message and gap.severity == "P1"


def test_good_numbering_has_no_finding():
    text = "一、基本情况\n（一）甲\n1.子项\n2.子项\n（二）乙\n1.子项\n二、做法\n（一）丙\n三、问题\n四、打算"
    assert check_residue(text) == []


def test_duplicate_paragraph_and_template():
    para = "支部坚持每月开展一次主题党日活动，组织党员集中学习。"
    text = f"{para}\n另一段文字，内容不同。\n{para}\n党员教师积极参加,效果良好。\n【待补充：本年度获奖情况】"
    found = check_residue(text)
    dup = [f for f in found if f.rule == "residue.duplicate"]
    assert [(f.paragraph, f.severity) for f in dup] == [(2, "P1")] and "第1段" in dup[0].message
    # half-width punctuation is the proofreading check's now (tests/unit/checks/test_proofread.py)
    assert not [f for f in found if "halfwidth" in f.rule]
    assert [f.text for f in found if f.rule == "residue.placeholder"] == ["【待补充：本年度获奖情况】"]


SAMPLES = sorted((Path(__file__).resolve().parents[3] / "samples" / "src").glob("*.txt"))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_clean_samples_have_no_residue(path: Path):
    assert check_residue(path.read_text(encoding="utf-8")) == []


def test_robust_on_empty_no_headings_and_large():
    assert check_residue("") == []
    assert check_residue("一段没有标题的文字，写得很完整。") == []
    big = ("学校党支部坚持把党建工作与教育教学深度融合，扎实推进各项工作。" * 60 + "共有X名党员。\n") * 2200
    big += "无标点的长文字" * 500_000
    assert len(big.encode("utf-8")) > 10_000_000
    found = check_residue(big)
    assert any(f.rule == "residue.placeholder" for f in found)
    assert any(f.rule == "residue.duplicate" for f in found)


def test_seed_convert_errors_found_with_their_fix(seed_text):
    found = {key: [f for f in check_residue(seed_text(key)) if f.rule == "residue.convert_error"]
             for key in ("000", "002", "003", "004")}
    assert found["000"] == [] and found["003"] == []  # reports not run through a converter
    fixes = {(f.text, f.message.split("应为“")[1].split("”")[0]) for f in found["002"] + found["004"]}
    for pair in [("效劳", "服务"), ("原那么", "原则"), ("规那么", "规则"), ("根底", "基础"), ("加强和改良", "加强和改进"),
                 ("以身作那么", "以身作则"), ("根本情况", "基本情况"), ("存在的缺乏", "存在的不足"), ("和谐开展", "和谐发展"),
                 ("促开展", "促发展"), ("开展党员", "发展党员")]:
        assert pair in fixes, pair
    assert all(f.severity == "P1" and f.suggestion and f.raw is False for f in found["004"])
    lines = seed_text("004").split("\n")  # a text's paragraphs are its lines
    for f in found["004"]:
        assert lines[f.paragraph][f.span[0] : f.span[1]] == f.text


def test_convert_error_rules_leave_real_uses_alone():
    real = ("学习效果缺乏督导，党员缺乏主动性。各项工作持续开展。开展党员教育活动。坚持立德树人的根本任务。"
            "根本上解决问题。那么多的党员。专业开展活动。和谐开展各项活动。问题和短板。")
    assert [f.text for f in check_residue(real) if f.rule == "residue.convert_error"] == []


def test_own_phrase_banks_have_no_convert_error():
    import yaml

    phrases = Path(__file__).resolve().parents[3] / "prompts" / "phrases"
    texts: list[str] = []

    def walk(node):
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for f in sorted(phrases.glob("*.yaml")):
        walk(yaml.safe_load(f.read_text(encoding="utf-8")))
    assert len(texts) > 50
    found = [f.text for f in check_residue("\n".join(texts)) if f.rule == "residue.convert_error"]
    assert found == []

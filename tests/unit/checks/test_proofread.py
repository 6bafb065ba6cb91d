"""The proofreading check: each family on planted errors and their corrected twins, the word guard,
the user overlay, and robustness."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from draftkit.checks import run_checks
from draftkit.checks.proofread import (
    Overlay,
    ProofreadConfigError,
    check_proofread,
    lexicon_sizes,
    load_overlay,
    not_an_error,
)
from draftkit.config import get_settings

REPO = Path(__file__).resolve().parents[3]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_proofread", REPO / "benchmarks" / "bench_proofread.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def measured():
    bench = _bench()
    return bench.measure(bench.load_set())


def found(text: str, overlay: Overlay | None = None) -> list[tuple[str, str, str | None, str]]:
    return [(f.rule.split(".")[1], f.text, f.replacement, f.severity) for f in check_proofread(text, overlay=overlay or Overlay())]


def test_lexicons_are_data_of_the_promised_size():
    sizes = lexicon_sizes()
    assert sizes["typo"] >= 300
    assert all(sizes[f] > 0 for f in ("punct", "number", "term", "date"))


@pytest.mark.parametrize("family", ["typo", "punct", "number", "term", "date"])
def test_family_on_planted_errors_and_twins(measured, family):
    c = measured["stats"][family]
    assert c["planted"] >= 20
    assert c["found"] / c["planted"] >= 0.8, [m[0].wrong for m in measured["misses"] if m[0].family == family]
    # 宁可漏报，不可误报: the corrected twins draw nothing at P0/P1
    assert c["twin_P0"] + c["twin_P1"] == 0, [(s, f.text) for s, f in measured["twins"] if f.rule.endswith(family)]


def test_planted_set_recall_overall(measured):
    total = Counter()
    for c in measured["stats"].values():
        total.update(c)
    assert total["planted"] >= 200 and total["found"] / total["planted"] >= 0.8


# ---------------------------------------------------------------- own instances, each with its twin
@pytest.mark.parametrize(("wrong", "right", "expected"), [
    ("支部认真布署了全年工作。", "支部认真部署了全年工作。", ("typo", "布署", "部署", "P1")),
    ("要把精神惯彻到底。", "要把精神贯彻到底。", ("typo", "惯彻", "贯彻", "P1")),
    ("学习习总书记的重要讲话。", "学习习近平总书记的重要讲话。", ("term", "习总书记", "习近平总书记", "P1")),
    ("截止目前共有党员20名。", "截至目前共有党员20名。", ("term", "截止", "截至", "P1")),
    ("学习二十大三中全会精神。", "学习二十届三中全会精神。", ("term", "二十大三中全会", "二十届三中全会", "P1")),
    ("开展了庆祝建国75周年活动。", "开展了庆祝新中国成立75周年活动。", ("term", "建国75周年", "新中国成立75周年", "P1")),
    ("落实党中央国务院的部署。", "落实党中央、国务院的部署。", ("term", "党中央国务院", "党中央、国务院", "P1")),
    ("第一、加强学习；第二，抓好落实。", "第一，加强学习；第二，抓好落实。", ("punct", "第一、", "第一，", "P1")),
    ("党员教师积极参加,效果良好。", "党员教师积极参加，效果良好。", ("punct", ",", "，", "P2")),
    ("会议要求，，各组落实。", "会议要求，各组落实。", ("punct", "，，", "，", "P1")),
    ("共发展党员２名。", "共发展党员2名。", ("number", "２", "2", "P1")),
    ("优秀率保持在10-15%。", "优秀率保持在10%～15%。", ("number", "10-15%", None, "P2")),
    ("学校在24年12月换届。", "学校在2024年12月换届。", ("number", "24年12月", "2024年12月", "P1")),
    ("学校于2024年03月15日召开大会。", "学校于2024年3月15日召开大会。", ("date", "2024年03月15日", "2024年3月15日", "P2")),
])
def test_own_instances(wrong, right, expected):
    assert expected in found(wrong)
    assert not [f for f in found(right) if f[3] in ("P0", "P1")]


def test_only_certain_fixes_are_replacements():
    # a P2 rule's fix is a suggestion (it depends on use); a P1 fix, a half-width mark and a date are certain
    f = check_proofread("学校落实省委省政府的部署,做好工作。", overlay=Overlay())
    by_text = {x.text: x for x in f}
    assert by_text["省委省政府"].replacement is None and "省委、省政府" in by_text["省委省政府"].suggestion
    assert by_text[","].replacement == "，"


def test_unpaired_quote_and_nested_quote():
    assert [(f[0], f[1], f[3]) for f in found("开展“不忘初心主题教育。")] == [("punct", "“", "P1")]
    assert [(f[0], f[1], f[3]) for f in found("开展了专题党课》学习。")] == [("punct", "》", "P1")]
    assert found("开展“不忘初心”主题教育，要把“‘四个意识’落实”。") == []
    assert [(f[0], f[3]) for f in found("他说：“要把“四个意识”落实到行动上”。")] == [("punct", "P2")]
    assert found("1）加强学习；2）抓好落实。") == []  # a list label, not an unpaired bracket


def test_signature_date_in_any_form_gets_the_official_fix():
    for shown in ("二〇二四年十二月二十日", "2024.12.20", "2024/12/20", "2024年12月08日"):
        text = f"某某学校党建工作总结\n正文一段。\n中共某某学校支部委员会\n{shown}"
        dates = [f for f in check_proofread(text, overlay=Overlay()) if f.rule == "proofread.date"]
        assert [(f.paragraph, f.severity) for f in dates] == [(3, "P1")], shown
        assert dates[0].replacement == ("2024年12月8日" if shown.endswith("08日") else "2024年12月20日")
    assert found("某某学校党建工作总结\n正文一段。\n中共某某学校支部委员会\n2024年12月20日") == []


def test_word_guard_keeps_real_words():
    # each holds a lexicon's wrong form across two real words: 习惯|彻底, 接受|课后, 配合|做好, 预防|犯罪
    for text in ("养成良好习惯彻底改变作风。", "接受课后服务的学生达95%。", "配合做好迎检工作。", "开展预防犯罪宣传。"):
        assert found(text) == [], text


def test_overlay_switches_entry_off_adds_one_and_allows(tmp_path):
    path = tmp_path / "proofread.yaml"
    path.write_text("disable: ['typo:布署', number]\ntypo: {溪流洪: 溪流红}\nallow: ['青禾,实验']\n", encoding="utf-8")
    ov = load_overlay(path)
    got = found("认真布署工作，打造溪流洪品牌，共２名，青禾,实验小学,好。", ov)
    assert ("typo", "溪流洪", "溪流红", "P1") in got
    assert not [f for f in got if f[1] == "布署" or f[0] == "number"]
    assert [f[1] for f in got if f[0] == "punct"] == [","] and len([f for f in got if f[0] == "punct"]) == 1
    # the defaults still report what the overlay switched off
    assert {f[1] for f in found("认真布署工作，共２名。")} == {"布署", "２"}


def test_not_an_error_writes_the_overlay(tmp_path):
    path = tmp_path / "var" / "proofread.yaml"
    f = check_proofread("认真布署工作。", overlay=Overlay())[0]
    ov, added = not_an_error(f, "认真布署工作。", path=path)
    assert "typo:布署" in ov.disable and "布署" in added and path.is_file()
    assert check_proofread("认真布署工作。", overlay=load_overlay(path)) == []
    text = "学校在青禾,实验开展活动。"
    g = check_proofread(text, overlay=Overlay())[0]
    ov, _ = not_an_error(g, text, path=path)
    assert ov.allow == ["校在青禾,实验开展"] and check_proofread(text, overlay=load_overlay(path)) == []
    assert load_overlay(path).disable == ["typo:布署"]  # the first addition kept


def test_broken_overlay_is_a_clear_error(tmp_path):
    bad = tmp_path / "proofread.yaml"
    bad.write_text("disable: [\n", encoding="utf-8")
    with pytest.raises(ProofreadConfigError, match="proofread.yaml"):
        load_overlay(bad)
    bad.write_text("term: [{id: x, pattern: '('}]\n", encoding="utf-8")
    with pytest.raises(ProofreadConfigError, match="正则"):
        load_overlay(bad)


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTKIT_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    monkeypatch.undo()
    get_settings.cache_clear()


def test_overlay_from_data_dir_is_used_by_run_checks(data_dir):
    tmp_path = data_dir
    (tmp_path / "proofread.yaml").write_text("disable: [proofread.typo]\n", encoding="utf-8")
    r = run_checks("某某学校2024年党建工作总结\n认真布署工作。", year=2024)
    assert not [f for f in r.findings if f.rule == "proofread.typo"]


def test_robust_on_empty_no_headings_and_large():
    assert check_proofread("", overlay=Overlay()) == []
    assert check_proofread("一段没有标题的文字，写得很完整。", overlay=Overlay()) == []
    big = ("学校党支部扎实推进各项工作,认真布署。" * 200 + "\n") * 1500  # about 6 MB
    r = run_checks(big, year=2024)
    assert 0 < r.summary.by_check["proofread"]["P1"] <= 200
    assert any("校对只检查了前" in n for n in r.summary.notes)

"""A sentence offered for 插入 never names another year's campaign or congress, even where the era
check allows a mention of a past campaign (a problems sentence about 党史学习教育 in a 2024 report)."""

from draftkit.draft.borrow import exemplar_sentences
from draftkit.facts import Facts
from draftkit.report import Exemplar


def _ex(text: str) -> Exemplar:
    return Exemplar(chunk_id="c1", doc_id="d1", source="s.txt", title="t", unit="某校党支部", year=2021,
                    heading_path=[], text=text, score=0.5)


def test_other_years_campaigns_and_congresses_are_not_offered():
    facts = Facts(unit="青禾实验学校党支部", org_type="党支部", year=2024)
    text = ("一是党史学习教育中，部分党员满足于读了、听了，结合本职工作思考不深；"
            "支部组织党员原原本本学习党的十九大报告，深刻领会其精神实质。"
            "支部坚持把政治建设摆在首位，引导党员教师坚定理想信念。")
    offered = exemplar_sentences(_ex(text), facts)
    assert offered == ["支部坚持把政治建设摆在首位，引导党员教师坚定理想信念。"]


def test_the_years_own_campaign_is_offered():
    facts = Facts(unit="青禾实验学校党支部", org_type="党支部", year=2021)
    offered = exemplar_sentences(_ex("全体党员深入开展党史学习教育，引导党员学史明理、学史增信。"), facts)
    assert offered == ["全体党员深入开展党史学习教育，引导党员学史明理、学史增信。"]

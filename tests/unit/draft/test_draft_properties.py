"""Property: for any facts, the template draft states every number given and no other, and marks
exactly the required facts that are missing."""

from __future__ import annotations

import re

from draft_samples import fact_strings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from draftkit.draft.plan import MARKER_RE, plan_report
from draftkit.draft.writer import draft_report
from draftkit.facts import Facts

KINDS = ["theory", "organization", "conduct", "ideology", "integration", "brand", "service", "mass_orgs", "other",
         "honours", "plans"]
TITLES = ["主题党日", "专题党课", "党纪学习教育读书班", "组织生活会", "党员示范岗", "志愿服务队", "师德师风专题培训",
          "组织党员观看警示教育片", "“红烛”课后服务社团", "意识形态阵地检查", "教职工代表大会", "家访活动"]
count = st.none() | st.integers(min_value=0, max_value=500)

activity = st.fixed_dictionaries({
    "title": st.sampled_from(TITLES), "kind": st.sampled_from(KINDS), "count": count,
    "date": st.none() | st.builds(lambda m, d: f"2023-{m:02d}" + (f"-{d:02d}" if d else ""),
                                  st.integers(1, 12), st.none() | st.integers(1, 28)),
    "participants": count,
    "detail": st.none() | st.sampled_from(["每月一次", "覆盖全部教研组", "全体党员参加"]),
})
facts_data = st.fixed_dictionaries({
    "unit": st.sampled_from(["桃源县育才小学", "青禾市实验中学", "柳溪县城关学区", "青禾市第一幼儿园"]),
    "org_type": st.sampled_from(["党委", "党总支", "党支部", "联合党支部"]),
    "year": st.just(2023),
    "report_kind": st.sampled_from(["annual_summary", "half_year_summary", "secretary_review"]),
    "members": st.fixed_dictionaries({k: count for k in ("total", "probationary", "retired", "activists", "applicants",
                                                          "developed", "staff")}),
    "structure": st.fixed_dictionaries({"branches": count, "groups": count,
                                        "committee": st.lists(st.sampled_from(["书记 张明", "组织委员 李红"]),
                                                              max_size=2, unique=True)}),
    "activities": st.lists(activity, max_size=6),
    "problems": st.lists(st.sampled_from(["学习不够深入", "制度落实不到位"]), max_size=2, unique=True),
    "plans": st.lists(st.sampled_from(["深化品牌建设", "加强青年教师培养"]), max_size=2, unique=True),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts_data, st.integers(0, 5))
def test_numbers_names_and_markers(data, seed):
    facts = Facts.model_validate(data)
    report = draft_report(facts, backend="template", seed=seed)
    text = "\n".join([report.body_text(), report.signature.unit or "", report.signature.date_text])
    for s in fact_strings(facts):
        assert s in text, s
    numbers = {str(v) for v in facts.members.model_dump().values() if v is not None}
    numbers |= {str(v) for v in (facts.structure.branches, facts.structure.groups) if v is not None}
    for a in facts.activities:
        numbers |= {str(v) for v in (a.count, a.participants) if v is not None}
    found = set(re.findall(r"\d+", text))
    assert numbers <= found
    dates = {str(int(x)) for a in facts.activities if a.date for x in a.date.split("-")}
    era = plan_report(facts).era
    residue = text
    for s in sorted([*fact_strings(facts), era.guiding_line, era.thought, era.congress], key=len, reverse=True):
        residue = residue.replace(s, "◇")
    residue = "\n".join(re.sub(r"^\d{1,2}\.", "", line) for line in residue.split("\n"))
    assert set(re.findall(r"\d+", residue)) <= numbers | dates | {"2023"}
    # markers: exactly the required facts that are missing (plus each activity without a count)
    plan = plan_report(facts, seed=seed)
    expected = sorted(label for sp in plan.sections for label in sp.missing.values())
    expected += ["次数"] * sum(1 for sp in plan.sections for i in sp.activities if facts.activities[i].count is None)
    got = sorted(m for s in report.sections for m in MARKER_RE.findall(s.text))
    assert got == sorted(expected)

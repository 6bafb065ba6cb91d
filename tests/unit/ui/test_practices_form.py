"""The facts form's version-2 part: checkbox groups per section kind, her own practices and notes, the
carried-over fields and last_year survive a trip through the form's values."""

from __future__ import annotations

from pathlib import Path

from draftkit.facts import load_facts, parse_facts
from draftkit.practices import load_catalogue
from draftkit.ui.practices_form import (
    NOTE_KINDS,
    PRACTICE_KINDS,
    PracticesForm,
    confirm_html,
    practice_choices,
)

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "facts" / "qinghe_yizhong_2021.yaml"


def _base(facts):
    data = facts.to_data()
    for key in ("practices", "notes", "confirm", "last_year"):
        data.pop(key, None)
    return data


def test_values_to_data_round_trip_keeps_slots_confirm_and_last_year():
    facts = load_facts(SAMPLE)
    facts = facts.model_copy(update={
        "confirm": ["members.total"],
        "last_year": parse_facts({"unit": "x", "org_type": "党委", "year": 2021,
                                  "last_year": {"year": 2020, "problems": ["理论学习不深"]}}).last_year})
    values = PracticesForm.values(facts)
    back = parse_facts({**_base(facts), **PracticesForm.to_data(values)})
    assert back.practices == facts.practices  # 三会一课 keeps its freq
    assert back.notes == facts.notes and back.confirm == ["members.total"]
    assert back.last_year == facts.last_year


def test_ticks_own_practices_and_notes_become_facts():
    n = len(PRACTICE_KINDS)
    values = [[] for _ in PRACTICE_KINDS] + ["" for _ in PRACTICE_KINDS] + ["" for _ in NOTE_KINDS] + [{}, ""]
    values[PRACTICE_KINDS.index("theory")] = ["第一议题", "三会一课"]
    values[n + PRACTICE_KINDS.index("service")] = "护学岗\n\n 爱心驿站 "
    values[2 * n + NOTE_KINDS.index("brand")] = "“溪畔微光”党员服务队每周三下午为留守儿童辅导作业"
    data = PracticesForm.to_data(values)
    facts = parse_facts({"unit": "柳溪县第二实验小学", "org_type": "党支部", "year": 2025, **data})
    assert facts.practice_names("theory") == ["第一议题", "三会一课"]
    assert facts.practice_names("service") == ["护学岗", "爱心驿站"]
    assert facts.notes == {"brand": ["“溪畔微光”党员服务队每周三下午为留守儿童辅导作业"]}
    assert "confirm" not in data and "last_year" not in data


def test_choices_are_the_catalogue_plus_the_facts_own_names():
    facts = parse_facts({"unit": "x", "org_type": "党支部", "year": 2025, "practices": {"service": ["护学岗", "家访"]}})
    choices = practice_choices("service", facts)
    assert choices[: len(load_catalogue().names("service"))] == load_catalogue().names("service")
    assert choices[-1] == "护学岗" and choices.count("家访") == 1


def test_confirm_html_lists_the_fields_by_label():
    html = confirm_html(["members.total", "activities[2].count"])
    assert "党员总数" in html and 'data-path="activities[2].count"' in html and "dk-confirm" in html
    assert confirm_html([]) == ""

"""The facts form's version-2 part: per section kind, the catalogue's practices as a checkbox group, her own
practices (free text) and her notes; the fields carried over from last year's report (``confirm``),
highlighted until she confirms them; and ``last_year``, kept as it was loaded.

Translation only: the catalogue is :mod:`draftkit.practices`, validation is :func:`draftkit.facts.parse_facts`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import gradio as gr

from draftkit.facts import Facts, field_label, value_at
from draftkit.practices import load_catalogue
from draftkit.section_kinds import SECTION_KINDS

#: the 做法 kinds, in report order (those the catalogue has entries for)
PRACTICE_KINDS = ["theory", "organization", "conduct", "ideology", "integration", "brand", "service", "mass_orgs"]
#: kinds whose notes the form offers (a 做法 kind, and the parts around them)
NOTE_KINDS = ["overview", *PRACTICE_KINDS, "honours", "problems", "plans"]
CONFIRM_CLASS = "dk-confirm"
#: the highlight of carried-over fields (inline, so the form needs no stylesheet of its own)
CONFIRM_STYLE = "background:#fff4d6;border-left:4px solid #e0a100;padding:6px 10px;border-radius:4px"


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def practice_choices(kind: str, facts: Facts | None = None) -> list[str]:
    """The checkbox choices of one kind: the catalogue's names, then names the facts carry that the
    catalogue lacks (so loading a file and saving it again loses none)."""
    names = load_catalogue().names(kind)
    extra = [p.name for p in (facts.practices.get(kind, []) if facts else []) if p.name not in names]
    return names + extra


@dataclass
class PracticesForm:
    """Components: ``ticks[kind]`` (CheckboxGroup), ``own[kind]`` (her own practices, one a line),
    ``notes[kind]`` (one a line), ``confirm_box`` (the carried-over fields, shown highlighted),
    ``confirm_done`` (a button: 已核实), and ``state`` (confirm, last_year, practice slots as loaded)."""

    ticks: dict[str, gr.CheckboxGroup]
    own: dict[str, gr.Textbox]
    notes: dict[str, gr.Textbox]
    confirm_box: gr.HTML
    confirm_done: gr.Button
    state: gr.State

    @property
    def components(self) -> list[gr.components.Component]:
        """Inputs and outputs alike; ``confirm_box`` is last (shown, never read back)."""
        return [*(self.ticks[k] for k in PRACTICE_KINDS), *(self.own[k] for k in PRACTICE_KINDS),
                *(self.notes[k] for k in NOTE_KINDS), self.state, self.confirm_box]

    @staticmethod
    def to_data(values: list[Any]) -> dict[str, Any]:
        """Values in ``components`` order → ``practices``, ``notes``, ``confirm``, ``last_year`` of the facts
        data. A ticked practice that was loaded with slots (freq, count) keeps them."""
        n = len(PRACTICE_KINDS)
        values = [v.get("value") if isinstance(v, dict) and "__type__" in v else v for v in values]  # gr.update
        ticks = dict(zip(PRACTICE_KINDS, values[:n], strict=True))
        own = dict(zip(PRACTICE_KINDS, values[n:2 * n], strict=True))
        notes = dict(zip(NOTE_KINDS, values[2 * n:2 * n + len(NOTE_KINDS)], strict=True))
        state = values[2 * n + len(NOTE_KINDS)] or {}
        slots: dict[str, dict[str, Any]] = state.get("slots") or {}
        practices: dict[str, list[Any]] = {}
        for kind in PRACTICE_KINDS:
            names = list(ticks[kind] or []) + [x for x in _lines(own[kind]) if x not in (ticks[kind] or [])]
            if names:
                practices[kind] = [slots.get(f"{kind}/{name}", name) for name in names]
        data: dict[str, Any] = {"version": state.get("version", 2), "practices": practices,
                                "notes": {k: _lines(v) for k, v in notes.items() if _lines(v)}}
        if state.get("confirm"):
            data["confirm"] = list(state["confirm"])
        if state.get("last_year"):
            data["last_year"] = state["last_year"]
        return data

    @staticmethod
    def values(facts: Facts | None) -> list[Any]:
        """Component values showing ``facts`` (checkbox choices are updated alongside, see :meth:`updates`)."""
        ticks, own = [], []
        for kind in PRACTICE_KINDS:
            names = [p.name for p in (facts.practices.get(kind, []) if facts else [])]
            ticks.append(names)
            own.append("")
        notes = ["\n".join(facts.notes.get(k, [])) if facts else "" for k in NOTE_KINDS]
        return [*ticks, *own, *notes, form_state(facts), confirm_html(facts)]

    @staticmethod
    def updates(facts: Facts | None) -> list[Any]:
        """``gr.update`` values for ``components``: choices include the facts' own names."""
        vals = PracticesForm.values(facts)
        out: list[Any] = []
        for i, kind in enumerate(PRACTICE_KINDS):
            out.append(gr.update(choices=practice_choices(kind, facts), value=vals[i]))
        return out + vals[len(PRACTICE_KINDS):]


def form_state(facts: Facts | None) -> dict[str, Any]:
    """What the form keeps but does not show as fields: confirm, last_year, and practice slots."""
    if facts is None:
        return {}
    slots = {f"{k}/{p.name}": p.model_dump(exclude_none=True)
             for k, items in facts.practices.items() for p in items if p.freq or p.count is not None}
    state: dict[str, Any] = {"version": facts.version, "confirm": list(facts.confirm), "slots": slots}
    if facts.last_year is not None:
        state["last_year"] = facts.last_year.model_dump(mode="json", exclude_none=True)
    return state


def confirm_html(facts_or_paths: Facts | list[str] | None) -> str:
    """The carried-over fields as a highlighted list (empty when there are none)."""
    paths = facts_or_paths.confirm if isinstance(facts_or_paths, Facts) else list(facts_or_paths or [])
    if not paths:
        return ""
    items = "".join(f'<li class="{CONFIRM_CLASS}" data-path="{p}">{_confirm_label(facts_or_paths, p)}</li>'
                    for p in paths)
    return (f'<div class="{CONFIRM_CLASS}-box" id="f-confirm" style="{CONFIRM_STYLE}">'
            f"<b>沿用往年总结的数字，请核实：</b><ul>{items}</ul>"
            "草稿中这些数字后面标有【待核实】；核实无误后点“已核实”。</div>")


def _confirm_label(facts: Facts | list[str] | None, path: str) -> str:
    """"党员总数：29" / "活动“支委会”次数：12" (the value shown when the facts are at hand)."""
    label = field_label(path)
    if isinstance(facts, Facts):
        m = re.match(r"activities\[(\d+)\]\.(\w+)", path)
        if m and int(m.group(1)) <= len(facts.activities):
            label = f"活动“{facts.activities[int(m.group(1)) - 1].title}”{field_label('activities.' + m.group(2))}"
        value = value_at(facts, path)
        if value is not None:
            label += f"：{value}"
    return html.escape(label)


def build_practices_form() -> PracticesForm:
    """The components, laid out in the current Blocks context (one accordion per section kind)."""
    ticks: dict[str, gr.CheckboxGroup] = {}
    own: dict[str, gr.Textbox] = {}
    notes: dict[str, gr.Textbox] = {}
    confirm_box = gr.HTML("", elem_id="f-confirm-box")
    confirm_done = gr.Button("已核实", size="sm", elem_id="f-confirm-done", visible=True)
    with gr.Accordion("常规做法与工作要点", open=False, elem_id="f-practices"):
        for kind in PRACTICE_KINDS:
            with gr.Accordion(SECTION_KINDS[kind], open=False):
                ticks[kind] = gr.CheckboxGroup(practice_choices(kind), label=field_label("practices"),
                                               elem_id=f"f-practices-{kind}")
                own[kind] = gr.Textbox(label="其他做法（一行一个，目录里没有的）", lines=1,
                                       elem_id=f"f-own-{kind}")
                notes[kind] = gr.Textbox(label=field_label("notes") + "（一行一条，原文写进这一节）", lines=2,
                                         elem_id=f"f-notes-{kind}")
        for kind in NOTE_KINDS:
            if kind not in notes:
                notes[kind] = gr.Textbox(label=f"{SECTION_KINDS[kind]}：{field_label('notes')}（一行一条）", lines=1,
                                         elem_id=f"f-notes-{kind}")
    state = gr.State({})

    def confirmed(st: dict[str, Any] | None) -> tuple[dict[str, Any], str]:
        return {**(st or {}), "confirm": []}, ""

    confirm_done.click(confirmed, inputs=[state], outputs=[state, confirm_box], show_progress="hidden")
    return PracticesForm(ticks, own, notes, confirm_box, confirm_done, state)

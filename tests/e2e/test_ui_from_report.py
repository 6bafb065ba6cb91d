"""从往年总结导入 in Chromium (issue 11): a past report fills the form, the carried-over numbers are
highlighted to confirm, two ticked practices end up in the generated draft."""

from __future__ import annotations

from e2e_ui import all_section_text, field, generate, import_past_report, open_app, tick_practice
from playwright.sync_api import expect


def test_import_past_report_confirm_tick_generate(page, app_server, repo_root) -> None:
    open_app(page, app_server.url)
    import_past_report(page, repo_root / "samples" / "corpus" / "B5_qinghe_sanshi_xiaoxue_2021.txt")
    expect(field(page, "f-unit")).to_have_value("青禾市第三实验小学")
    expect(field(page, "f-year")).to_have_value("2022")  # the year after the report's own

    confirm = page.locator("#f-confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("党员总数：29")
    expect(confirm.locator("li.dk-confirm").first).to_be_visible()
    assert "background" in (confirm.get_attribute("style") or "")

    tick_practice(page, "ideology", "意识形态", "舆情研判")
    tick_practice(page, "ideology", "意识形态", "讲座论坛审批")

    generate(page, timeout=300_000)
    text = all_section_text(page)
    assert "舆情研判" in text and "讲座论坛审批" in text
    assert "【待核实：党员总数】" in text  # carried over from 2021, not yet confirmed
    assert "党史学习教育读书班" not in text  # 2021 wording does not carry over into 2022
    assert page.external_requests == []


def test_insert_an_exemplar_sentence_marked_as_borrowed(page, app_server, sample_facts) -> None:
    from e2e_ui import section_box, upload_facts

    open_app(page, app_server.url)
    upload_facts(page, sample_facts["qinghe_sanshi_2024"])
    generate(page, timeout=300_000)
    chosen = None
    for i in range(1, 16):
        pick = page.locator(f"#sec-{i}-borrow-pick input")
        if not pick.is_visible():
            continue
        pick.click()
        options = page.get_by_role("option")
        try:
            options.first.wait_for(timeout=5_000)
        except Exception:  # noqa: BLE001 - this section's exemplars offer no sentence; try the next
            page.keyboard.press("Escape")
            continue
        chosen = options.first.inner_text().strip()
        options.first.click()
        break
    assert chosen, "no section offered an exemplar sentence"
    page.locator(f"#sec-{i}-borrow").click()
    expect(page.locator("#draft-status")).to_contain_text("已插入范文句子")
    expect(section_box(page, i)).to_have_value(__import__("re").compile(__import__("re").escape(chosen)))
    mark = page.locator(f"#sec-{i}-borrowed mark.dk-borrowed")
    expect(mark).to_have_text(chosen)
    assert "借用自" in (mark.get_attribute("title") or "")
    # her own edit of the sentence makes it hers: the mark goes
    box = section_box(page, i)
    box.fill(box.input_value().replace(chosen, chosen[:-1] + "，成效明显。"))
    box.press("Tab")
    expect(page.locator(f"#sec-{i}-borrowed mark")).to_have_count(0)

"""What a secretary does in the page, as functions over a Playwright page (selectors live here only)."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect

GENERATE_TIMEOUT = 30_000


def field(page: Page, elem_id: str):
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def open_app(page: Page, url: str) -> float:
    """Open the app and wait until it is ready (the page-load callback has run); returns seconds."""
    t0 = time.monotonic()
    page.goto(url)
    expect(page.locator("#generate")).to_be_visible()
    wait_ready(page)
    return time.monotonic() - t0


def wait_ready(page: Page, timeout: float = 30_000) -> None:
    """Wait for the page-load callback's answer (it reopens the draft this browser had open)."""
    page.locator("#dk-ready [data-ready]").wait_for(state="attached", timeout=timeout)


def reload(page: Page, timeout: float = 30_000) -> None:
    """Reload the page and wait for the page-load callback (after a server restart it may take a while)."""
    page.reload()
    wait_ready(page, timeout)


def upload_facts(page: Page, path: Path) -> None:
    page.locator("#facts-upload input[type=file]").set_input_files(str(path))
    expect(page.locator("#draft-status")).to_contain_text("已导入事实")


def generate(page: Page, timeout: float = GENERATE_TIMEOUT) -> float:
    """Click 生成全文 and wait for the finished draft; returns seconds from the click."""
    t0 = time.monotonic()
    page.locator("#generate").click()
    expect(page.locator("#draft-status")).to_contain_text("已生成", timeout=timeout)
    return time.monotonic() - t0


def section_heading(page: Page, i: int) -> str:
    return page.locator(f"#sec-{i}-heading").inner_text().strip()


def section_box(page: Page, i: int):
    return page.locator(f"#sec-{i}-text textarea")


def first_body_section(page: Page) -> int:
    """The first section with a visible text box (parent headings have none)."""
    for i in range(24):
        if section_box(page, i).is_visible():
            return i
    raise AssertionError("no section with a text box is visible")


def append_to_section(page: Page, i: int, text: str) -> None:
    """Add text at the end of a section the way an IME or a paste does (no keypress events)."""
    box = section_box(page, i)
    box.click()
    box.fill(box.input_value() + text)
    expect(page.locator("#draft-status")).to_contain_text("已自动保存")


def title(page: Page) -> str:
    return field(page, "report-title").input_value()


def draft_choices(page: Page) -> list[str]:
    box = page.locator("#drafts input")
    box.click()
    options = page.locator("ul[role=listbox] li").all_inner_texts()
    page.keyboard.press("Escape")
    box.blur()  # the list opens on focus: a box left focused would not open again on the next click
    return [o.strip() for o in options]


def pick_draft(page: Page, contains: str) -> None:
    """Open the first draft in 我的草稿 whose title contains ``contains``."""
    box = page.locator("#drafts input")
    opened = re.compile("已打开草稿：.*" + re.escape(contains))
    for attempt in range(2):
        box.blur()
        box.click()
        page.locator("ul[role=listbox] li").filter(has_text=contains).first.click()
        try:
            expect(page.locator("#draft-status")).to_contain_text(opened, timeout=20_000 if attempt else 10_000)
            return
        except AssertionError:
            # on a loaded machine a second input event of the dropdown has been seen to answer after the
            # pick and blank the status; picking once more must open it
            if attempt:
                raise


def submit_login(page: Page, name: str, password: str) -> None:
    """Fill in and send Gradio's login form (shown when the app runs with accounts or ``--auth``)."""
    page.get_by_label(re.compile("用户名|username", re.I)).fill(name)
    page.get_by_label(re.compile("密码|password", re.I)).fill(password)
    page.get_by_role("button", name=re.compile("登录|login", re.I)).click()


def log_in(page: Page, url: str, name: str, password: str) -> None:
    """Open the app, sign in, and wait until it is ready."""
    page.goto(url)
    submit_login(page, name, password)
    expect(page.locator("#generate")).to_be_visible()
    wait_ready(page)


def export(page: Page, button: str, target_dir: Path) -> Path:
    """Click an export button, then download the file it offers; returns the saved path."""
    page.locator(f"#{button}").click()
    expect(page.locator("#draft-status")).to_contain_text("已导出")
    link = page.locator("#download a").first
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    out = target_dir / download.suggested_filename
    download.save_as(out)
    return out


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def import_past_report(page: Page, path: Path) -> None:
    """Click 从往年总结导入 with a past report; wait for the facts it gives to fill the form."""
    with page.expect_file_chooser() as chooser:
        page.locator("#past-import").click()
    chooser.value.set_files(str(path))
    expect(page.locator("#draft-status")).to_contain_text("已从往年总结导入", timeout=60_000)


def tick_practice(page: Page, kind: str, kind_label: str, name: str) -> None:
    """Open the 常规做法与工作要点 part and the section kind's accordion, then tick a practice."""
    group = page.locator(f"#f-practices-{kind}")
    if not group.is_visible():
        page.locator("#f-practices").get_by_text("常规做法与工作要点").first.click()
        page.locator("#f-practices").get_by_text(kind_label, exact=True).first.click()
    expect(group).to_be_visible()
    group.locator("label").filter(has_text=name).first.click()
    expect(group.locator("label").filter(has_text=name).locator("input")).to_be_checked()


def all_section_text(page: Page) -> str:
    """Every visible section box's text, joined."""
    boxes = page.locator("[id^=sec-][id$=-text] textarea")
    return "\n".join(boxes.nth(i).input_value() for i in range(boxes.count()))

"""Starting the UI on a loaded server: Gradio checks the page it has just started with one 3 s request and
gives up ("When localhost is not accessible…") when that request is slow; serve() starts it again."""

from __future__ import annotations

import httpx
import pytest


def test_serve_starts_again_when_gradios_check_of_its_own_page_times_out(serve_app,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import gradio.networking as networking

    real_check = networking.url_ok
    checked: list[str] = []

    def slow_first_time(url: str) -> bool:  # what url_ok answers when its 3 s request times out
        checked.append(url)
        return False if len(checked) == 1 else real_check(url)

    monkeypatch.setattr(networking, "url_ok", slow_first_time)
    base = serve_app()
    assert len(checked) == 2
    page = httpx.get(f"{base}/", timeout=30)
    assert page.status_code == 200 and "draftkit" in page.text


def test_serve_gives_up_after_three_failed_checks_and_leaves_no_server(serve_app,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import gradio.networking as networking

    from draftkit.ui.app import LAUNCH_ATTEMPTS

    checked: list[str] = []
    monkeypatch.setattr(networking, "url_ok", lambda url: checked.append(url) or False)
    with pytest.raises(ValueError, match="localhost is not accessible"):
        serve_app()
    assert len(checked) == LAUNCH_ATTEMPTS
    with pytest.raises(httpx.ConnectError):  # the last server it started was stopped too
        httpx.get(checked[-1], timeout=5)

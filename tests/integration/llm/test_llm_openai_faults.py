"""OpenAIBackend against a tiny real HTTP server that fails on purpose (and a port where nothing listens)."""

from __future__ import annotations

import time

import pytest

from draftkit.config import Settings
from draftkit.draft.backends import Backend, BackendError
from draftkit.draft.backends.openai import OpenAIBackend


def make(base_url: str, **kw) -> OpenAIBackend:
    settings = Settings(llm_timeout=kw.pop("timeout", 5.0), llm_retries=kw.pop("retries", 2), llm_model="tiny")
    return OpenAIBackend(settings, base_url=base_url, backoff=0.05, **kw)


def test_streams_pieces_in_order_and_sends_the_chat_request(fresh_fault_server):
    backend = make(fresh_fault_server.base("ok"), api_key="sk-local-test")
    assert isinstance(backend, Backend)
    pieces = list(backend.generate("写一句话", system="你是党建材料写作助手", max_tokens=32))
    assert pieces == fresh_fault_server.pieces
    assert backend.last_finish_reason == "stop"
    (req,) = fresh_fault_server.requests["ok"]
    assert req["path"] == "/ok/v1/chat/completions"
    assert req["headers"]["Authorization"] == "Bearer sk-local-test"
    body = req["json"]
    assert body["stream"] is True and body["max_tokens"] == 32 and body["model"] == "tiny"
    assert body["messages"] == [
        {"role": "system", "content": "你是党建材料写作助手"},
        {"role": "user", "content": "写一句话"},
    ]


def test_no_stream_returns_one_piece_and_no_key_sends_no_auth_header(fresh_fault_server):
    backend = make(fresh_fault_server.base("ok"))
    assert list(backend.generate("写一句话", stream=False)) == ["".join(fresh_fault_server.pieces)]
    (req,) = fresh_fault_server.requests["ok"]
    assert "Authorization" not in req["headers"] and req["json"]["stream"] is False
    assert "seed" not in req["json"] and "stop" not in req["json"]  # only sent when asked for


def test_seed_and_stop_are_sent_when_given(fresh_fault_server):
    backend = make(fresh_fault_server.base("ok"))
    list(backend.generate("写一句话", seed=3, stop=["【参考范文】"]))
    (req,) = fresh_fault_server.requests["ok"]
    assert req["json"]["seed"] == 3 and req["json"]["stop"] == ["【参考范文】"]


def test_model_name_defaults_to_the_first_the_server_lists(fresh_fault_server):
    backend = OpenAIBackend(Settings(llm_model="", llm_timeout=5.0), base_url=fresh_fault_server.base("ok"))
    assert "".join(backend.generate("你好")) == "".join(fresh_fault_server.pieces)
    assert fresh_fault_server.requests["ok"][0]["json"]["model"] == "tiny"


def test_server_down_raises_backend_error_naming_the_url(dead_url):
    backend = make(dead_url, retries=1)
    start = time.monotonic()
    with pytest.raises(BackendError) as err:
        list(backend.generate("你好"))
    msg = str(err.value)
    assert f"{dead_url}/chat/completions" in msg
    assert "无法连接" in msg and "cannot connect" in msg and "after 2 attempts" in msg
    assert time.monotonic() - start < 5


def test_http_500_is_retried_with_backoff_then_raised(fresh_fault_server):
    backend = make(fresh_fault_server.base("500"), retries=2)
    with pytest.raises(BackendError) as err:
        list(backend.generate("你好"))
    assert fresh_fault_server.count("500") == 3  # the first try and two retries
    msg = str(err.value)
    assert "HTTP 500" in msg and "internal error (on purpose)" in msg and "after 3 attempts" in msg
    assert fresh_fault_server.base("500") in msg


def test_a_500_then_success_is_recovered_by_the_retry(fresh_fault_server):
    backend = make(fresh_fault_server.base("flaky"), retries=2)
    assert list(backend.generate("你好")) == fresh_fault_server.pieces
    assert fresh_fault_server.count("flaky") == 2


def test_http_401_is_not_retried_and_names_the_key_setting(fresh_fault_server):
    backend = make(fresh_fault_server.base("401"), retries=3)
    with pytest.raises(BackendError, match="DRAFTKIT_OPENAI_API_KEY"):
        list(backend.generate("你好"))
    assert fresh_fault_server.count("401") == 1


def test_timeout_before_any_text_is_retried_then_raised(fresh_fault_server):
    backend = make(fresh_fault_server.base("slow"), timeout=0.5, retries=1)
    start = time.monotonic()
    with pytest.raises(BackendError) as err:
        list(backend.generate("你好"))
    assert fresh_fault_server.count("slow") == 2
    assert "响应超时" in str(err.value) and "no answer within 0.5 s" in str(err.value)
    assert time.monotonic() - start < fresh_fault_server.sleep * 2  # never waited the server out


def test_timeout_after_text_streamed_is_not_retried(fresh_fault_server):
    backend = make(fresh_fault_server.base("stall"), timeout=0.5, retries=3)
    got: list[str] = []
    with pytest.raises(BackendError) as err:
        for piece in backend.generate("你好"):
            got.append(piece)
    assert got == fresh_fault_server.pieces[:2]  # what streamed before the stall reached the caller
    assert fresh_fault_server.count("stall") == 1  # no retry once text had streamed
    assert "after 4 characters had streamed" in str(err.value)


def test_stream_cut_midway_raises_after_the_pieces_already_yielded(fresh_fault_server):
    backend = make(fresh_fault_server.base("cut"), retries=3)
    got: list[str] = []
    with pytest.raises(BackendError) as err:
        for piece in backend.generate("你好"):
            got.append(piece)
    assert got == fresh_fault_server.pieces[:2]
    assert fresh_fault_server.count("cut") == 1
    assert "连接中断" in str(err.value) and "connection dropped" in str(err.value)


def test_clean_eof_without_done_counts_as_a_cut_stream(fresh_fault_server):
    backend = make(fresh_fault_server.base("eof"), retries=0)
    got: list[str] = []
    with pytest.raises(BackendError, match="no \\[DONE\\]"):
        for piece in backend.generate("你好"):
            got.append(piece)
    assert got == fresh_fault_server.pieces[:2]


def test_an_event_that_is_not_json_is_a_clear_error(fresh_fault_server):
    backend = make(fresh_fault_server.base("garbage"), retries=2)
    with pytest.raises(BackendError, match="not JSON"):
        list(backend.generate("你好"))
    assert fresh_fault_server.count("garbage") == 1  # a malformed answer is not retried


def test_an_invalid_url_is_a_clear_error():
    backend = make("ftp://example.invalid/v1", retries=2)
    with pytest.raises(BackendError, match="invalid URL"):
        list(backend.generate("你好"))


def test_get_backend_builds_the_openai_backend_from_overrides(fresh_fault_server):
    from draftkit.draft.backends import get_backend

    backend = get_backend("openai", Settings(llm_timeout=5.0), base_url=fresh_fault_server.base("ok"), model="tiny")
    assert isinstance(backend, OpenAIBackend) and backend.name == "openai"
    assert "".join(backend.generate("你好")) == "".join(fresh_fault_server.pieces)
    assert fresh_fault_server.requests["ok"][0]["json"]["model"] == "tiny"

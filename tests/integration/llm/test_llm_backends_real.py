"""The model backends with the real Qwen2.5-0.5B GGUF: in process (llamacpp) and through a real
OpenAI-compatible server on 127.0.0.1 (llama-cpp-python's own, started by a fixture)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from draftkit.config import Settings
from draftkit.draft.backends import Backend, BackendError
from draftkit.draft.backends.llamacpp import LlamaCppBackend
from draftkit.draft.backends.openai import OpenAIBackend

pytestmark = [pytest.mark.llm, pytest.mark.slow]

SYSTEM = "你是学校党组织的文字秘书，只用简体中文写作。"
PROMPT = "请用两句话概括学校党支部开展“主题党日”活动的意义。"
HAN = re.compile(r"[\u4e00-\u9fff]")


def han_count(text: str) -> int:
    return len(HAN.findall(text))


def test_llamacpp_streams_chinese(llamacpp_backend: LlamaCppBackend):
    assert isinstance(llamacpp_backend, Backend) and llamacpp_backend.name == "llamacpp"
    start = time.perf_counter()
    first_at = None
    pieces = []
    for piece in llamacpp_backend.generate(PROMPT, system=SYSTEM, max_tokens=96):
        if first_at is None:
            first_at = time.perf_counter() - start
        pieces.append(piece)
    text = "".join(pieces)
    assert len(pieces) > 5, "the answer should arrive in many small pieces"
    assert han_count(text) >= 20, text
    assert han_count(text) / max(1, len(text.strip())) > 0.5, f"mostly Chinese expected: {text!r}"
    assert first_at is not None and first_at < 30
    assert llamacpp_backend.last_finish_reason in ("stop", "length")


def test_llamacpp_is_reproducible_and_non_stream_is_one_piece(llamacpp_backend: LlamaCppBackend):
    streamed = "".join(llamacpp_backend.generate(PROMPT, system=SYSTEM, max_tokens=48, seed=7))
    whole = list(llamacpp_backend.generate(PROMPT, system=SYSTEM, max_tokens=48, stream=False, seed=7))
    assert len(whole) == 1 and whole[0] == streamed  # same seed, same text


def test_llamacpp_max_tokens_cuts_and_reports_length(llamacpp_backend: LlamaCppBackend):
    text = "".join(llamacpp_backend.generate("请写一篇一千字的党建工作总结。", max_tokens=12))
    assert llamacpp_backend.last_finish_reason == "length"
    assert 0 < len(text) < 60


def test_llamacpp_stop_strings_end_the_answer(llamacpp_backend: LlamaCppBackend):
    prompt = "请原样输出下面这句话，不要改动：\n学校党支部全年开展主题党日12次，党员教师的理论素养进一步增强。"
    free = "".join(llamacpp_backend.generate(prompt, max_tokens=60))
    assert "理论素养" in free, free  # the small model copies what it is given …
    stopped = "".join(llamacpp_backend.generate(prompt, max_tokens=60, stop=["理论素养"]))
    assert "理论素养" not in stopped and "主题党日" in stopped  # … and a stop string cuts it there
    assert llamacpp_backend.last_finish_reason == "stop"


def test_llamacpp_timeout_raises_and_names_the_file(llm_settings: Settings, llamacpp_backend: LlamaCppBackend):
    quick = LlamaCppBackend(llm_settings, timeout=0.3)  # shares the loaded model (cached per path)
    got = []
    with pytest.raises(BackendError) as err:
        for piece in quick.generate("请写一篇一千字的党建工作总结。", max_tokens=400):
            got.append(piece)
    assert "timed out after 0.3 s" in str(err.value) and quick.model_path.name in str(err.value)
    # The model is still usable after an interrupted generation.
    assert han_count("".join(llamacpp_backend.generate(PROMPT, max_tokens=24))) > 3


def test_llamacpp_prompt_longer_than_the_context_is_a_backend_error(llamacpp_backend: LlamaCppBackend):
    from draftkit.draft.backends import ContextOverflowError

    with pytest.raises(ContextOverflowError, match="超出了上下文长度") as err:
        list(llamacpp_backend.generate("党建" * 6000, max_tokens=8))
    assert isinstance(err.value, BackendError) and not err.value.server_fault  # the writer retries, shorter


def test_llamacpp_bad_files_are_backend_errors(tmp_path: Path, llama_cpp_module, llm_settings: Settings):
    missing = LlamaCppBackend(llm_settings, model_path=tmp_path / "nope.gguf")
    with pytest.raises(BackendError, match="nope.gguf"):
        list(missing.generate("你好"))
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"this is not a gguf file" * 100)
    with pytest.raises(BackendError) as err:
        list(LlamaCppBackend(llm_settings, model_path=broken).generate("你好"))
    assert str(broken) in str(err.value) and "cannot load the model file" in str(err.value)


def test_not_installed_model_name_says_the_install_command(tmp_path: Path):
    backend = LlamaCppBackend(Settings(model_dir=tmp_path), model_path="qwen2.5-1.5b")
    with pytest.raises(BackendError, match="draftkit models install qwen2.5-1.5b"):
        list(backend.generate("你好"))


def test_openai_backend_streams_from_a_real_llama_cpp_server(llama_server: str):
    settings = Settings(llm_model="", llm_timeout=600.0, llm_retries=1)
    with OpenAIBackend(settings, base_url=llama_server) as backend:
        pieces = list(backend.generate(PROMPT, system=SYSTEM, max_tokens=64))
        assert backend.model == "qwen-test"  # taken from GET /v1/models
        text = "".join(pieces)
        assert len(pieces) > 5 and han_count(text) >= 15, text
        assert backend.last_finish_reason in ("stop", "length")
        whole = list(backend.generate("用一句话说明党员示范岗的作用。", stream=False, max_tokens=32))
        assert len(whole) == 1 and han_count(whole[0]) > 3


def test_openai_backend_closing_the_stream_early_leaves_the_server_usable(llama_server: str):
    backend = OpenAIBackend(Settings(llm_model="qwen-test", llm_timeout=600.0), base_url=llama_server)
    stream = backend.generate("请写一篇一千字的党建工作总结。", max_tokens=300)
    first = [next(stream), next(stream)]
    stream.close()  # the reader stops: the response is closed, nothing raised
    assert all(isinstance(p, str) for p in first)
    assert han_count("".join(backend.generate(PROMPT, max_tokens=24))) > 3
    backend.close()

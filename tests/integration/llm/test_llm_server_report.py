"""A whole report through ``draftkit draft --backend openai`` against a real llama.cpp server
(llama-cpp-python's own, with Qwen2.5-0.5B, started and stopped by the ``llama_server`` fixture).

No section may fall back for a server or a prompt reason (a failed call, an overflowing prompt, a
deadline); the guard may still remove sentences or the whole model text, with its reason. The facts
file is the short one (8 sections) and answers are held to 96 tokens, so that this runs in a few
minutes on 2 cores."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from draftkit.checks.fidelity import unsupported_facts
from draftkit.draft.guard import era_allowed
from draftkit.draft.plan import plan_report
from draftkit.facts import load_facts
from draftkit.report import Report

pytestmark = [pytest.mark.llm, pytest.mark.slow]

#: warnings that mean the server or the prompt failed (not the guard judging the text)
NOT_THE_GUARD = ("模型调用失败", "模型调用出错", "不再调用模型", "时限", "提示太长", "超出上下文", "上下文长度")


def test_a_whole_report_through_a_real_llama_cpp_server(llama_server: str, samples_dir: Path, tmp_path: Path):
    facts_path = samples_dir / "facts" / "liuxi_chengguan_2025_gaps.yaml"
    out = tmp_path / "report.json"
    # generous time limits: on a quiet 2-core machine this takes a few minutes, on a loaded one much longer,
    # and a timeout would be a server reason (what this test must not see)
    env = {**os.environ, "DRAFTKIT_LLM_MAX_TOKENS": "96", "DRAFTKIT_LLM_CONTEXT": "2048",  # the fixture's n_ctx
           "DRAFTKIT_LLM_TIMEOUT": "1200", "DRAFTKIT_LLM_FIRST_BYTE_TIMEOUT": "600", "DRAFTKIT_LLM_DEADLINE": "0",
           "DRAFTKIT_LLM_MODEL": ""}
    cmd = [sys.executable, "-c", "from draftkit.cli import main; main()", "draft", str(facts_path), "--no-index",
           "--backend", "openai", "--base-url", llama_server, "--json", str(out)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=5400)
    assert done.returncode == 0, done.stderr[-3000:]
    report = Report.model_validate(json.loads(out.read_text(encoding="utf-8")))
    assert report.backend == "openai"
    facts = load_facts(facts_path)
    era = plan_report(facts).era
    written = [s for s in report.sections if s.skeleton]
    assert written
    for s in written:
        assert s.text, s.id  # no section lost
        bad = [w for w in s.warnings if any(k in w for k in NOT_THE_GUARD)]
        assert not bad, (s.id, bad)
        # whatever the model wrote, the report states nothing the facts do not support
        found = [f for f in unsupported_facts(s.text, facts, allowed_extra=[s.skeleton, *era_allowed(era)])
                 if f.severity in ("P0", "P1")]
        assert not found, (s.id, [f.message for f in found])
        assert "<think>" not in s.text and "\ufffd" not in s.text
    # the model wrote at least part of the report (it is not all template text)
    assert any(s.text != s.skeleton for s in written), [s.warnings for s in written]

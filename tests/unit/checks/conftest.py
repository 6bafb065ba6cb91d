"""Fixtures for the checks' unit tests: a small facts object and the seed texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from draftkit.facts import Facts


@pytest.fixture()
def facts() -> Facts:
    return Facts(
        unit="柳溪县实验小学", org_type="党支部", year=2024, parent_org="中共柳溪县教育局委员会",
        members={"total": 23, "probationary": 2, "retired": 3, "activists": 4, "developed": 2, "staff": 60},
        structure={"branches": 1, "groups": 3, "committee": ["书记 刘建华", "组织委员 陈立新"]},
        activities=[{"title": "主题党日", "count": 12, "date": "2024-05"}, {"title": "专题党课", "count": 4}],
        honours=[{"title": "县先进基层党组织", "level": "县级", "recipient": "学校党支部", "year": 2024}],
        brand="溪流红",
    )


@pytest.fixture(scope="session")
def seed_text(seed_paths: dict[str, Path]):
    def read(prefix: str) -> str:
        return seed_paths[prefix].read_text(encoding="utf-8")

    return read

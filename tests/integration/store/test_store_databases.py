"""The draft store on both databases: SQLite (a file) and a real PostgreSQL server started for the
session (``postgres_cluster`` in tests/conftest.py). Round trips, migrations, owners, and
concurrent saves: optimistic revisions refuse a stale save, row locks keep concurrent edits."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from draftkit.facts import load_facts
from draftkit.report import Report, SectionDraft, Signature
from draftkit.store.db import DatabaseError, migrations, open_database, redact
from draftkit.store.drafts import DraftConflict, DraftNotFound, DraftStore


def _report(unit: str = "青禾市第三实验小学", year: int = 2024) -> Report:
    return Report(
        title=f"{unit}党支部{year}年度党建工作总结", year=year, unit=unit, opening="现将一年来的工作总结如下：",
        sections=[SectionDraft(id=f"s{i}", heading=h, kind=k, text=t) for i, (h, k, t) in enumerate([
            ("一、基本情况", "overview", "支部现有党员31名。"),
            ("（一）思想政治建设", "theory", "全年开展主题党日12次。"),
            ("（二）组织建设", "organization", "召开组织生活会2次。"),
            ("（三）服务师生", "service", "开展志愿服务8次。"),
            ("三、下一步工作打算", "plans", "深化党建品牌建设。"),
        ])],
        closing="新的一年，我们将继续努力。", signature=Signature(unit="中共青禾市第三实验小学支部委员会"))


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "drafts.sqlite3")
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module")
def facts(samples_dir: Path):
    return load_facts(samples_dir / "facts" / "qinghe_sanshi_2024.yaml")


def test_drafts_and_versions_round_trip(location: str, facts) -> None:
    store = DraftStore(location)
    did = store.create(facts=facts, report=_report(), owner="user:li")
    again = DraftStore(location)  # another process opening the same database
    d = again.get(did, owner="user:li")
    assert (d.facts, d.report, d.revision, d.unit) == (facts, _report(), 1, facts.unit)
    edited = again.update_section_text(did, "s1", "全年开展主题党日12次，专题党课4次。", owner="user:li")
    assert edited.section("s1").text.endswith("专题党课4次。")
    n = store.add_version(did, "手工修改", owner="user:li")
    assert n == 2 and [v.note for v in store.versions(did)] == ["生成全文", "手工修改"]
    assert store.version(did, 1).section("s1").text == "全年开展主题党日12次。"
    assert "+全年开展主题党日12次，专题党课4次。" in store.diff(did, 1, 2)
    assert store.get(did).revision == 2  # create = 1, one section edit
    second = store.create(report=_report("柳溪县实验小学"), owner="user:li")
    assert [i.id for i in store.list(owner="user:li")][0] == second  # newest first
    with pytest.raises(DraftNotFound):
        store.get(did, owner="user:wang")  # someone else's draft is "not found"
    store.delete(did, owner="user:li")
    assert not store.exists(did)
    assert DraftStore(location).db.schema_version() == migrations(store.db.dialect)[-1][0]


def test_a_stale_save_is_refused_and_loses_nothing(location: str) -> None:
    did = DraftStore(location).create(report=_report(), owner="u")
    a, b = DraftStore(location), DraftStore(location)  # two sessions, each with its own connections
    rev_a, rev_b = a.get(did).revision, b.get(did).revision
    a.update_section_text(did, "s2", "甲：召开组织生活会3次。", owner="u", expected_revision=rev_a)
    with pytest.raises(DraftConflict, match="已被他人修改") as err:
        b.update_section_text(did, "s2", "乙：召开组织生活会4次。", owner="u", expected_revision=rev_b)
    assert (err.value.expected, err.value.current) == (rev_b, rev_b + 1)
    assert b.get(did).report.section("s2").text == "甲：召开组织生活会3次。"  # B's stale save wrote nothing
    with pytest.raises(DraftConflict):
        b.save(did, report=_report(), version_note="覆盖", owner="u", expected_revision=rev_b)
    # B chooses "keep mine": a save from the current revision goes through, A's text stays in the versions
    a.add_version(did, "甲的修改", owner="u")
    mine = b.get(did).report
    mine.section("s2").text = "乙：召开组织生活会4次。"
    b.save(did, report=mine, version_note="乙覆盖", owner="u", expected_revision=b.get(did).revision)
    assert b.get(did).report.section("s2").text.startswith("乙")
    assert b.version(did, 2).section("s2").text.startswith("甲")


def test_concurrent_edits_of_one_draft_all_land(location: str) -> None:
    """Eight threads, each with its own store (connections), edit different sections of one draft at once:
    every edit survives (the row is locked for each read-modify-write)."""
    did = DraftStore(location).create(report=_report(), owner="u")
    errors: list[BaseException] = []

    def edit(section: str, worker: int) -> None:
        store = DraftStore(location)
        try:
            for n in range(6):
                store.update_section_text(did, section, f"第{worker}位第{n}次修改", owner="u")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=(f"s{i % 4}", i)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    final = DraftStore(location).get(did)
    assert final.revision == 1 + 8 * 6
    for i in range(4):
        assert final.report.section(f"s{i}").text.endswith("第5次修改")


def test_migrations_bring_an_old_sqlite_file_up_to_date(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)  # the schema as it was before migrations were recorded
    old.executescript(migrations("sqlite")[0][2])
    old.execute("INSERT INTO drafts (id, owner, title, created_at, updated_at) VALUES ('d1', 'o', '旧草稿', 't', 't')")
    old.commit()
    old.close()
    store = DraftStore(path)
    assert store.get("d1").title == "旧草稿" and store.get("d1").revision == 1
    assert store.db.schema_version() == migrations("sqlite")[-1][0]
    assert DraftStore(path).db.migrate() == migrations("sqlite")[-1][0]  # nothing applied twice
    with sqlite3.connect(path) as db:
        assert [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY version")] == [
            m[0] for m in migrations("sqlite")]


def test_an_unreachable_server_is_a_clear_error_without_the_password(postgres_cluster) -> None:
    url = f"postgresql://draftkit:s3cret@127.0.0.1:{postgres_cluster.port + 1}/nowhere"
    with pytest.raises(DatabaseError, match=r"cannot connect to PostgreSQL") as err:
        open_database(url)
    assert "s3cret" not in str(err.value) and redact(url) in str(err.value)


def test_both_dialects_have_the_same_migrations() -> None:
    assert [(n, name) for n, name, _ in migrations("sqlite")] == [(n, name) for n, name, _ in migrations("postgresql")]


def test_accounts_see_only_what_their_role_and_unit_allow(location: str) -> None:
    from draftkit.store.users import UserError, UserStore

    users = UserStore(location)
    li = users.add("li", "secretary", "qinghe-2024", unit="青禾市第三实验小学")
    wang = users.add("wang", "secretary", "liuxi-2024!", unit="柳溪县实验小学")
    zhao = users.add("zhao", "reviewer", "reviewer-2024")
    for bad in (("li", "secretary", "another-pass", "X"), ("x1", "secretary", "long-enough", None),
                ("x2", "teacher", "long-enough", None), ("x3", "admin", "short", None)):
        with pytest.raises(UserError):
            users.add(bad[0], bad[1], bad[2], unit=bad[3])
    assert users.authenticate("li", "qinghe-2024") == li and users.authenticate("li", "wrong-pass") is None
    assert users.authenticate("nobody", "qinghe-2024") is None
    with UserStore(location).db.transaction() as db:  # stored as an argon2id hash, never the password
        (digest,) = db.execute("SELECT password_hash FROM users WHERE name = 'li'").fetchone()
    assert digest.startswith("$argon2id$") and "qinghe-2024" not in digest

    store = DraftStore(location)
    mine = store.create(report=_report(), owner=li.access)
    theirs = store.create(report=_report("柳溪县实验小学"), owner=wang.access)
    assert store.get(mine).unit == "青禾市第三实验小学" and store.get(theirs).unit == "柳溪县实验小学"
    assert [d.id for d in store.list(owner=li.access)] == [mine]
    for call in (lambda: store.get(theirs, owner=li.access), lambda: store.versions(theirs, owner=li.access),
                 lambda: store.update_section_text(theirs, "s0", "改", owner=li.access),
                 lambda: store.delete(theirs, owner=li.access)):
        with pytest.raises(DraftNotFound):  # another unit's draft, even by its exact id, does not exist for her
            call()
    assert {d.id for d in store.list(owner=zhao.access)} == {mine, theirs}
    assert store.get(theirs, owner=zhao.access).report.unit == "柳溪县实验小学"
    from draftkit.store.drafts import DraftReadOnly

    with pytest.raises(DraftReadOnly):
        store.update_section_text(theirs, "s0", "审核人不能改", owner=zhao.access)
    assert store.get(theirs).report.section("s0").text == "支部现有党员31名。"

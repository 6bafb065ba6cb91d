"""The sample corpus: its sources are well-formed and era-correct, and samples/build_corpus.py
builds .docx/.txt/messy copies deterministically from them."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from draftkit.era import load_era

FURNITURE = ["收藏 分享(赏)", "上传人:", "文档编号:", "展开阅读全文", "相关资源", "猜你喜欢", "相关搜索",
             "当前位置:首页", "copyright@", "ICP备", "本篇文章来自资料管理"]
CJK = r"[\u4e00-\u9fff]"


@pytest.fixture(scope="module")
def bc(repo_root: Path):
    spec = importlib.util.spec_from_file_location("build_corpus", repo_root / "samples" / "build_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def src_dir(samples_dir: Path) -> Path:
    src = samples_dir / "src"
    if not any(src.glob("*.txt")):
        pytest.skip(f"no sample sources in {src}")
    return src


@pytest.fixture(scope="module")
def built(bc, src_dir: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    _, errors = bc.build_corpus(src_dir, out, log=lambda _msg: None)
    assert errors == []
    return out


def _sources(src_dir: Path) -> list[Path]:
    return sorted(src_dir.glob("*.txt"))


def test_sources_have_report_shape(src_dir: Path):
    for path in _sources(src_dir):
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        text = "".join(lines)
        assert 1500 <= len(text) <= 4000, f"{path.name}: {len(text)} characters"
        assert re.search(r"20\d\d年", lines[0]) and re.search(r"总结|报告|材料", lines[0]), f"{path.name}: title {lines[0]!r}"
        assert "如下" in lines[1], f"{path.name}: the opening should announce the report (……如下)"
        assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", lines[-1]), f"{path.name}: last line {lines[-1]!r}"
        assert any(ln.startswith("一、") for ln in lines) and any(ln.startswith("（一）") for ln in lines)


def test_sources_use_only_wording_of_their_year(src_dir: Path):
    era = load_era()
    for path in _sources(src_dir):
        text = path.read_text(encoding="utf-8")
        year = int(re.search(r"(20\d\d)年", text.splitlines()[0]).group(1))
        assert year == int(path.stem[-4:]), f"{path.name}: title year {year}"
        for item in era.items:
            for alias in {item.name, *item.aliases}:
                if alias in text:
                    assert item.started_by(year), f"{path.name}: {alias} did not exist in {year}"
                    assert item.end is None or item.end >= (year, 1), f"{path.name}: {alias} had ended by {year}"
        current = era.congress_for(year)
        for congress in era.congresses:
            if congress is not current:
                assert congress.short not in text, f"{path.name}: mentions {congress.short} in {year}"
        thought = era.thought_for(year)
        assert any(marker in text for marker in thought.markers), f"{path.name}: guiding thought of {year} missing"


def test_every_source_becomes_one_corpus_file(bc, src_dir: Path, built: Path):
    for path in _sources(src_dir):
        rid = path.stem.split("_")[0]
        expected = built / f"{path.stem}.{'docx' if rid in bc.DOCX_IDS else 'txt'}"
        assert expected.is_file(), expected.name
    assert len(list(built.glob("messy_*.txt"))) == 2
    assert sorted(p.name.split("_")[1] for p in built.glob("web_*")) == ["A4", "A6", "B3"]


def test_docx_uses_heading_styles_and_east_asian_fonts(bc, src_dir: Path, built: Path):
    docx_files = sorted(p for p in built.glob("*.docx") if not p.name.startswith("web_"))
    assert docx_files
    for path in docx_files:
        source = (src_dir / f"{path.stem}.txt").read_text(encoding="utf-8")
        lines = [ln.strip() for ln in source.splitlines() if ln.strip()]
        doc = Document(str(path))
        paras = doc.paragraphs
        assert [p.text for p in paras] == lines, path.name
        assert paras[0].style.name == "Title"
        h1 = [p.text for p in paras if p.style.name == "Heading 1"]
        h2 = [p.text for p in paras if p.style.name == "Heading 2"]
        assert len(h1) >= 4 and all(t.startswith(("一", "二", "三", "四", "五", "六")) for t in h1), path.name
        assert h2 and all(t.startswith("（") for t in h2), path.name
        for para in paras:
            fonts = para.runs[0]._r.rPr.find(qn("w:rFonts"))
            assert fonts.get(qn("w:eastAsia")) == bc.STYLE_FONTS[para.style.name]
        heading_fonts = doc.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
        assert heading_fonts.get(qn("w:eastAsia")) == "黑体" and heading_fonts.get(qn("w:eastAsiaTheme")) is None


def _undo_noise(messy: str) -> str:
    body = messy.split("\n1、", 1)[1].split("\n\n展开阅读全文", 1)[0]
    body = re.sub(r"\n\d+、", "", body).replace("本篇文章来自资料管理**。\n", "")
    for half, full in ((",", "，"), (";", "；"), (":", "：")):
        body = re.sub(f"(?<={CJK}){re.escape(half)}(?={CJK})", full, body)
    return body


def test_messy_copies_carry_noise_but_keep_the_words(src_dir: Path, built: Path):
    for path in sorted(built.glob("messy_*.txt")):
        messy = path.read_text(encoding="utf-8")
        for phrase in FURNITURE:
            assert phrase in messy, f"{path.name}: no {phrase!r}"
        lines = messy.splitlines()
        markers = [i for i, ln in enumerate(lines) if re.match(r"^[2-9]、", ln)]
        assert len(markers) >= 2, path.name
        for i in markers:  # each marker cuts a sentence: the line before ends mid-sentence
            assert re.search(f"{CJK}$", lines[i - 1]) and re.match(f"^[2-9]、{CJK}", lines[i])
        assert re.search(f"{CJK},{CJK}", messy), f"{path.name}: no half-width commas"
        source = (src_dir / f"{path.stem.removeprefix('messy_')}.txt").read_text(encoding="utf-8")
        original = "\n".join(ln.strip() for ln in source.splitlines() if ln.strip())
        assert _undo_noise(messy) == original


def test_build_is_deterministic_and_idempotent(bc, src_dir: Path, built: Path, tmp_path: Path):
    out = tmp_path / "corpus"
    bc.build_corpus(src_dir, out, log=lambda _msg: None)
    for path in built.iterdir():
        assert (out / path.name).read_bytes() == path.read_bytes(), path.name
    (out / "left_over.txt").write_text("old", encoding="utf-8")
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    messages: list[str] = []
    bc.build_corpus(src_dir, out, log=messages.append)
    assert not (out / "left_over.txt").exists()
    assert all(not m.startswith("wrote") for m in messages)
    assert all(p.stat().st_mtime_ns == mtimes[p.name] for p in out.iterdir())


def test_shipped_corpus_is_current(samples_dir: Path, built: Path):
    shipped = samples_dir / "corpus"
    names = sorted(p.name for p in built.iterdir())
    assert sorted(p.name for p in shipped.iterdir() if p.suffix in {".txt", ".docx", ".doc"}) == names, \
        "samples/corpus is out of date: run python samples/build_corpus.py"
    for name in names:
        assert (shipped / name).read_bytes() == (built / name).read_bytes(), \
            f"samples/corpus/{name} is out of date: run python samples/build_corpus.py"


def test_partial_and_bad_sources(bc, src_dir: Path, tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    for path in _sources(src_dir):
        if path.name.startswith("A") or path.name.startswith("B1_"):
            shutil.copy(path, src / path.name)
    (src / "B9_broken_2020.txt").write_bytes("党建工作总结".encode("gbk"))
    (src / "B8_short_2020.txt").write_text("某校2020年党建工作总结\n太短了\n", encoding="utf-8")
    produced, errors = bc.build_corpus(src, tmp_path / "out", log=lambda _msg: None)
    assert any(e.startswith("B9_broken_2020.txt: not UTF-8") for e in errors)
    assert any(e.startswith("B8_short_2020.txt:") for e in errors)
    names = {p.name for p in produced}
    assert any(n.startswith("messy_A2_") for n in names)
    assert any(n.startswith("messy_B1_") for n in names)  # B5 absent: falls back to the first B


def test_web_copies_carry_the_kinds_and_ingest_as_their_originals(built: Path):
    """Issue 13: the web copies (HTML saved as .doc, a pasted 范文 page, a PDF converted to Word) clean
    to the original's words, title, unit, year, heading tree and chunk kinds."""
    from draftkit.ingest import ingest_file
    from draftkit.ingest.load import sniff_office

    def squash(s: str) -> str:
        return re.sub(r"\s+", "", s)

    copies = sorted(built.glob("web_*"))
    assert len(copies) == 3
    for web in copies:
        original = built / (web.stem[len("web_"):] + ".txt")
        if not original.exists():
            original = original.with_suffix(".docx")
        w, o = ingest_file(web), ingest_file(original)
        assert (w.title, w.year, w.unit, w.org_type) == (o.title, o.year, o.unit, o.org_type), web.name
        assert [(h.level, h.text) for h in w.headings] == [(h.level, h.text) for h in o.headings], web.name
        assert squash(w.text) == squash(o.text), web.name
        assert [c.kind for c in w.chunks] == [c.kind for c in o.chunks], web.name
        rules = {r.rule for r in w.removals}
        raw = web.read_bytes()
        if web.suffix == ".doc":
            assert sniff_office(raw) == "html" and w.format == "html" and "furniture" in rules
        elif web.suffix == ".txt":
            assert {"furniture", "outline", "duplicate_title", "hidden_text"} <= rules
            assert "\u2f00".encode() in raw and b"\x0b" in raw  # Kangxi radicals, Word's line breaks
        else:
            import zipfile

            with zipfile.ZipFile(web) as z:
                assert b"txbxContent" in z.read("word/document.xml")
            assert w.text.count(o.text.strip().split("\n")[-1]) == 1  # the boxed date, once

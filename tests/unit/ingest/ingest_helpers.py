"""Helpers for the ingestion tests (a unique module name, imported by the tests and the conftest):
a small fictional report, the furniture phrase list, and builders of real .docx / .pdf files."""

from __future__ import annotations

from pathlib import Path

#: Site furniture named in issue 2 §3; none may survive in any chunk.
FURNITURE_PHRASES = [
    "收藏 分享", "分享(赏)", "分享（赏）", "上传人", "文档编号", "上传时间", ".docx_第", "第1页 / 共", "展开阅读全文",
    "相关资源", "猜你喜欢", "相关搜索", "当前位置", "copyright", "ICP备", "经营许可证", "阅读全部图文内容", "此处隐藏",
    "本篇文章来自", "超出免费预览范围", "资源描述", "【篇一】", "第一篇:",
]

#: A short fictional report (written for these tests) with all four heading levels.
SAMPLE_REPORT = """柳溪县第九小学党支部2022年度党建工作总结
2022年，学校党支部以习近平新时代中国特色社会主义思想为指导，认真学习宣传贯彻党的二十大精神，现将全年工作总结如下：
一、基本情况
学校现有教职工58人，党支部现有党员21名，其中预备党员2名，下设2个党小组。
二、主要做法
（一）加强理论学习
1.落实第一议题制度。支部每月召开支委会，把学习习近平总书记重要讲话精神作为第一议题，全年集中学习12次。
2.开展主题党日。每月固定开展主题党日活动，组织党员到红色教育基地参观学习3次。
（二）推进党建与教学融合
（1）党员示范课。党员教师每学期上示范课1节，共展示公开课26节。
（2）课后服务。落实“双减”要求，党员教师带头参与课后服务，开设兴趣社团18个。
三、存在的问题
1.理论学习的深度还不够，学用结合不紧密。
2.党建品牌特色还不够鲜明。
四、下一步工作打算
1.持续深化理论武装，建立学习台账。
2.打造“书香党建”品牌，推动党建与业务深度融合。
柳溪县第九小学党支部
2022年12月20日
"""


def _add_chinese_numbering(document) -> str:
    """Add a numbering definition 一、 / （一） / 1. to a python-docx document; returns its numId."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    numbering = document.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>'
        "</w:abstractNum>"
    )
    num = parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    # abstractNum elements must come before num elements
    first_num = numbering.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num")
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(num)
    return "90"


def _number(paragraph, num_id: str, level: int) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'
    ))


def write_docx(path: Path) -> Path:
    """A real .docx: a Title, Heading-styled headings, Word auto-numbered headings (一、 （一） 1.), a table."""
    import docx

    d = docx.Document()
    d.add_paragraph("柳溪县第九小学党支部2022年度党建工作总结", style="Title")
    d.add_paragraph("2022年，学校党支部以习近平新时代中国特色社会主义思想为指导，现将全年工作总结如下：")
    d.add_heading("基本情况", level=1)
    d.add_paragraph("党支部现有党员21名，其中预备党员2名。")
    num_id = _add_chinese_numbering(d)
    p = d.add_paragraph("主要做法")
    _number(p, num_id, 0)
    p = d.add_paragraph("加强理论学习")
    _number(p, num_id, 1)
    p = d.add_paragraph("落实第一议题制度。全年集中学习12次。")
    _number(p, num_id, 2)
    p = d.add_paragraph("开展主题党日。组织党员参观学习3次。")
    _number(p, num_id, 2)
    p = d.add_paragraph("存在的问题")
    _number(p, num_id, 0)
    d.add_paragraph("理论学习的深度还不够。")
    table = d.add_table(rows=2, cols=3)
    for i, cells in enumerate((("项目", "次数", "备注"), ("主题党日", "12", "每月一次"))):
        for j, text in enumerate(cells):
            table.cell(i, j).text = text
    d.add_paragraph("三会一课", style="List Number")
    d.add_paragraph("组织生活会", style="List Number")
    d.save(path)
    return path


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a real text layer (Helvetica, ASCII lines); no lines gives a page without text."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 12 Tf 72 720 Td 16 TL " + " ".join(f"({esc(x)}) Tj T*" for x in lines) + " ET" if lines else ""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)

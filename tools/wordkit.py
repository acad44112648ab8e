"""Helpers to create the Word templates in templates/*.docx with python-docx.

The .docx templates are the source the officer edits in Word; the scripts in
tools/ only made their first version (``python tools/make_word_templates.py``)
and can recreate them. Styles carry the layout (fonts, sizes, spacing), so a
paragraph's look is changed once, in Word's style gallery.
"""

from __future__ import annotations

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

NAVY = RGBColor(0x1D, 0x34, 0x61)
RED = RGBColor(0xB5, 0x25, 0x2F)
GREY = RGBColor(0x5B, 0x64, 0x70)
SERIF, SANS = "Noto Serif", "Noto Sans"


def new_document(margins=(18, 20, 32, 25), size=(210, 297), lang="fr-FR"):
    """An empty A4 (or other size) document with French defaults and hyphenation."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(size[0]), Mm(size[1])
    top, right, bottom, left = margins
    section.top_margin, section.right_margin = Mm(top), Mm(right)
    section.bottom_margin, section.left_margin = Mm(bottom), Mm(left)
    section.header_distance, section.footer_distance = Mm(8), Mm(10)
    normal = doc.styles["Normal"]
    set_font(normal, SERIF, 10.5)
    pf = normal.paragraph_format
    pf.space_after = Pt(6)
    pf.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
    pf.line_spacing = 1.15
    pf.widow_control = True
    _set_lang(doc, lang)
    settings = doc.settings.element
    hyphen = OxmlElement("w:autoHyphenation")
    settings.append(hyphen)
    # remove the body's default empty paragraph
    for p in list(doc.paragraphs):
        p._element.getparent().remove(p._element)
    return doc


def _set_lang(doc, lang):
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    el = rpr_default.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        rpr_default.append(el)
    el.set(qn("w:val"), lang)
    el.set(qn("w:eastAsia"), "ja-JP")
    el.set(qn("w:bidi"), "ar-SA")


def set_font(style, name, size=None, bold=None, italic=None, color=None, caps=None, spacing=None):
    font = style.font
    font.name = name
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    if color is not None:
        font.color.rgb = color
    if caps:
        font.all_caps = True
    if spacing:
        sp = OxmlElement("w:spacing")
        sp.set(qn("w:val"), str(int(spacing * 20)))
        rpr.append(sp)


def paragraph_style(doc, name, base="Normal", font=None, size=None, bold=None, italic=None, color=None,
                    align=None, before=None, after=None, left=None, hanging=None, caps=None, spacing=None,
                    keep_next=False, line=None, first_line=None):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles[base]
    style.quick_style = True
    if font or size or bold is not None or color is not None or italic is not None:
        set_font(style, font or (SERIF if base == "Normal" else doc.styles[base].font.name), size, bold, italic, color, caps, spacing)
    pf = style.paragraph_format
    if align is not None:
        pf.alignment = align
    if before is not None:
        pf.space_before = Pt(before)
    if after is not None:
        pf.space_after = Pt(after)
    if left is not None:
        pf.left_indent = Mm(left)
    if hanging is not None:
        pf.first_line_indent = Mm(-hanging)
    if first_line is not None:
        pf.first_line_indent = Mm(first_line)
    if keep_next:
        pf.keep_with_next = True
    if line is not None:
        pf.line_spacing = line
    return style


def character_style(doc, name, font=None, size=None, bold=None, color=None, caps=None, spacing=None):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    set_font(style, font or SANS, size, bold, None, color, caps, spacing)
    return style


def add(container, text="", style=None):
    """A paragraph holding ``text`` (Jinja tags included) in ``style``."""
    p = container.add_paragraph(style=style)
    if text:
        p.add_run(text)
    return p


def frame(paragraph, x_mm, y_mm, w_mm, h_mm):
    """Pin a paragraph at an absolute place on the page (a Word frame)."""
    ppr = paragraph._p.get_or_add_pPr()
    fp = OxmlElement("w:framePr")
    for key, value in (("w", w_mm), ("h", h_mm), ("x", x_mm), ("y", y_mm)):
        fp.set(qn(f"w:{key}"), str(int(value * 56.6929)))
    fp.set(qn("w:hRule"), "exact")
    fp.set(qn("w:wrap"), "around")
    fp.set(qn("w:vAnchor"), "page")
    fp.set(qn("w:hAnchor"), "page")
    ppr.insert(0, fp)


def border(paragraph_or_style, side="top", size=4, color="C9CED6", space=4):
    element = paragraph_or_style.element if hasattr(paragraph_or_style, "element") else paragraph_or_style._p
    ppr = element.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.append(bdr)
    b = OxmlElement(f"w:{side}")
    b.set(qn("w:val"), "single")
    b.set(qn("w:sz"), str(size))
    b.set(qn("w:space"), str(space))
    b.set(qn("w:color"), color)
    bdr.append(b)


def tab_stop_right(style, pos_mm):
    style.paragraph_format.tab_stops.add_tab_stop(Mm(pos_mm), alignment=2)


def shading(fill_hex):
    """A plain colour fill (w:shd), for a cell, a paragraph, a style or a run."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill_hex)
    return shd


def shade(cell, fill_hex):
    cell._tc.get_or_add_tcPr().append(shading(fill_hex))


def page_field(paragraph, instr="PAGE"):
    """Insert a Word field (PAGE, NUMPAGES) into a paragraph."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), ("instr", instr), ("separate", None), ("text", "1"), ("end", None)):
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
    return run


def cell_paragraph(cell, text, style, first=False):
    """Write into the cell's own first paragraph (``first=True``), or add a paragraph to the cell."""
    p = cell.paragraphs[0] if first else cell.add_paragraph()
    p.style = style
    if text:
        p.add_run(text)
    return p


def word_2013_layout(doc):
    """Declare the layout of Word 2013 and later (compatibilityMode 15) instead of Word 2010's.

    In Word 2010 mode, Word and LibreOffice both pull every table left by its
    cell margin (the text, not the edge, sits on the page margin), and they
    disagree on which margin when cells have their own: boxes hung out of the
    page. In mode 15 a table's edge sits exactly at the margin plus its indent
    (w:tblInd) in Word and in LibreOffice alike, and Word opens the file
    without "[Compatibility mode]".
    """
    settings = doc.settings.element
    compat = settings.find(qn("w:compat"))
    if compat is None:
        compat = OxmlElement("w:compat")
        settings.append(compat)
    for setting in compat.findall(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            break
    else:
        setting = OxmlElement("w:compatSetting")
        setting.set(qn("w:name"), "compatibilityMode")
        setting.set(qn("w:uri"), "http://schemas.microsoft.com/office/word")
        compat.append(setting)
    setting.set(qn("w:val"), "15")


#: children of Word's property elements in the order the schema (ECMA-376) requires; the helpers
#: above append where it is handy, and Word may call a file with misordered properties corrupt
SCHEMA_ORDER = {
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
             "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign "
            "hideMark",
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
           "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
           "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc "
           "textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof "
           "snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd "
           "fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath",
    "pBdr": "top left bottom right between bar",
    "tblCellMar": "top start left bottom end right",
    "tcMar": "top start left bottom end right",
    "tcBorders": "top start left bottom end right insideH insideV tl2br tr2bl",
}


def schema_order(doc):
    """Sort the children of every table, cell, paragraph and run property element (and of their
    borders and margins) as the schema wants them; of a property set twice (a table's width), the
    last one set is kept."""
    roots = [doc.element, doc.styles.element, doc.part.numbering_part.element]
    roots += [rel.target_part.element for rel in doc.part.rels.values()
              if rel.reltype.endswith(("/header", "/footer"))]
    for name, order in SCHEMA_ORDER.items():
        rank = {qn(f"w:{tag}"): i for i, tag in enumerate(order.split())}
        for root in roots:
            for props in root.iter(qn(f"w:{name}")):
                children = list(props)
                if name in ("tblPr", "tcPr"):
                    last = {child.tag: child for child in children}
                    children = [child for child in children if last[child.tag] is child]
                for child in list(props):
                    props.remove(child)
                for child in sorted(children, key=lambda child: rank.get(child.tag, len(rank))):
                    props.append(child)


# --- the styles ----------------------------------------------------------------------------------


__all__ = [
    "new_document", "paragraph_style", "character_style", "add", "frame", "border", "shade",
    "page_field", "tab_stop_right", "shading", "cell_paragraph", "word_2013_layout", "schema_order", "NAVY", "RED", "GREY", "SERIF", "SANS", "WD_ALIGN_PARAGRAPH",
    "WD_SECTION", "Mm", "Pt",
]

"""Word template of the press communiqué (templates/communique.docx).

Same structure as templates/communique.html: masthead band, partners, kicker,
headline, dateline, body, "Rendez-vous" line, then a tinted box with the
association, its links and the press contact. Every look is a named style.
"""

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor

from word_letter import wordmark
from wordkit import (
    cell_paragraph,
    GREY, NAVY, RED, SANS, SERIF, WD_ALIGN_PARAGRAPH, Mm, add, border, character_style, new_document, page_field,
    paragraph_style, shade,
)

WHITE = RGBColor(0xFF, 0xFF, 0xFF)
PALE = RGBColor(0xC9, 0xD3, 0xE6)
TEXT_WIDTH = 170  # mm: A4 minus 20 mm margins


def footer(doc, section):
    """Association, kicker and date on the left, page x/y on the right of every page."""
    style = paragraph_style(doc, "Pied de page", font=SANS, size=7.5, color=GREY, after=0, line=1.0,
                            align=WD_ALIGN_PARAGRAPH.LEFT)
    style.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH), alignment=WD_TAB_ALIGNMENT.RIGHT)
    part = section.footer
    part.is_linked_to_previous = False
    p = part.paragraphs[0]
    p.style = style
    p.add_run("{{ edition.association.name }} · {{ labels.communique_kicker }} · "
              "{{ results.communique_date|plain_date }}\t")
    page_field(p, "PAGE")
    p.add_run("/")
    page_field(p, "NUMPAGES")


def box(doc, fill, padding=(4, 5, 4, 5), left_rule=None):
    """A full-width, one-cell table tinted ``fill``: returns its cell (which keeps one empty paragraph)."""
    table = doc.add_table(rows=1, cols=1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    cell = table.cell(0, 0)
    cell.width = Mm(TEXT_WIDTH)
    shade(cell, fill)
    tblpr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side, mm in zip(("top", "right", "bottom", "left"), padding):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(mm * 56.69)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tblpr.append(margins)
    if left_rule:
        color, width_pt = left_rule
        borders = OxmlElement("w:tcBorders")
        left = OxmlElement("w:left")
        left.set(qn("w:val"), "single")
        left.set(qn("w:sz"), str(int(width_pt * 8)))
        left.set(qn("w:space"), "0")
        left.set(qn("w:color"), color)
        borders.append(left)
        cell._tc.get_or_add_tcPr().append(borders)
    keep_rows_together(table)
    return table, cell


def keep_rows_together(table):
    for row in table.rows:
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))


def masthead(doc):
    wordmark(doc)
    spacer = paragraph_style(doc, "Espace sous le logotype", after=0, size=6, line=1.0)
    add(doc, "", spacer)
    # no capitals: the superscript of "16e" must stay a small lowercase e
    edition = paragraph_style(doc, "Bandeau – édition", font=SANS, size=10, bold=True, color=PALE,
                              spacing=0.3, after=2, line=1.0, align=WD_ALIGN_PARAGRAPH.LEFT)
    name = paragraph_style(doc, "Bandeau – nom", font=SANS, size=15, bold=True, color=WHITE, after=4, line=1.05,
                           align=WD_ALIGN_PARAGRAPH.LEFT)
    when = paragraph_style(doc, "Bandeau – date et lieu", font=SANS, size=9, color=RGBColor(0xDF, 0xE5, 0xF0),
                           after=0, line=1.0, align=WD_ALIGN_PARAGRAPH.LEFT)
    _, cell = box(doc, "1D3461", padding=(3.5, 6, 4, 5), left_rule=(str(RED), 6))
    cell_paragraph(cell, "{{ fill(labels.communique_edition) }}", edition, first=True)
    cell_paragraph(cell, "{{ edition.name }}", name)
    cell_paragraph(cell, "{{ edition.dates|date_span|capfirst }} – {{ edition.venue.name }} – {{ edition.city }}",
                   when)

    support_label = paragraph_style(doc, "Concours – libellé", font=SANS, size=7, color=GREY, caps=True,
                                    spacing=0.6, before=8, after=1, line=1.0, keep_next=True,
                                    align=WD_ALIGN_PARAGRAPH.LEFT)
    support = paragraph_style(doc, "Concours", font=SANS, size=8.5, bold=True, color=NAVY, after=14, line=1.15,
                              align=WD_ALIGN_PARAGRAPH.LEFT)
    border(support, "bottom", size=4, color="C9CED6", space=5)
    separator = character_style(doc, "Séparateur", font=SANS, bold=True, color=RED)
    add(doc, "{%p if edition.partners %}")
    add(doc, "{{ labels.communique_support }}", support_label)
    p = add(doc, "", support)
    # each loop turn closes the separator's run and opens the name's: the name keeps its style
    p.add_run("{% for partner in edition.partners %}")
    p.add_run("{{ partner.name }}")
    p.add_run("{% if not loop.last %} · {% endif %}{% endfor %}", separator)
    add(doc, "{%p endif %}")


def headline(doc):
    kicker = paragraph_style(doc, "Surtitre", font=SANS, size=9, bold=True, color=RED, caps=True, spacing=1.6,
                             after=4, keep_next=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    title = paragraph_style(doc, "Titre du communiqué", font=SANS, size=15, bold=True, color=NAVY, after=8,
                            line=1.1, keep_next=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    dateline = paragraph_style(doc, "Date du communiqué", font=SANS, size=9, bold=True, color=GREY, after=12,
                               left=3, keep_next=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    border(dateline, "left", size=20, color=str(RED), space=6)
    add(doc, "{{ labels.communique_kicker }}", kicker)
    add(doc, "{{ results.headline }}", title)
    add(doc, "{{ fill(labels.communique_dateline, date=results.communique_date|plain_date) }}", dateline)


def paragraphs(doc, source, text, highlight, lede=None):
    """A docxtpl loop over ``source`` (a list of paragraphs), normal or highlighted."""
    add(doc, f"{{%p for paragraph in {source} %}}")
    if lede is not None:
        add(doc, "{%p if loop.first %}")
        add(doc, "{{ paragraph }}", lede)
        add(doc, "{%p elif paragraph.style == 'highlight' %}")
    else:
        add(doc, "{%p if paragraph.style == 'highlight' %}")
    add(doc, "{{ paragraph }}", highlight)
    add(doc, "{%p else %}")
    add(doc, "{{ paragraph }}", text)
    add(doc, "{%p endif %}")
    add(doc, "{%p endfor %}")


def body(doc):
    text = paragraph_style(doc, "Texte du communiqué", align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    lede = paragraph_style(doc, "Chapeau", base="Texte du communiqué", font=SERIF, size=11)
    highlight = paragraph_style(doc, "Mise en avant", base="Texte du communiqué", font=SERIF, bold=True,
                                align=WD_ALIGN_PARAGRAPH.CENTER, before=6, after=8, left=8)
    highlight.paragraph_format.right_indent = Mm(8)
    heading = paragraph_style(doc, "Intertitre", font=SANS, size=11.5, bold=True, color=NAVY, before=12, after=5,
                              left=3, keep_next=True, line=1.1, align=WD_ALIGN_PARAGRAPH.LEFT)
    border(heading, "left", size=20, color=str(RED), space=6)
    paragraphs(doc, "results.paragraphs", text, highlight, lede=lede)
    add(doc, "{%p for section in results.sections %}")
    add(doc, "{{ section.title }}", heading)
    paragraphs(doc, "section.paragraphs", text, highlight)
    add(doc, "{%p endfor %}")
    closing = paragraph_style(doc, "Texte de clôture", base="Texte du communiqué", before=0)
    add(doc, "{%p if results.sections %}")
    spacer = paragraph_style(doc, "Espace avant la clôture", after=0, size=5, line=1.0)
    add(doc, "", spacer)
    add(doc, "{%p endif %}")
    paragraphs(doc, "results.closing", closing, highlight)

    rendezvous = paragraph_style(doc, "Rendez-vous", font=SANS, size=11, bold=True, color=NAVY, before=14,
                                 after=14, line=1.15, align=WD_ALIGN_PARAGRAPH.CENTER, keep_next=True)
    rendezvous.paragraph_format.left_indent = Mm(6)
    rendezvous.paragraph_format.right_indent = Mm(6)
    border(rendezvous, "top", size=6, color=str(RED), space=6)
    border(rendezvous, "bottom", size=6, color=str(RED), space=6)
    add(doc, "{{ fill(labels.communique_next_edition) }}", rendezvous)


def about(doc):
    heading = paragraph_style(doc, "Encadré – titre", font=SANS, size=9.5, bold=True, color=NAVY, after=3,
                              keep_next=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    text = paragraph_style(doc, "Encadré – texte", size=9, after=3, line=1.1, keep_next=True,
                           align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    small = paragraph_style(doc, "Encadré – coordonnées", font=SANS, size=8.5, after=2, line=1.1, keep_next=True,
                            align=WD_ALIGN_PARAGRAPH.LEFT)
    small_heading = paragraph_style(doc, "Encadré – contact presse", base="Encadré – titre", size=8.5, before=5)
    border(small_heading, "top", size=4, color="C9CED6", space=5)
    social = paragraph_style(doc, "Encadré – réseaux", base="Encadré – coordonnées", bold=True, color=NAVY)
    label = character_style(doc, "Libellé", font=SANS, color=GREY)
    name = character_style(doc, "Nom du contact", font=SANS, bold=True)

    # one column, as in the PDF: copied text keeps each line whole
    _, cell = box(doc, "EEF1F6", padding=(3.5, 5, 2.5, 5))
    cell_paragraph(cell, "{{ fill(labels.communique_about) }}", heading, first=True)
    cell_paragraph(cell, "{%p for paragraph in edition.about.short %}", None)
    cell_paragraph(cell, "{{ paragraph }}", text)
    cell_paragraph(cell, "{%p endfor %}", None)

    p = cell_paragraph(cell, "", small)
    p.add_run("{{ labels.communique_more_info }} ", label)
    p.add_run("{{ association_site }}")
    p = cell_paragraph(cell, "", small)
    p.add_run("{{ labels.communique_rencontres_site }} ", label)
    p.add_run("{{ rencontres_site }}")
    cell_paragraph(cell, "{{ social_line }}", social)

    cell_paragraph(cell, "{{ labels.communique_press_contact }}", small_heading)
    p = cell_paragraph(cell, "", small)
    p.add_run("{{ edition.press_contact.name }}", name)
    p.add_run(", {{ edition.press_contact.role }}")
    p = cell_paragraph(cell, "", small)
    p.add_run("{{ labels.communique_email }} ", label)
    p.add_run("{{ edition.press_contact.email }}")
    p.add_run("{% if edition.press_contact.phone %} · ", None)
    p.add_run("{{ labels.phone }} ", label)
    p.add_run("{{ edition.press_contact.phone }}{% endif %}")


def build():
    doc = new_document(margins=(15, 20, 20, 20))
    footer(doc, doc.sections[0])
    masthead(doc)
    headline(doc)
    body(doc)
    about(doc)
    return doc

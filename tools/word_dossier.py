"""Word template of the press dossier (templates/dossier.docx).

Same structure as templates/dossier.html: a cover (wordmark, navy band with
the edition, dates and venue, press contact), then the sections under
Word's built-in headings (shown as « Titre 1 », « Titre 2 », « Titre 3 » in
a French Word, so the navigation pane lists them), the programme as one
table per day, and a footer "Dossier de presse – 17e Rencontres de l'AICT ·
Page 3/8" from the second page on. Every look is a named style.
"""

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor

from word_letter import association_footer, wordmark
from wordkit import (
    cell_paragraph, shading, schema_order, word_2013_layout,
    GREY, NAVY, RED, SANS, SERIF, WD_ALIGN_PARAGRAPH, Mm, Pt, add, border, character_style, new_document,
    page_field, paragraph_style, set_font, shade,
)

WHITE = RGBColor(0xFF, 0xFF, 0xFF)
PINK = RGBColor(0xF2, 0xB8, 0xBC)
MARGINS = (20, 21, 22, 23)  # top, right, bottom, left (mm), as css/dossier.css
TEXT_WIDTH = 210 - MARGINS[1] - MARGINS[3]
TIME_WIDTH = 28
#: the navy band of the cover stops 7 mm short of the paper edges, as in the PDF
BAND_INSET = 7
#: bullets from Noto Sans (Wingdings is missing outside Windows): a triangular bullet, a bullet
ARROW, BULLET = "\u2023", "\u2022"


# --- styles -------------------------------------------------------------------------------


def heading_styles(doc):
    """Restyle Word's built-in headings: Noto Sans, navy, the red rule of the PDF on the left."""
    specs = {
        "Heading 1": dict(size=16, before=20, after=8),
        "Heading 2": dict(size=11, before=12, after=0),
        "Heading 3": dict(size=10.5, before=9, after=3),
    }
    for name, spec in specs.items():
        style = doc.styles[name]
        rpr = style.element.get_or_add_rPr()
        for child in list(rpr):
            if child.tag in (qn("w:rFonts"), qn("w:color")):
                rpr.remove(child)
        rpr.insert(0, OxmlElement("w:rFonts"))
        set_font(style, SANS, spec["size"], bold=True, color=NAVY)
        pf = style.paragraph_format
        pf.space_before, pf.space_after = Pt(spec["before"]), Pt(spec["after"])
        pf.keep_with_next = True
        pf.line_spacing = 1.05
        pf.alignment = WD_ALIGN_PARAGRAPH.LEFT
    border(doc.styles["Heading 1"], "left", size=24, color=str(RED), space=6)
    # section titles on a shorter measure than the text (125 mm, as in the PDF): balanced lines;
    # and never hyphenated, as in the PDF
    doc.styles["Heading 1"].paragraph_format.right_indent = Mm(TEXT_WIDTH - 125)
    for name in specs:
        doc.styles[name].element.get_or_add_pPr().append(OxmlElement("w:suppressAutoHyphens"))
    day = doc.styles["Heading 2"]  # the days of the programme: white on a navy band
    day.font.color.rgb = WHITE
    day.element.get_or_add_pPr().append(shading("1D3461"))
    # borders of the band's colour pad it; Word draws them outside the indents, so the indents
    # (padding + 0.5 pt of border) bring the band's edges back onto the margins, over the table below
    for side, space in (("top", 2), ("left", 5), ("bottom", 2), ("right", 2)):
        border(day, side, size=4, color="1D3461", space=space)
    day.paragraph_format.left_indent = Pt(5.5)  # the day's name 2 mm in, over the times
    day.paragraph_format.right_indent = Pt(2.5)


def bullet_style(doc, name, char, bullet_size, indent, color=RED, **style_args):
    """A paragraph style whose paragraphs are bulleted with ``char`` in Noto Sans (a real Word list)."""
    numbering = doc.part.numbering_part.element
    abstract_id = 100 + len(numbering.findall(qn("w:abstractNum")))
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), str(abstract_id))
    multi = OxmlElement("w:multiLevelType")
    multi.set(qn("w:val"), "singleLevel")
    abstract.append(multi)
    lvl = OxmlElement("w:lvl")
    lvl.set(qn("w:ilvl"), "0")
    for tag, value in (("w:start", "1"), ("w:numFmt", "bullet"), ("w:lvlText", char), ("w:lvlJc", "left")):
        el = OxmlElement(tag)
        el.set(qn("w:val"), value)
        lvl.append(el)
    ppr = OxmlElement("w:pPr")
    ind = OxmlElement("w:ind")
    ind.set(qn("w:left"), str(int(indent * 56.69)))
    ind.set(qn("w:hanging"), str(int(indent * 56.69)))
    ppr.append(ind)
    lvl.append(ppr)
    rpr = OxmlElement("w:rPr")
    fonts = OxmlElement("w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), SANS)
    rpr.append(fonts)
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), str(color))
    rpr.append(colour)
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(int(bullet_size * 2)))
    rpr.append(sz)
    lvl.append(rpr)
    abstract.append(lvl)
    # abstract numberings come before the w:num elements
    nums = numbering.findall(qn("w:num"))
    if nums:
        nums[0].addprevious(abstract)
    else:
        numbering.append(abstract)
    num = OxmlElement("w:num")
    num_id = 100 + len(nums)
    num.set(qn("w:numId"), str(num_id))
    ref = OxmlElement("w:abstractNumId")
    ref.set(qn("w:val"), str(abstract_id))
    num.append(ref)
    numbering.append(num)

    style = paragraph_style(doc, name, **style_args)
    num_pr = OxmlElement("w:numPr")
    num_id_el = OxmlElement("w:numId")
    num_id_el.set(qn("w:val"), str(num_id))
    num_pr.append(num_id_el)
    style.element.get_or_add_pPr().insert(0, num_pr)
    style.paragraph_format.left_indent = Mm(indent)
    style.paragraph_format.first_line_indent = Mm(-indent)
    return style


class Styles:
    """Every paragraph style of the dossier, created once."""

    def __init__(self, doc):
        heading_styles(doc)
        J, L, C = WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER
        normal = doc.styles["Normal"]
        set_font(normal, SERIF, 10)
        normal.paragraph_format.line_spacing = 1.07  # Noto's own line height is tall: 1.07 ≈ CSS line-height 1.45
        self.body = paragraph_style(doc, "Texte du dossier", align=J, after=5)
        self.highlight = paragraph_style(doc, "Texte mis en avant", bold=True, align=C, before=6, after=9, left=8)
        self.highlight.paragraph_format.right_indent = Mm(8)
        self.lead_in = paragraph_style(doc, "Introduction de liste", align=J, after=4, keep_next=True)
        self.arrow = bullet_style(doc, "Liste à flèches", ARROW, 11, 6, align=J, after=3)
        self.pending = paragraph_style(doc, "Texte en attente", italic=True, color=GREY, align=L, before=4)
        self.more = paragraph_style(doc, "Pour plus d'informations", align=L, after=5)
        self.link = character_style(doc, "Lien", font=SANS, size=9, color=RGBColor(0x2C, 0x5A, 0xA0))
        self.detail = paragraph_style(doc, "Détail de partenaire", size=9.5, color=GREY, left=6, after=3,
                                      align=L)
        self.detail.paragraph_format.space_before = Pt(0)
        self.honour = paragraph_style(doc, "Pays à l'honneur – nom", font=SANS, size=14, bold=True, color=RED,
                                      after=4, keep_next=True, align=L)
        # programme
        self.time = paragraph_style(doc, "Programme – horaire", font=SANS, size=9.5, bold=True, color=NAVY,
                                    after=0, line=1.1, align=L)
        self.time_minor = paragraph_style(doc, "Programme – horaire secondaire", base="Programme – horaire",
                                          font=SANS, size=9.5, bold=False, color=GREY)
        self.session = paragraph_style(doc, "Programme – séance", font=SANS, size=9.5, bold=True, color=NAVY,
                                       after=0, line=1.1, align=L)
        self.session_minor = paragraph_style(doc, "Programme – séance secondaire", base="Programme – séance",
                                             font=SANS, size=9.5, bold=False, color=GREY)
        self.parallel = bullet_style(doc, "Programme – atelier", BULLET, 11, 4.5, font=SANS, size=9.5, after=0,
                                     line=1.1, align=L)
        self.parallel.paragraph_format.space_before = Pt(2)
        # figures
        self.figure = paragraph_style(doc, "Chiffre clé", font=SANS, size=19, bold=True, color=RED, after=1,
                                      line=1.0, align=L)
        # keep with next: the figures travel with the text they introduce
        self.figure_caption = paragraph_style(doc, "Légende du chiffre clé", font=SANS, size=8, color=NAVY,
                                              after=0, line=1.05, align=L, keep_next=True)
        # the "Pour en savoir plus…" sections are set a little smaller, as in the PDF
        self.about = paragraph_style(doc, "Texte « Pour en savoir plus »", base="Texte du dossier", font=SERIF,
                                     size=9.5)
        self.about_more = paragraph_style(doc, "Pour plus d'informations « Pour en savoir plus »",
                                          base="Pour plus d'informations", font=SERIF, size=9.5)
        # cover
        self.kicker = paragraph_style(doc, "Couverture – surtitre", font=SANS, size=10, bold=True, color=WHITE,
                                      caps=True, spacing=2.8, before=4, after=26, align=L)
        self.cover_edition = paragraph_style(doc, "Couverture – édition", font=SANS, size=15, bold=True,
                                             color=PINK, after=4, line=1.0, align=L)
        self.cover_name = paragraph_style(doc, "Couverture – titre", font=SANS, size=25, bold=True, color=WHITE,
                                          after=14, line=1.0, align=L)
        self.cover_theme = paragraph_style(doc, "Couverture – thème", size=15, italic=True, color=WHITE,
                                           after=14, line=1.1, align=L)
        border(self.cover_theme, "top", size=12, color=str(RED), space=10)
        # two balanced lines: the theme on a shorter measure than the band, as in the PDF
        self.cover_theme.paragraph_format.right_indent = Mm(40)
        self.cover_dates = paragraph_style(doc, "Couverture – dates", font=SANS, size=17, bold=True, color=NAVY,
                                           before=24, after=4, line=1.0, align=L)
        self.cover_venue = paragraph_style(doc, "Couverture – lieu", size=12, color=NAVY, after=0, align=L)
        self.cover_address = paragraph_style(doc, "Couverture – adresse", size=10.5, color=GREY, after=10,
                                             align=L)
        self.cover_web = paragraph_style(doc, "Couverture – site", font=SANS, size=9.5, color=NAVY, after=0,
                                         align=L)
        self.contact_label = paragraph_style(doc, "Contact presse – titre", font=SANS, size=7.5, bold=True,
                                             color=RED, caps=True, spacing=0.9, before=60, after=2, left=4,
                                             keep_next=True, align=L)
        self.contact = paragraph_style(doc, "Contact presse", font=SANS, size=8.5, after=0, line=1.15, left=4,
                                       keep_next=True, align=L)
        for style in (self.contact_label, self.contact):
            border(style, "left", size=12, color=str(RED), space=8)
        self.separator = character_style(doc, "Séparateur", font=SANS, color=RED)


# --- pieces -------------------------------------------------------------------------------------


def paragraphs(doc, styles, items, style=None):
    """The docxtpl loop printing a list of Paragraph texts, a highlighted one in its own style."""
    add(doc, f"{{%p for paragraph in {items} %}}")
    add(doc, "{%p if paragraph.style == 'highlight' %}")
    add(doc, "{{ paragraph }}", styles.highlight)
    add(doc, "{%p else %}")
    add(doc, "{{ paragraph }}", style or styles.body)
    add(doc, "{%p endif %}")
    add(doc, "{%p endfor %}")


def no_borders(table, inside_h=None):
    """Remove the table grid; ``inside_h`` = (hex colour, eighths of a point) draws rules between rows."""
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        if inside_h and side in ("insideH", "bottom"):
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), str(inside_h[1]))
            el.set(qn("w:color"), inside_h[0])
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def cell_margins(table, top, right, bottom, left):
    margins = OxmlElement("w:tblCellMar")
    for side, mm in zip(("top", "right", "bottom", "left"), (top, right, bottom, left)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(mm * 56.69)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    table._tbl.tblPr.append(margins)


def fixed_table(doc, rows, widths, indent=0):
    """A table of fixed column widths whose left edge is ``indent`` mm from the text margin.

    The template declares Word 2013's layout (word_2013_layout): the edge, not the
    text of the first cell, is placed, in Word and in LibreOffice alike.
    """
    table = doc.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    tblpr = table._tbl.tblPr
    table_width = tblpr.find(qn("w:tblW"))
    table_width.set(qn("w:w"), str(int(sum(widths) * 56.69)))
    table_width.set(qn("w:type"), "dxa")
    ind = OxmlElement("w:tblInd")
    ind.set(qn("w:w"), str(int(indent * 56.69)))
    ind.set(qn("w:type"), "dxa")
    tblpr.append(ind)  # schema_order() puts it in its place
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Mm(width)
    # LibreOffice lays a table out from its grid, Word from the cells: both are set
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths):
        col.w = Mm(width)
    return table


def cant_split(row):
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def page_break(doc):
    add(doc).add_run().add_break(WD_BREAK.PAGE)


# --- the document ---------------------------------------------------------------------------------


def footers(doc, section):
    """The association's footer on the cover; the dossier's title and page x/y on the other pages."""
    association_footer(doc, section)  # the letter's footer, on every page...
    section.different_first_page_header_footer = True
    first = section.first_page_footer  # ...moved to the cover only
    first.is_linked_to_previous = False
    body = first._element
    for p in list(body):
        body.remove(p)
    for p in list(section.footer._element):
        body.append(p)
    style = paragraph_style(doc, "Pied de page du dossier", font=SANS, size=7.5, color=GREY, after=0,
                            line=1.0, align=WD_ALIGN_PARAGRAPH.LEFT)
    border(style, "top", size=4, color="C9CED6", space=5)
    title = character_style(doc, "Pied de page – titre", font=SANS, size=7.5, bold=True, color=NAVY)
    separator = character_style(doc, "Pied de page – séparateur", font=SANS, size=7.5, color=RED)
    p = section.footer.add_paragraph(style=style)
    p.add_run("{{ fill(labels.dossier_footer) }}", title)
    p.add_run(" · ", separator)
    p.add_run("{{ labels.page }} ")
    # cached values shown before Word updates the fields: page 2 of a dossier of 8
    _cached(page_field(p, "PAGE"), "2")
    p.add_run("/")
    _cached(page_field(p, "NUMPAGES"), "8")


def _cached(run, text):
    run._r.findall(qn("w:t"))[-1].text = text


def cover(doc, s):
    wordmark(doc)
    # the band sits well under the wordmark, as on the PDF cover
    add(doc, "", paragraph_style(doc, "Espace de couverture", size=6, before=60, after=0, line=1.0))
    side = MARGINS[3] - BAND_INSET  # 16 mm: the text of the band stays on the page's margin
    band = fixed_table(doc, 1, [210 - 2 * BAND_INSET], indent=-side)
    no_borders(band)
    cell_margins(band, 10, side, 6, side)
    cell = band.cell(0, 0)
    shade(cell, "1D3461")
    cell_paragraph(cell, "{{ fill(labels.dossier_kicker) }}", s.kicker, first=True)
    cell_paragraph(cell, "{{ fill(labels.dossier_edition) }}", s.cover_edition)
    cell_paragraph(cell, "{{ edition.name }}", s.cover_name)
    cell_paragraph(cell, "«\u00a0{{ edition.theme }}\u00a0»", s.cover_theme)
    add(doc, "{{ edition.dates|date_span|capfirst }}", s.cover_dates)
    add(doc, "{{ edition.venue.name }}", s.cover_venue)
    add(doc, "{{ venue_address }}", s.cover_address)
    p = add(doc, "{{ edition.website|replace('https://', '') }}", s.cover_web)
    p.add_run(" · ", s.separator)
    p.add_run("{{ edition.hashtag }}")
    add(doc, "{{ fill(labels.dossier_press_contact) }}", s.contact_label)
    p = add(doc, "", s.contact)
    p.add_run("{{ edition.press_contact.name }}").bold = True
    p.add_run(", {{ edition.press_contact.role }}")
    p = add(doc, "{{ edition.press_contact.email }}", s.contact)
    p.add_run(" · ", s.separator)
    # the contact's own line, or the association's switchboard
    p.add_run("{{ edition.press_contact.phone or edition.association.phone }}")
    page_break(doc)


def case_and_rencontres(doc, s):
    add(doc, "{%p for section in edition.dossier.case %}")
    add(doc, "{{ section.title }}", "Heading 1")
    paragraphs(doc, s, "section.paragraphs")
    add(doc, "{%p endfor %}")

    page_break(doc)
    add(doc, "{{ fill(labels.dossier_rencontres) }}", "Heading 1")
    paragraphs(doc, s, "edition.dossier.rencontres")

    add(doc, "{{ fill(labels.dossier_ambitions) }}", "Heading 1")
    # the sentence introducing the goals stays with them
    add(doc, "{%p for paragraph in edition.dossier.ambitions %}")
    add(doc, "{%p if loop.last and edition.dossier.goals %}")
    add(doc, "{{ paragraph }}", s.lead_in)
    add(doc, "{%p elif paragraph.style == 'highlight' %}")
    add(doc, "{{ paragraph }}", s.highlight)
    add(doc, "{%p else %}")
    add(doc, "{{ paragraph }}", s.body)
    add(doc, "{%p endif %}")
    add(doc, "{%p endfor %}")
    add(doc, "{%p for goal in edition.dossier.goals %}")
    add(doc, "{{ goal }}", s.arrow)
    add(doc, "{%p endfor %}")


def programme(doc, s):
    page_break(doc)
    add(doc, "{{ fill(labels.dossier_programme) }}", "Heading 1")
    add(doc, "{%p for day in edition.programme %}")
    add(doc, "{{ day.date|long_date|capfirst }}", "Heading 2")
    table = fixed_table(doc, 3, [TIME_WIDTH, TEXT_WIDTH - TIME_WIDTH])
    no_borders(table, inside_h=("C9CED6", 4))
    cell_margins(table, 1.6, 1, 1.8, 2)
    minor = "session.kind in ('welcome', 'break', 'lunch')"
    for cell, text in zip(table.rows[0].cells, ("{%tr for session in day.sessions %}", "")):
        cell_paragraph(cell, text, s.time, first=True)
    time, what = table.rows[1].cells
    cant_split(table.rows[1])
    cell_paragraph(time, f"{{%p if {minor} %}}", s.time, first=True)
    cell_paragraph(time, "{{ session|time_range }}", s.time_minor)
    cell_paragraph(time, "{%p else %}", s.time)
    cell_paragraph(time, "{{ session|time_range }}", s.time)
    cell_paragraph(time, "{%p endif %}", s.time)
    cell_paragraph(what, f"{{%p if {minor} %}}", s.session, first=True)
    cell_paragraph(what, "{{ session.title }}", s.session_minor)
    cell_paragraph(what, "{%p else %}", s.session)
    cell_paragraph(what, "{{ session.title }}", s.session)
    cell_paragraph(what, "{%p endif %}", s.session)
    cell_paragraph(what, "{%p for item in session.parallel %}", s.parallel)
    p = cell_paragraph(what, "{{ item.title }}", s.parallel)
    p.add_run("{% if item.note %} {{ item.note }}{% endif %}").font.color.rgb = GREY
    cell_paragraph(what, "{%p endfor %}", s.parallel)
    for cell, text in zip(table.rows[2].cells, ("{%tr endfor %}", "")):
        cell_paragraph(cell, text, s.time, first=True)
    add(doc, "{%p endfor %}")


def honour_cafes_partners(doc, s):
    add(doc, "{%p if edition.country_of_honour %}")
    add(doc, "{{ fill(labels.dossier_country_of_honour) }}", "Heading 1")
    add(doc, "{%p if edition.country_of_honour.name %}")
    add(doc, "{{ edition.country_of_honour.name }}", s.honour)
    add(doc, "{%p endif %}")
    paragraphs(doc, s, "edition.country_of_honour.paragraphs")
    add(doc, "{%p endif %}")

    add(doc, "{%p if edition.cafes %}")
    add(doc, "{{ fill(labels.dossier_cafes) }}", "Heading 1")
    paragraphs(doc, s, "edition.cafes.intro")
    for label, text in (("what", "what"), ("why", "why"), ("who", "who")):
        add(doc, f"{{{{ fill(labels.dossier_cafes_{label}) }}}}", "Heading 3")
        add(doc, f"{{{{ edition.cafes.{text} }}}}", s.body)
    add(doc, "{{ edition.cafes.audience }}", s.body)
    add(doc, "{%p if edition.cafes.link %}")
    p = add(doc, "{{ fill(labels.dossier_cafes_link) }} ", s.more)
    p.add_run("{{ edition.cafes.link }}", s.link)
    add(doc, "{%p endif %}")
    add(doc, "{%p endif %}")

    add(doc, "{{ fill(labels.dossier_partners) }}", "Heading 1")
    add(doc, "{%p if edition.partners %}")
    add(doc, "{{ fill(labels.dossier_partners_intro) }}", s.lead_in)
    add(doc, "{%p for partner in edition.partners %}")
    p = add(doc, "", s.arrow)
    p.add_run("{{ partner.name }}").bold = True
    add(doc, "{%p if partner.detail %}")
    add(doc, "{{ partner.detail }}", s.detail)
    add(doc, "{%p endif %}")
    add(doc, "{%p endfor %}")
    add(doc, "{%p endif %}")
    add(doc, "{%p if edition.exhibitors %}")
    add(doc, "{{ fill(labels.dossier_exhibitors_intro) }}", s.lead_in)
    add(doc, "{%p for exhibitor in edition.exhibitors %}")
    add(doc, "{{ exhibitor }}", s.arrow)
    add(doc, "{%p endfor %}")
    add(doc, "{%p else %}")
    add(doc, "{{ edition.dossier.exhibitors_pending }}", s.pending)
    add(doc, "{%p endif %}")


def figures(doc, s):
    """The national figures of decentralised cooperation, four tinted boxes."""
    keys = ("french_authorities", "partner_authorities", "countries", "projects")
    gap = 3
    width = (TEXT_WIDTH - gap * (len(keys) - 1)) / len(keys)
    widths = []
    for i in range(len(keys)):
        widths += [width] + ([gap] if i < len(keys) - 1 else [])
    table = fixed_table(doc, 1, widths)
    no_borders(table)
    cell_margins(table, 2.5, 2.5, 3, 2.5)
    cant_split(table.rows[0])
    cells = table.rows[0].cells
    for i, key in enumerate(keys):
        cell = cells[i * 2]
        shade(cell, "EEF1F6")
        tcpr = cell._tc.get_or_add_tcPr()
        borders = OxmlElement("w:tcBorders")
        top = OxmlElement("w:top")
        for attr, value in (("w:val", "single"), ("w:sz", "32"), ("w:space", "0"), ("w:color", "1D3461")):
            top.set(qn(attr), value)
        borders.append(top)
        tcpr.append(borders)
        cell_paragraph(cell, f"{{{{ edition.statistics.{key}|number }}}}", s.figure, first=True).paragraph_format.keep_with_next = True
        cell_paragraph(cell, f"{{{{ fill(labels.dossier_stat_{key}) }}}}", s.figure_caption)
    for i in range(1, len(cells), 2):
        cell_paragraph(cells[i], "", s.figure_caption, first=True)
    # a little air between the figures and the text
    add(doc, "", paragraph_style(doc, "Espace sous les chiffres", size=4, after=0, line=1.0, keep_next=True))


def about(doc, s):
    add(doc, "{{ fill(labels.dossier_cooperation) }}", "Heading 1")
    figures(doc, s)
    paragraphs(doc, s, "edition.about.decentralised_cooperation", s.about)
    add(doc, "{{ fill(labels.dossier_association) }}", "Heading 1")
    paragraphs(doc, s, "edition.about.association", s.about)
    # the previous edition, told from its own file
    add(doc, "{%p if previous and previous.results %}")
    add(doc, "{{ fill_previous(labels.dossier_previous) }}", "Heading 1")
    add(doc, "{{ fill_previous(labels.dossier_previous_summary) }}", s.about)
    add(doc, "{%p if previous.results.proceedings %}")
    p = add(doc, "{{ fill_previous(labels.dossier_previous_proceedings) }}", s.about_more)
    p.add_run().add_break()
    p.add_run("{{ previous.results.proceedings }}", s.link)
    add(doc, "{%p endif %}")
    add(doc, "{%p endif %}")


def build():
    doc = new_document(margins=MARGINS)
    word_2013_layout(doc)
    section = doc.sections[0]
    section.footer_distance = Mm(10)
    styles = Styles(doc)
    footers(doc, section)
    cover(doc, styles)
    case_and_rencontres(doc, styles)
    programme(doc, styles)
    honour_cafes_partners(doc, styles)
    about(doc, styles)
    schema_order(doc)
    return doc

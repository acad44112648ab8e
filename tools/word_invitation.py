"""Word template of the invitation brochure (templates/invitation.docx).

The same booklet as the PDF on A5 pages, simpler: cover with the partners,
editorial, programme (one real table per day), formats, useful information,
back cover. Every paragraph has a named style, so the officer restyles the
brochure from Word's style gallery.
"""

from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor

from eventdocs.documents.invitation import BOLD_STYLE_ID
from wordkit import (
    GREY, NAVY, RED, SANS, SERIF, WD_ALIGN_PARAGRAPH, Mm, Pt, add, border, new_document, page_field,
    paragraph_style, schema_order, shade, shading, word_2013_layout,
)

WHITE = "FFFFFF"
PALE = "EEF1F6"  # partner tiles
BREAK = "F3F5F8"  # coffee breaks and lunch in the programme
RULE = "C9CED6"
LIGHT_BLUE = "AEBFDC"
NAVY_HEX, RED_HEX = str(NAVY), str(RED)

PAGE = (148, 210)  # A5 portrait: an A4 sheet folded in two
MARGINS = (15, 15, 19, 17)  # top, outside, bottom, inside (mirrored: the fold gets the wider margin)
TEXT_WIDTH = PAGE[0] - MARGINS[1] - MARGINS[3]  # 116 mm
TIME_WIDTH = 36  # the programme's time column: "11:30 AM – 12:30 PM" and a gap before the title
BLEED_IN = 10  # colour blocks reach 7 mm from the paper edge, 10 mm beyond the inside margin
COVER_WIDTH = TEXT_WIDTH + BLEED_IN + 8  # 134 mm: 7 mm from both edges of the paper

B = "edition.brochure"
A = "edition.association"
V = "edition.venue"


# --- small helpers -----------------------------------------------------------------------------


def _rgb(hex_color):
    return RGBColor.from_string(hex_color)


def run_shading(run, fill):
    """Colour behind a run (the red square of the wordmark and of the lists)."""
    run._r.get_or_add_rPr().append(shading(fill))


def paragraph_shading(style, fill):
    style.element.get_or_add_pPr().append(shading(fill))


def padded_box(style, fill, space_pt=4):
    """Shade a paragraph style and pad it with borders of the same colour (Word has no padding)."""
    paragraph_shading(style, fill)
    for side in ("top", "left", "bottom", "right"):
        border(style, side, size=4, color=fill, space=space_pt)


def square(paragraph, side=5):
    """A red square of ``side`` points, drawn as a shaded no-break space (Noto has no ■ glyph).

    The shading is as tall as the run's font and as wide as the space plus its letter spacing.
    """
    size = side * 0.72
    run = paragraph.add_run("\u00a0")
    run.font.size = Pt(size)
    run_shading(run, RED_HEX)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(round((side - 0.26 * size) * 20)))
    run._r.get_or_add_rPr().append(spacing)
    return run


def cell_margins(cell, top=0, right=0, bottom=0, left=0):
    tcpr = cell._tc.get_or_add_tcPr()
    mar = OxmlElement("w:tcMar")
    for side, value in (("top", top), ("start", left), ("left", left), ("bottom", bottom), ("end", right), ("right", right)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(value * 56.6929)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tcpr.append(mar)


def cell_borders(cell, **sides):
    """sides: left=("single", 24, "1D3461"), bottom=(...); the others are none."""
    tcpr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        kind, size, color = sides.get(side, ("nil", 0, "auto"))
        el.set(qn("w:val"), kind)
        if kind != "nil":
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:color"), color)
            el.set(qn("w:space"), "0")
        borders.append(el)
    tcpr.append(borders)


def no_table_borders(table):
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def table_layout(table, widths_mm, indent_mm=0):
    """Fixed column widths (Word and LibreOffice both honour them) and a left indent."""
    table.autofit = False
    tblpr = table._tbl.tblPr
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(sum(widths_mm) * 56.6929)))
    width.set(qn("w:type"), "dxa")
    tblpr.append(width)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    if indent_mm:
        ind = OxmlElement("w:tblInd")
        ind.set(qn("w:w"), str(int(indent_mm * 56.6929)))
        ind.set(qn("w:type"), "dxa")
        tblpr.append(ind)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(int(w * 56.6929)))


def row_height(row, mm, rule="atLeast"):
    trpr = row._tr.get_or_add_trPr()
    h = OxmlElement("w:trHeight")
    h.set(qn("w:val"), str(int(mm * 56.6929)))
    h.set(qn("w:hRule"), rule)
    trpr.append(h)


def keep_row_together(row):
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def fill_cell(cell, lines):
    """Write (text, style) lines into a cell: its first paragraph while still empty, then new ones."""
    for text, style in lines:
        first = cell.paragraphs[0]
        p = first if len(cell.paragraphs) == 1 and not first.runs else cell.add_paragraph()
        p.style = style
        if text:
            p.add_run(text)
    return cell


def mirror_margins(doc):
    settings = doc.settings.element
    settings.append(OxmlElement("w:mirrorMargins"))


def styles(doc):
    """Every paragraph style of the brochure, named in French for the officer."""

    def style(name, **kw):
        return paragraph_style(doc, name, **kw)

    left = WD_ALIGN_PARAGRAPH.LEFT
    # cover
    style("Couverture – logotype", font=SANS, size=10, bold=True, color=_rgb(WHITE), after=48, line=1.0, align=left)
    style("Couverture – édition", font=SANS, size=8.5, bold=True, color=_rgb(LIGHT_BLUE), caps=True, spacing=1.4,
          after=6, align=left)
    style("Couverture – nom", font=SERIF, size=19, bold=True, color=_rgb(WHITE), after=14, line=1.05, align=left)
    rule = style("Couverture – filet", size=4, after=14, line=1.0, align=left)
    rule.paragraph_format.right_indent = Mm(COVER_WIDTH - 2 * 11 - 16)  # 16 mm of red rule in the panel
    border(rule, "bottom", size=24, color=RED_HEX, space=1)
    style("Couverture – thème", font=SERIF, size=15, italic=True, color=_rgb("E6ECF6"), after=0, line=1.1, align=left)
    invitation = style("Couverture – invitation", font=SANS, size=11, bold=True, color=_rgb(WHITE), caps=True,
                       spacing=3.5, before=0, after=12, line=1.0, left=-BLEED_IN, align=left)
    invitation.paragraph_format.right_indent = Mm(TEXT_WIDTH - 50)
    invitation.paragraph_format.first_line_indent = Mm(11)
    paragraph_shading(invitation, RED_HEX)
    for side in ("top", "bottom"):  # no side borders: they would push the tab past the panel's edge
        border(invitation, side, size=4, color=RED_HEX, space=6)
    style("Couverture – dates", font=SANS, size=11.5, bold=True, color=NAVY, after=1, line=1.1, align=left)
    style("Couverture – lieu", font=SANS, size=9, color=GREY, after=14, align=left)
    style("Soutiens – titre", font=SANS, size=6.5, bold=True, color=GREY, caps=True, spacing=1.0, after=4,
          left=-BLEED_IN + 11, align=left)
    style("Partenaire", font=SANS, size=7, bold=True, color=NAVY, after=1, line=1.1, align=left)
    style("Partenaire – détail", font=SANS, size=5.8, color=GREY, after=0, line=1.1, align=left)
    # editorial
    heading = style("Éditorial – surtitre", font=SANS, size=8, bold=True, color=RED, caps=True, spacing=0.6,
                    before=30, after=6, line=1.2, align=left)
    heading.paragraph_format.page_break_before = True
    style("Éditorial – thème", font=SERIF, size=21, bold=True, italic=True, color=NAVY, after=4, line=1.05,
          align=left)
    rule = style("Éditorial – filet", base="Couverture – filet", after=18)
    rule.paragraph_format.right_indent = Mm(TEXT_WIDTH - 16)  # a short red rule, as in the PDF
    style("Chapeau", size=12, after=8, line=1.3, align=left)
    style("Éditorial", size=10.3, after=8, line=1.3, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    follow = style("Éditorial – nouvelle page", base="Éditorial")
    follow.paragraph_format.page_break_before = True
    style("Signature", font=SANS, size=10.5, bold=True, color=NAVY, before=18, after=2, left=40, keep_next=True,
          align=left)
    style("Titres du signataire", font=SANS, size=8, color=GREY, after=0, line=1.2, left=40, keep_next=True,
          align=left)
    # sections
    title = style("Titre de section", font=SANS, size=15, bold=True, color=NAVY, after=16, keep_next=True,
                  line=1.0, align=left)
    title.paragraph_format.page_break_before = True
    border(title, "bottom", size=4, color=RULE, space=6)
    # programme
    day = style("Jour", font=SANS, size=11, bold=True, color=_rgb(WHITE), before=0, after=10, keep_next=True,
                left=1.5, align=left)
    padded_box(day, NAVY_HEX, 3)
    day.paragraph_format.right_indent = Mm(1.5)
    next_day = style("Jour – nouvelle page", base="Jour", before=44)
    next_day.paragraph_format.page_break_before = True
    style("Horaire", font=SANS, size=8.3, bold=True, color=RED, after=0, line=1.1, align=left)
    style("Séance", font=SANS, size=8.8, bold=True, color=NAVY, after=0, line=1.15, align=left)
    # welcome, breaks and lunch: set back in grey, as in the PDF
    style("Séance secondaire", base="Séance", font=SANS, size=8.8, bold=False, color=GREY)
    style("Séance parallèle", font=SERIF, size=8.3, before=3, after=0, line=1.1, left=3.2, hanging=3.2,
          align=left).paragraph_format.tab_stops.add_tab_stop(Mm(3.2))
    # formats
    fmt = style("Format", font=SANS, size=10.5, color=NAVY, before=8, after=1, left=13, hanging=13, keep_next=True,
                align=left)
    fmt.paragraph_format.tab_stops.add_tab_stop(Mm(13))
    style("Format – description", size=9, color=GREY, after=2, left=13, align=left)
    # useful information
    venue = style("Lieu", font=SANS, size=11, bold=True, color=NAVY, after=0, left=4, align=left)
    border(venue, "left", size=24, color=RED_HEX, space=8)
    address = style("Adresse du lieu", font=SANS, size=9.5, after=0, left=4, align=left)
    border(address, "left", size=24, color=RED_HEX, space=8)
    style("Sous-titre", font=SANS, size=8.5, bold=True, color=NAVY, caps=True, spacing=0.6, before=12, after=3,
          keep_next=True, align=left)
    access = style("Accès", after=2, left=21, hanging=21, align=left)
    access.paragraph_format.tab_stops.add_tab_stop(Mm(21))
    register = style("Inscription", font=SANS, size=9, color=_rgb(WHITE), before=6, after=0, left=2, align=left)
    padded_box(register, NAVY_HEX, 5)
    register.paragraph_format.right_indent = Mm(2)  # the padding (5 pt) is drawn outside the indents
    style("Inscription – date", base="Inscription", font=SANS, size=14, bold=True, color=_rgb(WHITE), before=0,
          after=10)
    style("Texte", after=5, align=left)
    # back cover
    style("Dos – nom", font=SERIF, size=12.5, bold=True, color=_rgb(WHITE), after=6, line=1.1, align=left)
    style("Dos – thème", font=SERIF, size=11, italic=True, color=_rgb("E6ECF6"), after=12, align=left)
    style("Dos – dates", font=SANS, size=8.5, color=_rgb(LIGHT_BLUE), after=20, line=1.2, align=left)
    link = style("Dos – liens", font=SANS, size=8.5, color=_rgb(WHITE), after=6, left=24, hanging=24, line=1.25,
                 align=left)
    link.paragraph_format.tab_stops.add_tab_stop(Mm(24))
    style("Dos – mot-dièse", font=SANS, size=15, bold=True, color=_rgb(WHITE), before=24, after=0, align=left)
    style("Logotype", font=SANS, size=17, bold=True, color=NAVY, before=60, after=2, line=1.0, align=left)
    style("Devise", font=SANS, size=6.8, color=GREY, caps=True, spacing=0.6, after=10, align=left)
    address = style("Adresse de l'association", font=SANS, size=7.5, color=GREY, after=0, line=1.25, align=left)
    border(address, "top", size=4, color=RULE, space=6)
    # running footer
    # bold in the texts (word_runs in eventdocs/documents/invitation.py): navy, as in the PDF
    emphasis = doc.styles.add_style("Mise en valeur", WD_STYLE_TYPE.CHARACTER)
    emphasis.font.bold = True
    emphasis.font.color.rgb = NAVY
    assert emphasis.style_id == BOLD_STYLE_ID, emphasis.style_id
    footer = style("Pied de page", font=SANS, size=6.5, color=GREY, after=0, align=WD_ALIGN_PARAGRAPH.LEFT)
    footer.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH / 2), alignment=1)
    footer.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH), alignment=2)


# --- the pages -------------------------------------------------------------------------------------


def running_footers(section):
    """Short name · dates · city in the middle, the page number on the outer corner; none on the cover."""
    text = "{{ edition.short_name }} · {{ day_dates }} · {{ edition.city }}"
    section.different_first_page_header_footer = True
    for footer, number_first in ((section.footer, False), (section.even_page_footer, True)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = "Pied de page"
        if number_first:
            number = page_field(p)
            p.add_run("\t" + text + "\t")
        else:
            p.add_run("\t" + text + "\t")
            number = page_field(p)
        number.font.bold = True
        number.font.color.rgb = RED
    section.first_page_footer.is_linked_to_previous = False


def cover(doc):
    panel = doc.add_table(rows=1, cols=1)
    no_table_borders(panel)
    table_layout(panel, [COVER_WIDTH], indent_mm=-BLEED_IN)
    row_height(panel.rows[0], 104, "exact")
    cell = panel.rows[0].cells[0]
    shade(cell, NAVY_HEX)
    cell_margins(cell, top=10, left=11, right=11)
    mark = cell.paragraphs[0]
    mark.style = "Couverture – logotype"
    square(mark, side=7)
    mark.add_run(" {{ %s.name|lower }}" % A)
    fill_cell(cell, [
        ("{{r word_runs(ordinal) }} {{ labels.invitation_edition }}", "Couverture – édition"),
        ("{{ edition.name }}", "Couverture – nom"),
        ("", "Couverture – filet"),
        ("{{ quoted_theme }}", "Couverture – thème"),
    ])
    add(doc, "{{ labels.invitation_word }}", "Couverture – invitation")
    add(doc, "{{ edition.dates|date_span|capfirst }}", "Couverture – dates")
    add(doc, "{{ edition.venue.name }}, {{ edition.city }}", "Couverture – lieu")
    partners(doc)


def partners(doc):
    """The partners as text tiles, two a row (their logos were lost)."""
    add(doc, "{%p if edition.partners %}")
    add(doc, "{{ labels.invitation_support }}", "Soutiens – titre")
    tiles = doc.add_table(rows=3, cols=2)
    no_table_borders(tiles)
    width = (COVER_WIDTH) / 2
    table_layout(tiles, [width, width], indent_mm=-BLEED_IN)
    tiles.alignment = WD_TABLE_ALIGNMENT.LEFT
    tiles.rows[0].cells[0].paragraphs[0].add_run("{%tr for pair in edition.partners|batch(2) %}")
    tiles.rows[2].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    row = tiles.rows[1]
    row_height(row, 14)
    keep_row_together(row)
    for index, cell in enumerate(row.cells):
        shade(cell, PALE)
        cell_margins(cell, top=2, left=2.6, right=2.6, bottom=2)
        cell_borders(cell, left=("single", 24, NAVY_HEX), top=("single", 16, WHITE), right=("single", 16, WHITE))
        partner = f"pair[{index}]"
        if index == 0:
            fill_cell(cell, [
                ("{{ %s.name }}" % partner, "Partenaire"),
                ("{%%p if %s.detail %%}" % partner, None),
                ("{{ %s.detail }}" % partner, "Partenaire – détail"),
                ("{%p endif %}", None),
            ])
        else:
            # a row with one partner leaves its second tile empty
            fill_cell(cell, [
                ("{%% if pair|length > 1 %%}{{ %s.name }}{%% endif %%}" % partner, "Partenaire"),
                ("{%%p if pair|length > 1 and %s.detail %%}" % partner, None),
                ("{{ %s.detail }}" % partner, "Partenaire – détail"),
                ("{%p endif %}", None),
            ])
    add(doc, "{%p endif %}")


def editorial(doc):
    # {{r word_runs(x) }}: bold in navy and superscripts in lower case, as in the PDF
    add(doc, "{% if " + B + ".heading %}{{r word_runs(" + B + ".heading) }}{% endif %}", "Éditorial – surtitre")
    add(doc, "{{ quoted_theme }}", "Éditorial – thème")
    add(doc, "", "Éditorial – filet")
    add(doc, "{{r word_runs(%s.editorial|first) }}" % B, "Chapeau")
    # the rest of the editorial faces its opening, as in the PDF
    add(doc, "{%p for paragraph in " + B + ".editorial[1:] %}")
    add(doc, "{%p if loop.first %}")
    add(doc, "{{r word_runs(paragraph) }}", "Éditorial – nouvelle page")
    add(doc, "{%p else %}")
    add(doc, "{{r word_runs(paragraph) }}", "Éditorial")
    add(doc, "{%p endif %}")
    add(doc, "{%p endfor %}")
    add(doc, "{{ edition.president.name }}", "Signature")
    add(doc, "{{ labels.invitation_president_of }} {{ %s.name }}" % A, "Titres du signataire")
    add(doc, "{%p for title in edition.president.titles %}")
    add(doc, "{{ title }}", "Titres du signataire")
    add(doc, "{%p endfor %}")


def programme(doc):
    """One table a day: a row per session, its workshops and meetings listed under its title."""
    add(doc, "{{ labels.invitation_programme }}", "Titre de section")
    add(doc, "{%p for day in edition.programme %}")
    add(doc, "{%p if loop.first %}")
    add(doc, "{{ day.date|day_month|capfirst }}", "Jour")
    add(doc, "{%p else %}")
    add(doc, "{{ day.date|day_month|capfirst }}", "Jour – nouvelle page")
    add(doc, "{%p endif %}")
    table = doc.add_table(rows=3, cols=2)
    no_table_borders(table)
    table_layout(table, [TIME_WIDTH, TEXT_WIDTH - TIME_WIDTH])
    table.rows[0].cells[0].paragraphs[0].add_run("{%tr for session in day.sessions %}")
    table.rows[2].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    row = table.rows[1]
    keep_row_together(row)
    background = "{% cellbg '" + BREAK + "' if session.kind in ['break', 'lunch'] else '" + WHITE + "' %}"
    time_cell, what_cell = row.cells
    for cell in row.cells:
        shade(cell, WHITE)  # cellbg replaces this colour
        cell_margins(cell, top=2.6, bottom=2.6, left=1, right=1.5)
        cell_borders(cell, bottom=("single", 4, RULE))
    fill_cell(time_cell, [(background + "{{ session|time_range }}", "Horaire")])
    fill_cell(what_cell, [
        (background + "{%p if session.kind in ['welcome', 'break', 'lunch'] %}", None),
        ("{{ session.title }}", "Séance secondaire"),
        ("{%p else %}", None),
        ("{{ session.title }}", "Séance"),
        ("{%p endif %}", None),
        ("{%p for item in session.parallel %}", None),
    ])
    item = what_cell.add_paragraph(style="Séance parallèle")
    square(item, side=3.6)
    item.add_run("\t{{ item.title }}{% if item.note %} {{ item.note }}{% endif %}")
    what_cell.add_paragraph().add_run("{%p endfor %}")
    add(doc, "{%p endfor %}")


def event_formats(doc):
    add(doc, "{%p if " + B + ".formats %}")
    add(doc, "{{ labels.invitation_formats }}", "Titre de section")
    add(doc, "{%p for format in " + B + ".formats %}")
    p = add(doc, "", "Format")
    number = p.add_run("{{ '%02d'|format(loop.index) }}")
    number.font.bold = True
    number.font.color.rgb = RED
    number.font.size = Pt(14)
    p.add_run("\t{{ format.title }}")
    add(doc, "{%p if format.description %}")
    add(doc, "{{ format.description }}", "Format – description")
    add(doc, "{%p endif %}")
    add(doc, "{%p endfor %}")
    add(doc, "{%p endif %}")


def labelled(doc, label, value, style="Accès"):
    p = add(doc, "", style)
    run = p.add_run("{{ labels.%s }}" % label)
    run.font.name = SANS
    run.font.bold = True
    run.font.color.rgb = NAVY
    p.add_run("\t" + value)
    return p


def useful_information(doc):
    add(doc, "{{ labels.invitation_practical }}", "Titre de section")
    add(doc, "{{ %s.name }}" % V, "Lieu")
    add(doc, "{{ venue_address }}", "Adresse du lieu")
    add(doc, "{%p if " + V + ".website %}")
    add(doc, "{{ short_url(%s.website) }}" % V, "Adresse du lieu")
    add(doc, "{%p endif %}")
    access = V + ".access"
    add(doc, "{%p if " + access + ".metro or " + access + ".bus %}")
    add(doc, "{{ labels.invitation_public_transport }}", "Sous-titre")
    add(doc, "{%p if " + access + ".metro %}")
    labelled(doc, "invitation_metro", "{{ %s.metro }}" % access)
    add(doc, "{%p endif %}")
    add(doc, "{%p if " + access + ".bus %}")
    labelled(doc, "invitation_bus", "{{ %s.bus }}" % access)
    add(doc, "{%p endif %}")
    add(doc, "{%p endif %}")
    add(doc, "{%p if " + access + ".parking %}")
    add(doc, "{{ labels.invitation_car }}", "Sous-titre")
    labelled(doc, "invitation_parking", "{{ %s.parking }}" % access)
    add(doc, "{%p endif %}")

    sub = add(doc, "{{ labels.invitation_registration }}", "Sous-titre")
    border(sub, "top", size=4, color=RULE, space=8)
    add(doc, "{%p if edition.registration_opens %}")
    add(doc, "{{ labels.invitation_registration_opens }}", "Inscription")
    add(doc, "{{ edition.registration_opens|plain_date }}", "Inscription – date")
    add(doc, "{%p endif %}")
    add(doc, "{%p if " + B + ".contact %}")
    add(doc, "{{ %s.contact }}" % B, "Texte")
    add(doc, "{%p endif %}")
    labelled(doc, "invitation_phone", "{{ %s.phone }}" % A)
    labelled(doc, "invitation_email", "{{ %s.email }}" % A)


def back_cover(doc):
    """Its own section: no running footer on the last page."""
    section = doc.add_section(WD_SECTION.EVEN_PAGE)
    # equal side margins: the panel sits 7 mm from the paper edge whether or not the word
    # processor mirrors the margins of this section (LibreOffice does not, Word does)
    section.left_margin = section.right_margin = Mm(MARGINS[1])
    for footer in (section.footer, section.even_page_footer, section.first_page_footer):
        footer.is_linked_to_previous = False
    panel = doc.add_table(rows=1, cols=1)
    no_table_borders(panel)
    table_layout(panel, [COVER_WIDTH], indent_mm=-8)
    row_height(panel.rows[0], 124, "exact")
    cell = panel.rows[0].cells[0]
    shade(cell, NAVY_HEX)
    cell_margins(cell, top=12, left=11, right=11)
    social = A + ".social"
    fill_cell(cell, [
        ("{{ edition.name }}", "Dos – nom"),
        ("{{ quoted_theme }}", "Dos – thème"),
        ("{{ edition.dates|date_span|capfirst }}, {{ edition.venue.name }}, {{ edition.city }}", "Dos – dates"),
        ("{{ labels.invitation_websites }}\t{{ short_url(edition.website) }}", "Dos – liens"),
        ("{%p if edition.info_page %}", None),
        ("\t{{ short_url(edition.info_page) }}", "Dos – liens"),
        ("{%p endif %}", None),
        ("{%p if " + social + ".twitter or " + social + ".linkedin %}", None),
        ("{{ labels.invitation_follow }}\t{% if " + social + ".twitter %}@{{ " + social + ".twitter }}{% else %}"
         "{{ short_url(" + social + ".linkedin) }}{% endif %}", "Dos – liens"),
        ("{%p if " + social + ".twitter and " + social + ".linkedin %}", None),
        ("\t{{ short_url(" + social + ".linkedin) }}", "Dos – liens"),
        ("{%p endif %}", None),
        ("{%p endif %}", None),
        ("{{ edition.hashtag }}", "Dos – mot-dièse"),
    ])
    p = add(doc, "", "Logotype")
    p.add_run("{% if logo %}{{ logo }}{% else %}")
    square(p, side=12)
    p.add_run(" {{ %s.name|lower }}{%% endif %%}" % A)
    add(doc, "{{ %s.tagline }}" % A, "Devise")
    add(doc, "{{ association_address }}", "Adresse de l'association")
    add(doc, "{{ %s.phone }} · {{ %s.email }}" % (A, A), "Adresse de l'association")
    p = add(doc, "{{ short_url(%s.website) }}" % A, "Adresse de l'association")
    p.paragraph_format.space_after = Pt(0)


def build():
    doc = new_document(margins=MARGINS, size=PAGE)
    word_2013_layout(doc)
    mirror_margins(doc)
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    section.header_distance, section.footer_distance = Mm(8), Mm(9)
    styles(doc)
    running_footers(section)
    cover(doc)
    editorial(doc)
    programme(doc)
    event_formats(doc)
    useful_information(doc)
    back_cover(doc)
    schema_order(doc)
    return doc

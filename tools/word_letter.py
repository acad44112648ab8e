"""Word template of the president's letter (templates/letter.docx)."""

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from wordkit import (
    GREY, NAVY, RED, SANS, WD_ALIGN_PARAGRAPH, Mm, Pt, add, border, frame, new_document, paragraph_style, shading,
)


def association_footer(doc, section):
    """The association's footer on every page (first page included)."""
    footer_style = paragraph_style(doc, "Pied de page", font=SANS, size=7, color=GREY,
                                   align=WD_ALIGN_PARAGRAPH.CENTER, after=0, line=1.1)
    tagline_style = paragraph_style(doc, "Pied de page – devise", base="Pied de page", font=SANS, size=7,
                                    bold=True, color=NAVY)
    footer = section.footer
    footer.is_linked_to_previous = False
    first = footer.paragraphs[0]
    first.style = tagline_style
    first.add_run("{{ edition.association.tagline }}")
    border(first, "top", size=4, color="C9CED6", space=4)
    a = "edition.association"
    add(footer, f"{{{{ {a}.street }}}} {{{{ {a}.postcode }}}} {{{{ {a}.city }}}} · {{{{ labels.phone }}}} "
                f"{{{{ {a}.phone }}}} · {{{{ {a}.email }}}}", footer_style)
    add(footer, f"{{{{ {a}.website|replace('https://', '') }}}} · SIRET {{{{ {a}.siret }}}} · APE {{{{ {a}.ape }}}}",
        footer_style)


def wordmark(doc):
    logo = paragraph_style(doc, "Logotype", font=SANS, size=19, bold=True, color=NAVY, after=2, line=1.0)
    tagline = paragraph_style(doc, "Devise", font=SANS, size=7, color=GREY, caps=True, spacing=0.6, after=0,
                              left=6)
    p = add(doc, "", logo)
    p.add_run("{% if logo %}{{ logo }}{% else %}")
    # a red square: one shaded em space, widened to be as wide as it is tall
    # (no font glyph needed; Noto has no U+25A0)
    square = p.add_run("\u2003")
    square.font.size = Pt(10)
    scale = OxmlElement("w:w")
    scale.set(qn("w:val"), "136")
    square._r.get_or_add_rPr().append(scale)
    square._r.get_or_add_rPr().append(shading(str(RED)))
    p.add_run(" ")
    p.add_run("{{ edition.association.name|lower }}{% endif %}")
    add(doc, "{{ edition.association.tagline }}", tagline)


def name_fallback_fonts(doc):
    """Names of other scripts in the mail merge (محمد, 山田太郎): Word takes Arabic letters from the
    complex-script font and Japanese ones from the East Asian font of a run's style."""
    for style in doc.styles:
        fonts = style.element.rPr.find(qn("w:rFonts")) if style.element.rPr is not None else None
        if fonts is not None:
            fonts.set(qn("w:cs"), "Noto Sans Arabic")
            fonts.set(qn("w:eastAsia"), "IPAexGothic")


def build():
    doc = new_document(margins=(18, 20, 32, 25))
    section = doc.sections[0]
    association_footer(doc, section)
    wordmark(doc)
    heading = paragraph_style(doc, "Fonction", font=SANS, size=8.5, bold=True, color=NAVY, caps=True,
                              spacing=1.2, before=22, after=0)
    add(doc, "{{ labels.president_heading }}", heading)
    address = paragraph_style(doc, "Adresse du destinataire", font=SANS, size=10, after=0, line=1.05,
                              align=WD_ALIGN_PARAGRAPH.LEFT)
    # DL window envelope, right-hand window: 100 mm from the left, 50 mm from the top.
    p = add(doc, "{{ recipient_block }}", address)
    frame(p, x_mm=100, y_mm=50, w_mm=85, h_mm=32)
    date = paragraph_style(doc, "Lieu et date", left=75, before=118, after=20, align=WD_ALIGN_PARAGRAPH.LEFT)
    add(doc, "{{ place_date }}", date)
    subject = paragraph_style(doc, "Objet", bold=True, left=20, hanging=20, after=16,
                              align=WD_ALIGN_PARAGRAPH.LEFT)
    subject.paragraph_format.tab_stops.add_tab_stop(Mm(20))
    add(doc, "{{ labels.subject }}\t{{ edition.letter.subject }}", subject)
    salutation = paragraph_style(doc, "Appel", after=10, align=WD_ALIGN_PARAGRAPH.LEFT)
    add(doc, "{{ salutation }},", salutation)
    body = paragraph_style(doc, "Corps de lettre", align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    highlight = paragraph_style(doc, "Mise en avant", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
                                before=6, after=12, left=8)
    highlight.paragraph_format.right_indent = Mm(8)
    add(doc, "{%p for paragraph in edition.letter.body %}")
    add(doc, "{%p if paragraph.style == 'highlight' %}")
    add(doc, "{{ paragraph }}", highlight)
    add(doc, "{%p else %}")
    add(doc, "{{ paragraph }}", body)
    add(doc, "{%p endif %}")
    add(doc, "{%p endfor %}")
    add(doc, "{{ edition.letter.closing }}", body)
    signature = paragraph_style(doc, "Signature", left=75, before=26, after=0, bold=True, keep_next=True,
                                align=WD_ALIGN_PARAGRAPH.LEFT)
    titles = paragraph_style(doc, "Titres du signataire", left=75, size=9.5, after=0, line=1.1,
                             align=WD_ALIGN_PARAGRAPH.LEFT, keep_next=True)
    image = paragraph_style(doc, "Image de signature", left=75, after=0, keep_next=True,
                            align=WD_ALIGN_PARAGRAPH.LEFT)
    add(doc, "{{ edition.president.name }}", signature)
    add(doc, "{%p if signature %}")
    add(doc, "{{ signature }}", image)
    add(doc, "{%p else %}")
    p = add(doc, "", image)
    p.paragraph_format.space_after = Pt(40)
    add(doc, "{%p endif %}")
    add(doc, "{%p for title in edition.president.titles %}")
    add(doc, "{{ title }}", titles)
    add(doc, "{%p endfor %}")
    name_fallback_fonts(doc)
    return doc

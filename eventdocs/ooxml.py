"""Word XML in the order the schema requires: insert an element where it belongs, put a part in order.

The properties of a paragraph, a run, a cell, a section, the settings… are
XML *sequences*: each child has its place. LibreOffice reads them in any
order; Microsoft Word may stop on a misplaced one with « Word found unreadable
content ». Every edit the package makes to Word XML goes through ``insert`` or
``get_or_add``, never through ``append``; ``normalise`` puts an existing
document (a template saved by hand, by a script or by another word processor)
in order.

The sequences are those of ECMA-376 Part 1 (``wml.xsd``) as Office implements
them (the Open XML SDK's schemas, which Word follows), with Office's own
additions (``w14:``, ``w15:``). Where the two differ, Office wins:

- run properties (``w:rPr``) are a sequence for Office, a free choice for
  ISO 29500 transitional; the sequence satisfies both;
- margins and borders (``w:tcMar``…) put ``w:left`` before ``w:start`` for
  Office, after it for ISO 29500. Both carry the same value in a left-to-right
  document, and Word itself writes only ``w:left``/``w:right``: ``normalise``
  drops a ``w:start``/``w:end`` that repeats them, which satisfies both;
- a few switches (``w:cantSplit``, a style's ``w:qFormat``…) are "on"/"off"
  only for Office, also true/false/1/0 for ISO 29500 (LibreOffice writes
  ``w:val="true"``): ``normalise`` writes "on"/"off".

``normalise`` also drops a property written twice identically (LibreOffice
writes two empty ``w:pBdr`` in a frame's paragraph), which no schema allows.

An element the tables below do not know (an extension of another vendor,
``mc:AlternateContent``…) keeps its place after the sibling it follows.
"""

from __future__ import annotations

import io
import zipfile
from typing import Iterable
from xml.sax.saxutils import escape

from lxml import etree

NAMESPACES = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "sl": "http://schemas.openxmlformats.org/schemaLibrary/2006/main",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "w15": "http://schemas.microsoft.com/office/word/2012/wordml",
}
#: the part Word 2010 wrote beside styles.xml; Word 2013 and later neither write nor need it
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"


def qn(name: str) -> str:
    """``w:pPr`` → ``{http://…/main}pPr``."""
    prefix, local = name.split(":")
    return f"{{{NAMESPACES[prefix]}}}{local}"


# Each container's children, in order; names joined by "|" share a place (a choice),
# "*" stands for any element the sequence does not name (the content of a paragraph…).
_RUN_PROPERTIES = """
    w:ins w:del w:moveFrom w:moveTo w14:conflictIns|w14:conflictDel
    w:rStyle w:rFonts w:b w:bCs w:i w:iCs w:caps w:smallCaps w:strike w:dstrike w:outline w:shadow w:emboss
    w:imprint w:noProof w:snapToGrid w:vanish w:webHidden w:color w:spacing w:w w:kern w:position w:sz w:szCs
    w:highlight w:u w:effect w:bdr w:shd w:fitText w:vertAlign w:rtl w:cs w:em w:lang w:eastAsianLayout
    w:specVanish w14:glow w14:shadow w14:reflection w14:textOutline w14:textFill w14:scene3d w14:props3d
    w14:ligatures w14:numForm w14:numSpacing w14:stylisticSets w14:cntxtAlts w:oMath w:rPrChange"""
_SIDES = "w:top w:left w:start w:bottom w:right w:end w:insideH w:insideV w:tl2br w:tr2bl"
_SEQUENCES = {
    "w:document": "w:background w:body",
    "w:body": "* w:sectPr",
    "w:p": "w:pPr *",
    "w:r": "w:rPr *",
    "w:pPr": """
        w:pStyle w:keepNext w:keepLines w:pageBreakBefore w:framePr w:widowControl w:numPr w:suppressLineNumbers
        w:pBdr w:shd w:tabs w:suppressAutoHyphens w:kinsoku w:wordWrap w:overflowPunct w:topLinePunct
        w:autoSpaceDE w:autoSpaceDN w:bidi w:adjustRightInd w:snapToGrid w:spacing w:ind w:contextualSpacing
        w:mirrorIndents w:suppressOverlap w:jc w:textDirection w:textAlignment w:textboxTightWrap w:outlineLvl
        w:divId w:cnfStyle w:rPr w:sectPr w:pPrChange""",
    "w:rPr": _RUN_PROPERTIES,
    "w:pBdr": "w:top w:left w:bottom w:right w:between w:bar",
    "w:numPr": "w:ilvl w:numId w:numberingChange w:ins",
    "w:tbl": "w:tblPr w:tblGrid *",
    "w:tblPr": """
        w:tblStyle w:tblpPr w:tblOverlap w:bidiVisual w:tblStyleRowBandSize w:tblStyleColBandSize w:tblW w:jc
        w:tblCellSpacing w:tblInd w:tblBorders w:shd w:tblLayout w:tblCellMar w:tblLook w:tblCaption
        w:tblDescription w:tblPrChange""",
    "w:tblBorders": _SIDES,
    "w:tblCellMar": _SIDES,
    "w:tblPrEx": """
        w:tblW w:jc w:tblCellSpacing w:tblInd w:tblBorders w:shd w:tblLayout w:tblCellMar w:tblLook
        w:tblPrExChange""",
    "w:tr": "w:tblPrEx w:trPr *",
    "w:trPr": """
        w:cnfStyle|w:divId|w:gridBefore|w:gridAfter|w:wBefore|w:wAfter|w:cantSplit|w:trHeight|w:tblHeader|w:tblCellSpacing|w:jc|w:hidden
        w:ins w:del w:trPrChange""",
    "w:tc": "w:tcPr *",
    "w:tcPr": """
        w:cnfStyle w:tcW w:gridSpan w:hMerge w:vMerge w:tcBorders w:shd w:noWrap w:tcMar w:textDirection
        w:tcFitText w:vAlign w:hideMark w:headers w:cellIns|w:cellDel|w:cellMerge w:tcPrChange""",
    "w:tcBorders": _SIDES,
    "w:tcMar": _SIDES,
    "w:sectPr": """
        w:headerReference|w:footerReference w:footnotePr w:endnotePr w:type w:pgSz w:pgMar w:paperSrc w:pgBorders
        w:lnNumType w:pgNumType w:cols w:formProt w:vAlign w:noEndnote w:titlePg w:textDirection w:bidi
        w:rtlGutter w:docGrid w:printerSettings w15:footnoteColumns w:sectPrChange""",
    "w:pgBorders": "w:top w:left w:bottom w:right",
    "w:font": """
        w:altName w:panose1 w:charset w:family w:notTrueType w:pitch w:sig w:embedRegular w:embedBold
        w:embedItalic w:embedBoldItalic""",
    "w:webSettings": """
        w:frameset w:divs w:encoding w:optimizeForBrowser w:relyOnVML w:allowPNG w:doNotRelyOnCSS
        w:doNotSaveAsSingleFile w:doNotOrganizeInFolder w:doNotUseLongFileNames w:pixelsPerInch
        w:targetScreenSz w:saveSmartTagsAsXml""",
    "w:styles": "w:docDefaults w:latentStyles w:style",
    "w:docDefaults": "w:rPrDefault w:pPrDefault",
    "w:rPrDefault": "w:rPr",
    "w:pPrDefault": "w:pPr",
    "w:style": """
        w:name w:aliases w:basedOn w:next w:link w:autoRedefine w:hidden w:uiPriority w:semiHidden
        w:unhideWhenUsed w:qFormat w:locked w:personal w:personalCompose w:personalReply w:rsid w:pPr w:rPr
        w:tblPr w:trPr w:tcPr w:tblStylePr""",
    "w:tblStylePr": "w:pPr w:rPr w:tblPr w:trPr w:tcPr",
    "w:numbering": "w:numPicBullet w:abstractNum w:num w:numIdMacAtCleanup",
    "w:abstractNum": "w:nsid w:multiLevelType w:tmpl w:name w:styleLink w:numStyleLink w:lvl",
    "w:lvl": """
        w:start w:numFmt w:lvlRestart w:pStyle w:isLgl w:suff w:lvlText w:lvlPicBulletId w:legacy w:lvlJc
        w:pPr w:rPr""",
    "w:num": "w:abstractNumId w:lvlOverride",
    "w:lvlOverride": "w:startOverride w:lvl",
    "w:settings": """
        w:writeProtection w:view w:zoom w:removePersonalInformation w:removeDateAndTime
        w:doNotDisplayPageBoundaries w:displayBackgroundShape w:printPostScriptOverText
        w:printFractionalCharacterWidth w:printFormsData w:embedTrueTypeFonts w:embedSystemFonts
        w:saveSubsetFonts w:saveFormsData w:mirrorMargins w:alignBordersAndEdges w:bordersDoNotSurroundHeader
        w:bordersDoNotSurroundFooter w:gutterAtTop w:hideSpellingErrors w:hideGrammaticalErrors
        w:activeWritingStyle w:proofState w:formsDesign w:attachedTemplate w:linkStyles w:stylePaneFormatFilter
        w:stylePaneSortMethod w:documentType w:mailMerge w:revisionView w:trackRevisions w:doNotTrackMoves
        w:doNotTrackFormatting w:documentProtection w:autoFormatOverride w:styleLockTheme w:styleLockQFSet
        w:defaultTabStop w:autoHyphenation w:consecutiveHyphenLimit w:hyphenationZone w:doNotHyphenateCaps
        w:showEnvelope w:summaryLength w:clickAndTypeStyle w:defaultTableStyle w:evenAndOddHeaders
        w:bookFoldRevPrinting w:bookFoldPrinting w:bookFoldPrintingSheets w:drawingGridHorizontalSpacing
        w:drawingGridVerticalSpacing w:displayHorizontalDrawingGridEvery w:displayVerticalDrawingGridEvery
        w:doNotUseMarginsForDrawingGridOrigin w:drawingGridHorizontalOrigin w:drawingGridVerticalOrigin
        w:doNotShadeFormData w:noPunctuationKerning w:characterSpacingControl w:printTwoOnOne
        w:strictFirstAndLastChars w:noLineBreaksAfter w:noLineBreaksBefore w:savePreviewPicture
        w:doNotValidateAgainstSchema w:saveInvalidXml w:ignoreMixedContent w:alwaysShowPlaceholderText
        w:doNotDemarcateInvalidXml w:saveXmlDataOnly w:useXSLTWhenSaving w:saveThroughXslt w:showXMLTags
        w:alwaysMergeEmptyNamespace w:updateFields w:hdrShapeDefaults w:footnotePr w:endnotePr w:compat
        w:docVars w:rsids m:mathPr w:uiCompat97To2003 w:attachedSchema w:themeFontLang w:clrSchemeMapping
        w:doNotIncludeSubdocsInStats w:doNotAutoCompressPictures w:forceUpgrade w:captions w:readModeInkLockDown
        sl:schemaLibrary w:shapeDefaults w:decimalSymbol w:listSeparator w14:docId w14:discardImageEditingData
        w14:defaultImageDpi w14:conflictMode w15:chartTrackingRefBased w15:docId""",
    "w:compat": """
        w:useSingleBorderforContiguousCells w:wpJustification w:noTabHangInd w:noLeading w:spaceForUL
        w:noColumnBalance w:balanceSingleByteDoubleByteWidth w:noExtraLineSpacing w:doNotLeaveBackslashAlone
        w:ulTrailSpace w:doNotExpandShiftReturn w:spacingInWholePoints w:lineWrapLikeWord6
        w:printBodyTextBeforeHeader w:printColBlack w:wpSpaceWidth w:showBreaksInFrames w:subFontBySize
        w:suppressBottomSpacing w:suppressTopSpacing w:suppressSpacingAtTopOfPage w:suppressTopSpacingWP
        w:suppressSpBfAfterPgBrk w:swapBordersFacingPages w:convMailMergeEsc w:truncateFontHeightsLikeWP6
        w:mwSmallCaps w:usePrinterMetrics w:doNotSuppressParagraphBorders w:wrapTrailSpaces
        w:footnoteLayoutLikeWW8 w:shapeLayoutLikeWW8 w:alignTablesRowByRow w:forgetLastTabAlignment
        w:adjustLineHeightInTable w:autoSpaceLikeWord95 w:noSpaceRaiseLower w:doNotUseHTMLParagraphAutoSpacing
        w:layoutRawTableWidth w:layoutTableRowsApart w:useWord97LineBreakRules w:doNotBreakWrappedTables
        w:doNotSnapToGridInCell w:selectFldWithFirstOrLastChar w:applyBreakingRules w:doNotWrapTextWithPunct
        w:doNotUseEastAsianBreakRules w:useWord2002TableStyleRules w:growAutofit w:useFELayout
        w:useNormalStyleForList w:doNotUseIndentAsNumberingTabStop w:useAltKinsokuLineBreakRules
        w:allowSpaceOfSameStyleInTable w:doNotSuppressIndentation w:doNotAutofitConstrainedTables
        w:autofitToFirstFixedWidthCell w:underlineTabInNumList w:displayHangulFixedWidth
        w:splitPgBreakAndParaMark w:doNotVertAlignCellWithSp w:doNotBreakConstrainedForcedTable
        w:doNotVertAlignInTxbx w:useAnsiKerningPairs w:cachedColBalance w:compatSetting""",
}
#: container tag → {child tag (or "*"): its place}
ORDER: dict[str, dict[str, int]] = {
    qn(container): {
        (name if name == "*" else qn(name)): place
        for place, names in enumerate(sequence.split())
        for name in names.split("|")
    }
    for container, sequence in _SEQUENCES.items()
}
#: containers where a w:start/w:end repeating w:left/w:right is dropped (see the module's docstring)
_SIDED = {qn(name) for name in ("w:tblBorders", "w:tblCellMar", "w:tcBorders", "w:tcMar")}
_SYNONYMS = ((qn("w:start"), qn("w:left")), (qn("w:end"), qn("w:right")))
#: switches that Office types "on"/"off" only, where ISO 29500 also allows true/false/1/0 (LibreOffice writes "true")
_ON_OFF_ONLY = {
    qn(container): {qn(name) for name in names.split()}
    for container, names in {
        "w:trPr": "w:cantSplit w:tblHeader",
        "w:tcPr": "w:noWrap w:tcFitText w:hideMark",
        "w:tblPr": "w:bidiVisual",
        "w:style": """w:autoRedefine w:hidden w:semiHidden w:unhideWhenUsed w:qFormat w:locked w:personal
                      w:personalCompose w:personalReply""",
    }.items()
}
_ON_OFF = {"true": "on", "1": "on", "false": "off", "0": "off"}
#: children a sequence allows more than once; any other named child is a single property
_REPEATABLE = {qn(name) for name in """
    w:headerReference w:footerReference w:style w:tblStylePr w:lsdException w:numPicBullet w:abstractNum w:num
    w:lvl w:lvlOverride w:compatSetting w:activeWritingStyle w:attachedSchema w:cellIns w:cellDel w:cellMerge
    """.split()}
_VAL = qn("w:val")


# --- editing: every element the package adds goes through these ---------------------------------


def insert(parent, child):
    """Put ``child`` into ``parent`` at the place the schema gives it, after any sibling of the same place.

    ``parent`` must be a container of ``ORDER``: inserting into an unknown one
    would be appending, which is what this module exists to avoid.
    """
    order = ORDER[parent.tag]
    place = _place(order, child.tag)
    for index, sibling in enumerate(_places(parent, order)):
        if sibling > place:
            parent.insert(index, child)
            return child
    parent.append(child)
    return child


def get_or_add(parent, name: str):
    """The child ``name`` (``"w:rPr"``) of ``parent``, inserted empty at its place when missing."""
    found = parent.find(qn(name))
    return found if found is not None else insert(parent, parent.makeelement(qn(name), {}))


def set_property(parent, name: str, **values: str):
    """Set the property ``name`` of a properties element (``w:rPr``, ``w:pPr``…) to exactly ``values``.

    ``set_property(rpr, "w:vertAlign", val="superscript")``: an element already
    there is replaced, so ``<w:b w:val="0"/>`` becomes ``<w:b/>`` when set on.
    """
    old = parent.find(qn(name))
    if old is not None:
        parent.remove(old)
    element = parent.makeelement(qn(name), {qn(f"w:{key}"): value for key, value in values.items()})
    return insert(parent, element)


def properties(name: str, children: Iterable[tuple[str, dict[str, str]]]) -> str:
    """The XML of a standalone properties element, children in schema order, for a docxtpl ``{{r }}`` run.

    ``properties("w:rPr", [("w:i", {}), ("w:b", {})])`` → ``<w:rPr><w:b/><w:i/></w:rPr>``. The
    ``w:`` prefix is left undeclared: the text goes inside a part that declares it.
    """
    parent = etree.Element(qn(name), nsmap={"w": NAMESPACES["w"]})
    for child, values in children:
        set_property(parent, child, **values)
    return etree.tostring(parent, encoding="unicode").replace(f' xmlns:w="{NAMESPACES["w"]}"', "", 1)


def text_lines(lines: Iterable[str]) -> str:
    """Lines of text inside one run's ``w:t``: the text with ``</w:t><w:br/><w:t>`` between lines.

    A run's content after its ``w:rPr`` is a free mix of ``w:t`` and ``w:br``,
    so this is valid wherever the text of a ``w:t`` is.
    """
    return '</w:t><w:br/><w:t xml:space="preserve">'.join(escape(line) for line in lines)


def _place(order: dict[str, int], tag) -> int:
    if tag in order:
        return order[tag]
    return order.get("*", len(order))


def _places(parent, order: dict[str, int]) -> list[int]:
    """The place of each child; a child the sequence does not name keeps the place of the one before it."""
    places, last = [], -1
    wildcard = order.get("*")
    for child in parent:
        tag = child.tag if isinstance(child.tag, str) else None  # comments, processing instructions
        if tag in order:
            last = order[tag]
        elif wildcard is not None and tag is not None:
            last = wildcard
        places.append(last)
    return places


# --- putting existing XML in order ----------------------------------------------------------------


def reorder(parent) -> bool:
    """Put the children of one container in schema order (stable); whether anything moved."""
    order = ORDER.get(parent.tag)
    if order is None or len(parent) < 2:
        return False
    children = list(parent)
    places = _places(parent, order)
    ranked = sorted(range(len(children)), key=lambda i: places[i])
    if ranked == list(range(len(children))):
        return False
    for child in children:
        parent.remove(child)
    parent.extend(children[i] for i in ranked)
    return True


def normalise_tree(root) -> bool:
    """Put every known container under ``root`` (included) in schema order; whether anything changed."""
    changed = False
    for element in list(root.iter(*ORDER)):
        if element.tag in _SIDED:
            changed |= _drop_repeated_sides(element)
        if element.tag in _ON_OFF_ONLY:
            changed |= _on_or_off(element, _ON_OFF_ONLY[element.tag])
        changed |= _drop_copies(element)
        changed |= reorder(element)
    return changed


def _drop_copies(parent) -> bool:
    """Drop a property that repeats an identical earlier one (LibreOffice writes ``<w:pBdr/>`` twice in a frame)."""
    order, seen, changed = ORDER[parent.tag], {}, False
    for child in list(parent):
        if child.tag not in order or child.tag in _REPEATABLE:
            continue
        earlier = seen.setdefault(child.tag, [])
        if any(etree.tostring(child) == etree.tostring(other) for other in earlier):
            parent.remove(child)
            changed = True
        else:
            earlier.append(child)
    return changed


def _on_or_off(parent, switches: set[str]) -> bool:
    changed = False
    for child in parent:
        if child.tag in switches and child.get(_VAL) in _ON_OFF:
            child.set(_VAL, _ON_OFF[child.get(_VAL)])
            changed = True
    return changed


def _drop_repeated_sides(parent) -> bool:
    changed = False
    for logical, physical in _SYNONYMS:
        start, left = parent.find(logical), parent.find(physical)
        if start is not None and left is not None and dict(start.attrib) == dict(left.attrib):
            parent.remove(start)
            changed = True
    return changed


def normalise(docx: bytes) -> bytes:
    """The same DOCX with every known container in schema order and no ``stylesWithEffects`` part.

    Idempotent; a part already in order keeps its bytes, and so does the
    whole file when nothing needed fixing.
    """
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    parts = {info.filename: data for info, data in entries}
    dropped = _styles_with_effects(parts)
    changed = dict(dropped)
    for name, data in parts.items():
        if name.startswith("word/") and name.endswith(".xml") and name not in dropped:
            root = etree.fromstring(data)
            if normalise_tree(root):
                changed[name] = _serialise(root)
    if not changed:
        return docx
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            new = changed.get(info.filename, data)
            if new is not None:
                target.writestr(info, new)
    return out.getvalue()


def _styles_with_effects(parts: dict[str, bytes]) -> dict[str, bytes | None]:
    """The parts to rewrite (or drop: None) so that the package no longer has stylesWithEffects.xml."""
    rels_name = "word/_rels/document.xml.rels"
    if rels_name not in parts:
        return {}
    rels = etree.fromstring(parts[rels_name])
    found = [r for r in rels if r.get("Type") == STYLES_WITH_EFFECTS]
    if not found:
        return {}
    changed: dict[str, bytes | None] = {}
    types = etree.fromstring(parts["[Content_Types].xml"])
    for relationship in found:
        rels.remove(relationship)
        part = "word/" + relationship.get("Target").lstrip("/").removeprefix("word/")
        changed[part] = None
        for override in types.findall(f"{{{CONTENT_TYPES}}}Override"):
            if override.get("PartName") == "/" + part:
                types.remove(override)
    changed[rels_name] = _serialise(rels)
    changed["[Content_Types].xml"] = _serialise(types)
    return changed


def _serialise(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

#!/usr/bin/env python3
"""Regenerate the sample documents in samples/ (welcome.docx, budget.xlsx,
slides.pptx and the empty validator.wopitest).

This is a developer tool, NOT needed at install time or at runtime: the
generated files are committed to the repository. It uses only the Python 3
standard library and writes minimal, valid OOXML (ECMA-376 transitional)
packages that ONLYOFFICE Docs, Collabora Online / LibreOffice and
Microsoft 365 for the web open without complaint.

Output is deterministic: zip entries carry a fixed timestamp, fixed
attributes and a fixed order, and docProps use fixed dates, so re-running
the script produces byte-identical files (given the same zlib).

Usage:
    python3 scripts/make-samples.py [OUTPUT_DIR]   # default: <repo>/samples
"""

import os
import sys
import zipfile
from xml.sax.saxutils import escape

ZIP_DATE = (2025, 1, 1, 0, 0, 0)
DOC_DATE = "2025-01-01T00:00:00Z"
AUTHOR = "express-wopi"
APP_NAME = "express-wopi make-samples.py"

XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Namespaces
NS_PKG_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"

# Relationship types
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RT_CORE = ("http://schemas.openxmlformats.org/package/2006/relationships/"
           "metadata/core-properties")

# Content types
CT_OOXML = "application/vnd.openxmlformats-officedocument."
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_APP = CT_OOXML + "extended-properties+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"


# --------------------------------------------------------------------------
# Package helpers
# --------------------------------------------------------------------------

def content_types(overrides):
    parts = [
        XML_DECL,
        '<Types xmlns="%s">' % NS_PKG_CT,
        '<Default Extension="rels" ContentType="%s"/>' % CT_RELS,
        '<Default Extension="xml" ContentType="application/xml"/>',
    ]
    for part_name, ctype in overrides:
        parts.append('<Override PartName="%s" ContentType="%s"/>'
                     % (part_name, ctype))
    parts.append("</Types>")
    return "".join(parts)


def rels(items):
    """items: list of (Id, type suffix or full URI, target)."""
    parts = [XML_DECL, '<Relationships xmlns="%s">' % NS_PKG_REL]
    for rid, rtype, target in items:
        if not rtype.startswith("http"):
            rtype = RT + rtype
        parts.append('<Relationship Id="%s" Type="%s" Target="%s"/>'
                     % (rid, rtype, target))
    parts.append("</Relationships>")
    return "".join(parts)


def root_rels(main_part):
    return rels([
        ("rId1", "officeDocument", main_part),
        ("rId2", RT_CORE, "docProps/core.xml"),
        ("rId3", "extended-properties", "docProps/app.xml"),
    ])


def core_xml(title, subject):
    return (
        XML_DECL
        + '<cp:coreProperties'
        ' xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:dcmitype="http://purl.org/dc/dcmitype/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<dc:title>%s</dc:title>'
        '<dc:subject>%s</dc:subject>'
        '<dc:creator>%s</dc:creator>'
        '<cp:lastModifiedBy>%s</cp:lastModifiedBy>'
        '<cp:revision>1</cp:revision>'
        '<dcterms:created xsi:type="dcterms:W3CDTF">%s</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">%s</dcterms:modified>'
        '</cp:coreProperties>'
        % (escape(title), escape(subject), AUTHOR, AUTHOR, DOC_DATE, DOC_DATE)
    )


def app_xml(extra=""):
    return (
        XML_DECL
        + '<Properties'
        ' xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
        ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<Application>%s</Application>'
        '<DocSecurity>0</DocSecurity>'
        '%s'
        '</Properties>' % (APP_NAME, extra)
    )


def write_package(path, files):
    """Write an OPC package deterministically. `files` is an ordered list of
    (name, text); [Content_Types].xml must come first."""
    assert files[0][0] == "[Content_Types].xml"
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w") as zf:
        for name, text in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            # Fixed "made by" system and mode bits (-rw-r--r--), so the
            # bytes do not depend on the platform running the script.
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            zf.writestr(info, text.encode("utf-8"), compresslevel=9)
    os.replace(tmp, path)


# --------------------------------------------------------------------------
# welcome.docx
# --------------------------------------------------------------------------

def make_docx(path):
    heading = "Welcome to express-wopi"
    paragraphs = [
        "This is a sample document served by the express-wopi CLI. It opens "
        "in your browser-based office editor (ONLYOFFICE Docs, Collabora "
        "Online or Microsoft 365 for the web) through the WOPI protocol, "
        "straight from a folder on the host.",
        "You can edit this text and save it: your changes are sent back to "
        "express-wopi and written to the file on disk. Try it, then reopen "
        "the document to see your edits.",
    ]

    def para(text, style=None):
        ppr = '<w:pPr><w:pStyle w:val="%s"/></w:pPr>' % style if style else ""
        return ('<w:p>%s<w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>'
                % (ppr, escape(text)))

    document = (
        XML_DECL
        + '<w:document xmlns:w="%s" xmlns:r="%s">' % (NS_W, NS_R)
        + "<w:body>"
        + para(heading, "Heading1")
        + "".join(para(p) for p in paragraphs)
        + '<w:sectPr>'
          '<w:pgSz w:w="11906" w:h="16838"/>'
          '<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440"'
          ' w:header="708" w:footer="708" w:gutter="0"/>'
          '<w:cols w:space="708"/>'
          '</w:sectPr>'
        + "</w:body></w:document>"
    )

    styles = (
        XML_DECL
        + '<w:styles xmlns:w="%s">' % NS_W
        + '<w:docDefaults>'
          '<w:rPrDefault><w:rPr>'
          '<w:rFonts w:ascii="Calibri" w:eastAsia="Calibri" w:hAnsi="Calibri" w:cs="Calibri"/>'
          '<w:sz w:val="22"/><w:szCs w:val="22"/>'
          '<w:lang w:val="en-US" w:eastAsia="en-US" w:bidi="ar-SA"/>'
          '</w:rPr></w:rPrDefault>'
          '<w:pPrDefault><w:pPr>'
          '<w:spacing w:after="160" w:line="259" w:lineRule="auto"/>'
          '</w:pPr></w:pPrDefault>'
          '</w:docDefaults>'
          '<w:style w:type="paragraph" w:default="1" w:styleId="Normal">'
          '<w:name w:val="Normal"/><w:qFormat/>'
          '</w:style>'
          '<w:style w:type="paragraph" w:styleId="Heading1">'
          '<w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>'
          '<w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>'
          '<w:pPr><w:keepNext/><w:keepLines/>'
          '<w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr>'
          '<w:rPr><w:b/><w:bCs/><w:color w:val="2F5496"/>'
          '<w:sz w:val="36"/><w:szCs w:val="36"/></w:rPr>'
          '</w:style>'
          '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
          '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/>'
          '<w:semiHidden/><w:unhideWhenUsed/>'
          '</w:style>'
          '<w:style w:type="table" w:default="1" w:styleId="TableNormal">'
          '<w:name w:val="Normal Table"/><w:uiPriority w:val="99"/>'
          '<w:semiHidden/><w:unhideWhenUsed/>'
          '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
          '<w:tblCellMar><w:top w:w="0" w:type="dxa"/>'
          '<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
          '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr>'
          '</w:style>'
          '<w:style w:type="numbering" w:default="1" w:styleId="NoList">'
          '<w:name w:val="No List"/><w:uiPriority w:val="99"/>'
          '<w:semiHidden/><w:unhideWhenUsed/>'
          '</w:style>'
        + '</w:styles>'
    )

    settings = (
        XML_DECL
        + '<w:settings xmlns:w="%s">' % NS_W
        + '<w:defaultTabStop w:val="708"/>'
          '<w:characterSpacingControl w:val="doNotCompress"/>'
          '<w:compat>'
          '<w:compatSetting w:name="compatibilityMode"'
          ' w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>'
          '</w:compat>'
        + '</w:settings>'
    )

    wml = CT_OOXML + "wordprocessingml."
    files = [
        ("[Content_Types].xml", content_types([
            ("/word/document.xml", wml + "document.main+xml"),
            ("/word/styles.xml", wml + "styles+xml"),
            ("/word/settings.xml", wml + "settings+xml"),
            ("/docProps/core.xml", CT_CORE),
            ("/docProps/app.xml", CT_APP),
        ])),
        ("_rels/.rels", root_rels("word/document.xml")),
        ("docProps/core.xml", core_xml(heading, "express-wopi sample document")),
        ("docProps/app.xml", app_xml()),
        ("word/document.xml", document),
        ("word/_rels/document.xml.rels", rels([
            ("rId1", "styles", "styles.xml"),
            ("rId2", "settings", "settings.xml"),
        ])),
        ("word/styles.xml", styles),
        ("word/settings.xml", settings),
    ]
    write_package(path, files)


# --------------------------------------------------------------------------
# budget.xlsx
# --------------------------------------------------------------------------

def make_xlsx(path):
    header = ["Item", "Q1", "Q2", "Total"]
    data = [
        ("Hosting", 1200, 1350),
        ("Licences", 800, 800),
        ("Support", 450, 600),
    ]

    strings = []  # shared strings table, in first-use order
    string_refs = 0

    def sst(text):
        nonlocal string_refs
        string_refs += 1
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    # Style indexes (cellXfs): 0 default, 1 bold, 2 "#,##0", 3 bold "#,##0",
    # 4 bold right-aligned (headers over number columns)
    def s_cell(ref, text, style=0):
        st = ' s="%d"' % style if style else ""
        return '<c r="%s"%s t="s"><v>%d</v></c>' % (ref, st, sst(text))

    def n_cell(ref, value, style=2):
        return '<c r="%s" s="%d"><v>%d</v></c>' % (ref, style, value)

    def f_cell(ref, formula, value, style=2):
        return ('<c r="%s" s="%d"><f>%s</f><v>%d</v></c>'
                % (ref, style, escape(formula), value))

    rows = []
    rows.append('<row r="1">' + "".join(
        s_cell("%s1" % col, text, 1 if col == "A" else 4)
        for col, text in zip("ABCD", header))
        + "</row>")
    for i, (item, q1, q2) in enumerate(data):
        r = i + 2
        rows.append(
            '<row r="%d">' % r
            + s_cell("A%d" % r, item)
            + n_cell("B%d" % r, q1)
            + n_cell("C%d" % r, q2)
            + f_cell("D%d" % r, "B%d+C%d" % (r, r), q1 + q2)
            + "</row>")
    first, last = 2, len(data) + 1
    tr = last + 1
    sum_q1 = sum(d[1] for d in data)
    sum_q2 = sum(d[2] for d in data)
    rows.append(
        '<row r="%d">' % tr
        + s_cell("A%d" % tr, "Total", 1)
        + f_cell("B%d" % tr, "SUM(B%d:B%d)" % (first, last), sum_q1, 3)
        + f_cell("C%d" % tr, "SUM(C%d:C%d)" % (first, last), sum_q2, 3)
        + f_cell("D%d" % tr, "SUM(D%d:D%d)" % (first, last), sum_q1 + sum_q2, 3)
        + "</row>")

    sheet = (
        XML_DECL
        + '<worksheet xmlns="%s" xmlns:r="%s">' % (NS_S, NS_R)
        + '<dimension ref="A1:D%d"/>' % tr
        + '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
          '<sheetFormatPr defaultRowHeight="15"/>'
          '<cols>'
          '<col min="1" max="1" width="16" customWidth="1"/>'
          '<col min="2" max="4" width="12" customWidth="1"/>'
          '</cols>'
        + "<sheetData>" + "".join(rows) + "</sheetData>"
        + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75"'
          ' header="0.3" footer="0.3"/>'
        + "</worksheet>"
    )

    shared = (
        XML_DECL
        + '<sst xmlns="%s" count="%d" uniqueCount="%d">'
        % (NS_S, string_refs, len(strings))
        + "".join("<si><t>%s</t></si>" % escape(s) for s in strings)
        + "</sst>"
    )

    workbook = (
        XML_DECL
        + '<workbook xmlns="%s" xmlns:r="%s">' % (NS_S, NS_R)
        + '<workbookPr/>'
          '<bookViews><workbookView xWindow="0" yWindow="0"'
          ' windowWidth="16384" windowHeight="8192"/></bookViews>'
          '<sheets><sheet name="Budget" sheetId="1" r:id="rId1"/></sheets>'
          '<calcPr calcId="191029"/>'
        + "</workbook>"
    )

    styles = (
        XML_DECL
        + '<styleSheet xmlns="%s">' % NS_S
        + '<fonts count="2">'
          '<font><sz val="11"/><color theme="1"/><name val="Calibri"/>'
          '<family val="2"/></font>'
          '<font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/>'
          '<family val="2"/></font>'
          '</fonts>'
          '<fills count="2">'
          '<fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill>'
          '</fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/>'
          '<diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0"'
          ' borderId="0"/></cellStyleXfs>'
          '<cellXfs count="5">'
          '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0"'
          ' applyFont="1"/>'
          '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0"'
          ' applyNumberFormat="1"/>'
          '<xf numFmtId="3" fontId="1" fillId="0" borderId="0" xfId="0"'
          ' applyNumberFormat="1" applyFont="1"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0"'
          ' applyFont="1" applyAlignment="1"><alignment horizontal="right"/>'
          '</xf>'
          '</cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0"'
          ' builtinId="0"/></cellStyles>'
          '<dxfs count="0"/><tableStyles count="0"/>'
        + "</styleSheet>"
    )

    sml = CT_OOXML + "spreadsheetml."
    files = [
        ("[Content_Types].xml", content_types([
            ("/xl/workbook.xml", sml + "sheet.main+xml"),
            ("/xl/worksheets/sheet1.xml", sml + "worksheet+xml"),
            ("/xl/theme/theme1.xml", CT_OOXML + "theme+xml"),
            ("/xl/styles.xml", sml + "styles+xml"),
            ("/xl/sharedStrings.xml", sml + "sharedStrings+xml"),
            ("/docProps/core.xml", CT_CORE),
            ("/docProps/app.xml", CT_APP),
        ])),
        ("_rels/.rels", root_rels("xl/workbook.xml")),
        ("docProps/core.xml", core_xml("Budget", "express-wopi sample spreadsheet")),
        ("docProps/app.xml", app_xml()),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels([
            ("rId1", "worksheet", "worksheets/sheet1.xml"),
            ("rId2", "theme", "theme/theme1.xml"),
            ("rId3", "styles", "styles.xml"),
            ("rId4", "sharedStrings", "sharedStrings.xml"),
        ])),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/theme/theme1.xml", theme_xml()),
        ("xl/styles.xml", styles),
        ("xl/sharedStrings.xml", shared),
    ]
    write_package(path, files)


# --------------------------------------------------------------------------
# Shared DrawingML theme (used by the xlsx and the pptx)
# --------------------------------------------------------------------------

def theme_xml():
    colors = [
        ("dk1", "000000"), ("lt1", "FFFFFF"), ("dk2", "44546A"),
        ("lt2", "E7E6E6"), ("accent1", "4472C4"), ("accent2", "ED7D31"),
        ("accent3", "A5A5A5"), ("accent4", "FFC000"), ("accent5", "5B9BD5"),
        ("accent6", "70AD47"), ("hlink", "0563C1"), ("folHlink", "954F72"),
    ]
    clr = "".join('<a:%s><a:srgbClr val="%s"/></a:%s>' % (n, v, n)
                  for n, v in colors)

    def font(tag, face):
        return ('<a:%s><a:latin typeface="%s"/><a:ea typeface=""/>'
                '<a:cs typeface=""/></a:%s>' % (tag, face, tag))

    solid = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    lines = "".join(
        '<a:ln w="%d" cap="flat" cmpd="sng" algn="ctr">%s'
        '<a:prstDash val="solid"/><a:miter lim="800000"/></a:ln>' % (w, solid)
        for w in (6350, 12700, 19050))
    return (
        XML_DECL
        + '<a:theme xmlns:a="%s" name="express-wopi">' % NS_A
        + '<a:themeElements>'
        + '<a:clrScheme name="express-wopi">' + clr + '</a:clrScheme>'
        + '<a:fontScheme name="express-wopi">'
        + font("majorFont", "Calibri Light") + font("minorFont", "Calibri")
        + '</a:fontScheme>'
        + '<a:fmtScheme name="express-wopi">'
        + '<a:fillStyleLst>' + solid * 3 + '</a:fillStyleLst>'
        + '<a:lnStyleLst>' + lines + '</a:lnStyleLst>'
        + '<a:effectStyleLst>'
        + '<a:effectStyle><a:effectLst/></a:effectStyle>' * 3
        + '</a:effectStyleLst>'
        + '<a:bgFillStyleLst>' + solid * 3 + '</a:bgFillStyleLst>'
        + '</a:fmtScheme>'
        + '</a:themeElements>'
        + '<a:objectDefaults/><a:extraClrSchemeLst/>'
        + '</a:theme>'
    )


# --------------------------------------------------------------------------
# slides.pptx
# --------------------------------------------------------------------------

PML_NS = 'xmlns:a="%s" xmlns:r="%s" xmlns:p="%s"' % (NS_A, NS_R, NS_P)

SLIDE_W, SLIDE_H = 12192000, 6858000  # 16:9, 13.333in x 7.5in

GROUP_HEADER = (
    '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/>'
    '</p:nvGrpSpPr>'
    '<p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/>'
    '<a:chOff x="0" y="0"/><a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>'
)


def xfrm(x, y, cx, cy):
    return ('<a:xfrm><a:off x="%d" y="%d"/><a:ext cx="%d" cy="%d"/></a:xfrm>'
            % (x, y, cx, cy))


def text_paras(lines):
    return "".join(
        '<a:p><a:r><a:rPr lang="en-US" dirty="0"/><a:t>%s</a:t></a:r></a:p>'
        % escape(line) for line in lines)


def placeholder(sp_id, name, ph, sp_pr="", body_pr="<a:bodyPr/>",
                lst_style="<a:lstStyle/>", lines=("",)):
    if lines == ("",):
        paras = '<a:p><a:endParaRPr lang="en-US"/></a:p>'
    else:
        paras = text_paras(lines)
    return (
        '<p:sp><p:nvSpPr><p:cNvPr id="%d" name="%s"/>'
        '<p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr>'
        '<p:nvPr>%s</p:nvPr></p:nvSpPr>'
        '<p:spPr>%s</p:spPr>'
        '<p:txBody>%s%s%s</p:txBody></p:sp>'
        % (sp_id, escape(name), ph, sp_pr, body_pr, lst_style, paras)
    )


def text_level(lvl, marl, indent, size, bullet=True, extra=""):
    bu = ('<a:buFont typeface="Arial" panose="020B0604020202020204"/>'
          '<a:buChar char="\u2022"/>') if bullet else "<a:buNone/>"
    return (
        '<a:lvl%dpPr marL="%d" indent="%d" algn="l" defTabSz="914400"'
        ' rtl="0" eaLnBrk="1" latinLnBrk="0" hangingPunct="1">%s'
        '%s<a:defRPr sz="%d" kern="1200"><a:solidFill><a:schemeClr val="tx1"/>'
        '</a:solidFill><a:latin typeface="+mn-lt"/><a:ea typeface="+mn-ea"/>'
        '<a:cs typeface="+mn-cs"/></a:defRPr></a:lvl%dpPr>'
        % (lvl, marl, indent, extra, bu, size, lvl)
    )


def make_pptx(path):
    title_ph = '<p:ph type="title"/>'
    master_title_xfrm = xfrm(838200, 365125, 10515600, 1325563)
    master_body_xfrm = xfrm(838200, 1825625, 10515600, 4351338)
    rect = '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'

    body_levels = "".join(
        text_level(i + 1, 228600 + 457200 * i, -228600,
                   (2800, 2400, 2000, 1800, 1800)[i],
                   extra='<a:lnSpc><a:spcPct val="90000"/></a:lnSpc>'
                         '<a:spcBef><a:spcPts val="1000"/></a:spcBef>')
        for i in range(5))

    master = (
        XML_DECL
        + '<p:sldMaster %s>' % PML_NS
        + '<p:cSld><p:bg><p:bgRef idx="1001"><a:schemeClr val="bg1"/>'
          '</p:bgRef></p:bg><p:spTree>' + GROUP_HEADER
        + placeholder(
            2, "Title Placeholder 1", title_ph,
            sp_pr=master_title_xfrm + rect,
            body_pr='<a:bodyPr vert="horz" lIns="91440" tIns="45720"'
                    ' rIns="91440" bIns="45720" rtlCol="0" anchor="ctr">'
                    '<a:normAutofit/></a:bodyPr>',
            lines=("Click to edit Master title style",))
        + placeholder(
            3, "Text Placeholder 2", '<p:ph type="body" idx="1"/>',
            sp_pr=master_body_xfrm + rect,
            body_pr='<a:bodyPr vert="horz" lIns="91440" tIns="45720"'
                    ' rIns="91440" bIns="45720" rtlCol="0">'
                    '<a:normAutofit/></a:bodyPr>',
            lines=("Click to edit Master text styles",))
        + '</p:spTree></p:cSld>'
        + '<p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2"'
          ' accent1="accent1" accent2="accent2" accent3="accent3"'
          ' accent4="accent4" accent5="accent5" accent6="accent6"'
          ' hlink="hlink" folHlink="folHlink"/>'
        + '<p:sldLayoutIdLst>'
          '<p:sldLayoutId id="2147483649" r:id="rId1"/>'
          '<p:sldLayoutId id="2147483650" r:id="rId2"/>'
          '</p:sldLayoutIdLst>'
        + '<p:txStyles>'
          '<p:titleStyle><a:lvl1pPr algn="l" defTabSz="914400" rtl="0"'
          ' eaLnBrk="1" latinLnBrk="0" hangingPunct="1">'
          '<a:lnSpc><a:spcPct val="90000"/></a:lnSpc>'
          '<a:spcBef><a:spcPct val="0"/></a:spcBef><a:buNone/>'
          '<a:defRPr sz="4400" kern="1200"><a:solidFill>'
          '<a:schemeClr val="tx1"/></a:solidFill><a:latin typeface="+mj-lt"/>'
          '<a:ea typeface="+mj-ea"/><a:cs typeface="+mj-cs"/></a:defRPr>'
          '</a:lvl1pPr></p:titleStyle>'
          '<p:bodyStyle>' + body_levels + '</p:bodyStyle>'
          '<p:otherStyle><a:defPPr><a:defRPr lang="en-US"/></a:defPPr>'
        + text_level(1, 0, 0, 1800, bullet=False)
        + '</p:otherStyle></p:txStyles>'
        + '</p:sldMaster>'
    )

    layout_title = (
        XML_DECL
        + '<p:sldLayout %s type="title" preserve="1">' % PML_NS
        + '<p:cSld name="Title Slide"><p:spTree>' + GROUP_HEADER
        + placeholder(
            2, "Title 1", '<p:ph type="ctrTitle"/>',
            sp_pr=xfrm(1524000, 1122363, 9144000, 2387600),
            body_pr='<a:bodyPr anchor="b"><a:normAutofit/></a:bodyPr>',
            lst_style='<a:lstStyle><a:lvl1pPr algn="ctr">'
                      '<a:defRPr sz="6000"/></a:lvl1pPr></a:lstStyle>',
            lines=("Click to edit Master title style",))
        + placeholder(
            3, "Subtitle 2", '<p:ph type="subTitle" idx="1"/>',
            sp_pr=xfrm(1524000, 3602038, 9144000, 1655762),
            body_pr='<a:bodyPr><a:normAutofit/></a:bodyPr>',
            lst_style='<a:lstStyle><a:lvl1pPr marL="0" indent="0"'
                      ' algn="ctr"><a:buNone/><a:defRPr sz="2400"/>'
                      '</a:lvl1pPr></a:lstStyle>',
            lines=("Click to edit Master subtitle style",))
        + '</p:spTree></p:cSld>'
          '<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr>'
          '</p:sldLayout>'
    )

    layout_content = (
        XML_DECL
        + '<p:sldLayout %s type="obj" preserve="1">' % PML_NS
        + '<p:cSld name="Title and Content"><p:spTree>' + GROUP_HEADER
        + placeholder(2, "Title 1", title_ph, sp_pr=master_title_xfrm,
                      lines=("Click to edit Master title style",))
        + placeholder(3, "Content Placeholder 2", '<p:ph idx="1"/>',
                      sp_pr=master_body_xfrm,
                      lines=("Click to edit Master text styles",))
        + '</p:spTree></p:cSld>'
          '<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr>'
          '</p:sldLayout>'
    )

    slide1 = (
        XML_DECL
        + '<p:sld %s>' % PML_NS
        + '<p:cSld><p:spTree>' + GROUP_HEADER
        + placeholder(2, "Title 1", '<p:ph type="ctrTitle"/>',
                      lines=("express-wopi",))
        + placeholder(3, "Subtitle 2", '<p:ph type="subTitle" idx="1"/>',
                      lines=("A sample presentation served over WOPI",))
        + '</p:spTree></p:cSld>'
          '<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr>'
          '</p:sld>'
    )

    slide2 = (
        XML_DECL
        + '<p:sld %s>' % PML_NS
        + '<p:cSld><p:spTree>' + GROUP_HEADER
        + placeholder(2, "Title 1", title_ph, lines=("What you can do",))
        + placeholder(3, "Content Placeholder 2", '<p:ph idx="1"/>', lines=(
            "Open this file from the express-wopi CLI",
            "Edit it in ONLYOFFICE, Collabora Online or Microsoft 365",
            "Save: changes are written back to disk over WOPI",
            "Reopen it to see your edits",
        ))
        + '</p:spTree></p:cSld>'
          '<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr>'
          '</p:sld>'
    )

    presentation = (
        XML_DECL
        + '<p:presentation %s saveSubsetFonts="1">' % PML_NS
        + '<p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/>'
          '</p:sldMasterIdLst>'
          '<p:sldIdLst><p:sldId id="256" r:id="rId2"/>'
          '<p:sldId id="257" r:id="rId3"/></p:sldIdLst>'
        + '<p:sldSz cx="%d" cy="%d"/>' % (SLIDE_W, SLIDE_H)
        + '<p:notesSz cx="6858000" cy="9144000"/>'
          '<p:defaultTextStyle><a:defPPr><a:defRPr lang="en-US"/></a:defPPr>'
        + text_level(1, 0, 0, 1800, bullet=False)
        + '</p:defaultTextStyle>'
          '</p:presentation>'
    )

    pres_props = XML_DECL + '<p:presentationPr %s/>' % PML_NS
    view_props = (
        XML_DECL + '<p:viewPr %s>' % PML_NS
        + '<p:gridSpacing cx="76200" cy="76200"/></p:viewPr>')
    table_styles = (
        XML_DECL + '<a:tblStyleLst xmlns:a="%s"' % NS_A
        + ' def="{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}"/>')

    pml = CT_OOXML + "presentationml."
    layout_rels = rels([("rId1", "slideMaster", "../slideMasters/slideMaster1.xml")])
    files = [
        ("[Content_Types].xml", content_types([
            ("/ppt/presentation.xml", pml + "presentation.main+xml"),
            ("/ppt/slideMasters/slideMaster1.xml", pml + "slideMaster+xml"),
            ("/ppt/slideLayouts/slideLayout1.xml", pml + "slideLayout+xml"),
            ("/ppt/slideLayouts/slideLayout2.xml", pml + "slideLayout+xml"),
            ("/ppt/slides/slide1.xml", pml + "slide+xml"),
            ("/ppt/slides/slide2.xml", pml + "slide+xml"),
            ("/ppt/theme/theme1.xml", CT_OOXML + "theme+xml"),
            ("/ppt/presProps.xml", pml + "presProps+xml"),
            ("/ppt/viewProps.xml", pml + "viewProps+xml"),
            ("/ppt/tableStyles.xml", pml + "tableStyles+xml"),
            ("/docProps/core.xml", CT_CORE),
            ("/docProps/app.xml", CT_APP),
        ])),
        ("_rels/.rels", root_rels("ppt/presentation.xml")),
        ("docProps/core.xml", core_xml("express-wopi", "express-wopi sample presentation")),
        ("docProps/app.xml", app_xml(
            "<PresentationFormat>Widescreen</PresentationFormat>"
            "<Slides>2</Slides>")),
        ("ppt/presentation.xml", presentation),
        ("ppt/_rels/presentation.xml.rels", rels([
            ("rId1", "slideMaster", "slideMasters/slideMaster1.xml"),
            ("rId2", "slide", "slides/slide1.xml"),
            ("rId3", "slide", "slides/slide2.xml"),
            ("rId4", "presProps", "presProps.xml"),
            ("rId5", "viewProps", "viewProps.xml"),
            ("rId6", "theme", "theme/theme1.xml"),
            ("rId7", "tableStyles", "tableStyles.xml"),
        ])),
        ("ppt/slideMasters/slideMaster1.xml", master),
        ("ppt/slideMasters/_rels/slideMaster1.xml.rels", rels([
            ("rId1", "slideLayout", "../slideLayouts/slideLayout1.xml"),
            ("rId2", "slideLayout", "../slideLayouts/slideLayout2.xml"),
            ("rId3", "theme", "../theme/theme1.xml"),
        ])),
        ("ppt/slideLayouts/slideLayout1.xml", layout_title),
        ("ppt/slideLayouts/_rels/slideLayout1.xml.rels", layout_rels),
        ("ppt/slideLayouts/slideLayout2.xml", layout_content),
        ("ppt/slideLayouts/_rels/slideLayout2.xml.rels", layout_rels),
        ("ppt/slides/slide1.xml", slide1),
        ("ppt/slides/_rels/slide1.xml.rels", rels([
            ("rId1", "slideLayout", "../slideLayouts/slideLayout1.xml")])),
        ("ppt/slides/slide2.xml", slide2),
        ("ppt/slides/_rels/slide2.xml.rels", rels([
            ("rId1", "slideLayout", "../slideLayouts/slideLayout2.xml")])),
        ("ppt/theme/theme1.xml", theme_xml()),
        ("ppt/presProps.xml", pres_props),
        ("ppt/viewProps.xml", view_props),
        ("ppt/tableStyles.xml", table_styles),
    ]
    write_package(path, files)


# --------------------------------------------------------------------------

def main(argv):
    if len(argv) > 1:
        out = argv[1]
    else:
        out = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           os.pardir, "samples")
    out = os.path.normpath(out)
    os.makedirs(out, exist_ok=True)
    make_docx(os.path.join(out, "welcome.docx"))
    make_xlsx(os.path.join(out, "budget.xlsx"))
    make_pptx(os.path.join(out, "slides.pptx"))
    # The WOPI validator is triggered by an empty file with this extension.
    open(os.path.join(out, "validator.wopitest"), "wb").close()
    for name in ("welcome.docx", "budget.xlsx", "slides.pptx",
                 "validator.wopitest"):
        print("%-20s %6d bytes" % (name, os.path.getsize(os.path.join(out, name))))


if __name__ == "__main__":
    main(sys.argv)

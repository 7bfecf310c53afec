"""A small .xlsx writer for the workbooks the report hands out: it writes the SpreadsheetML parts
itself, each cell as one string, because openpyxl spent ~0.2 s per county on objects per cell
and style (and grew quadratically with merged ranges), and XlsxWriter still ~80 ms.

It knows what these workbooks use and nothing more: text (always text, never a formula), numbers
with a number format, blank styled cells, a few shared cell styles (font, solid fill, thin box,
alignment), merged ranges, column widths, frozen header rows repeated on every printed page, and a
page set-up (`print_layout` says which). The parts are those openpyxl wrote, so a workbook reads back
(openpyxl, calamine, Excel) exactly as before."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl.styles.numbers import BUILTIN_FORMATS_REVERSE
from openpyxl.utils import get_column_letter
from openpyxl.writer.theme import theme_xml

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
FIRST_CUSTOM_FORMAT = 164

ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""C0 controls XML cannot hold (openpyxl refused them too)."""
SPECIAL_CHARACTERS = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
"""What a cell's text must not hold as it is: one search, as most texts have none."""


@dataclass(frozen=True)
class CellStyle:
    """What a cell looks like; None/False: the workbook's default."""
    bold: bool = False
    italic: bool = False
    size: float | None = None
    colour: str | None = None
    """Font colour, RRGGBB."""
    fill: str | None = None
    """Solid fill, RRGGBB."""
    boxed: bool = False
    """A thin border on all four sides."""
    wrap: bool = False
    horizontal: str | None = None
    vertical: str | None = None
    number_format: str | None = None


@dataclass(frozen=True)
class PageSetup:
    landscape: bool
    paper_size: int
    """Excel's paper number (9: A4)."""
    fit_to_width: int
    """Pages across the sheet is shrunk to (0: not fitted)."""
    fit_to_height: int
    """Pages down (0: as many as the rows need)."""
    centred: bool
    """Centred across the page."""
    margins: tuple[float, float, float, float, float, float]
    """Inches: left, right, top, bottom, header, footer."""

    def xml(self) -> str:
        left, right, top, bottom, header, footer = self.margins
        fit = f' fitToHeight="{self.fit_to_height}" fitToWidth="{self.fit_to_width}"' if self.fit_to_width else ""
        return ((f'<printOptions horizontalCentered="1"/>' if self.centred else "")
                + f'<pageMargins left="{left:g}" right="{right:g}" top="{top:g}" bottom="{bottom:g}" '
                f'header="{header:g}" footer="{footer:g}"/>'
                f'<pageSetup orientation="{"landscape" if self.landscape else "portrait"}" '
                f'paperSize="{self.paper_size}"{fit}/>')


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def text_xml(text: str) -> str:
    if not SPECIAL_CHARACTERS.search(text):
        return text
    if ILLEGAL_CHARACTERS.search(text):
        raise ValueError(f"a workbook cell cannot hold control characters: {text!r}")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Sheet:
    def __init__(self, book: "XlsxBook", title: str):
        self.book, self.title = book, title
        self.rows: dict[int, dict[int, str]] = {}
        """row → column → the cell's XML: a cell written again replaces itself, as in openpyxl (Excel
        calls a workbook with one cell twice damaged)."""
        self.merged: list[str] = []
        self.widths: dict[int, float] = {}
        self.header_rows = 0
        """Rows frozen on screen and repeated on every printed page."""
        self.page_setup: PageSetup | None = None
        self.max_column = 1

    def write(self, row: int, column: int, value, style: int = 0) -> None:
        """`value` at (row, column), 1-based, in the style `XlsxBook.style_id` numbered: a str always
        as text (a school named "=HYPERLINK(…)" stays text), an int or float as a number, None as a
        blank cell that keeps its style."""
        s = f' s="{style}"' if style else ""
        if value is None or value == "":  # as openpyxl: an empty text is a blank cell
            if not style:
                self.rows.get(row, {}).pop(column, None)
                return
            xml = f'<c r="{get_column_letter(column)}{row}"{s}/>'
        elif isinstance(value, str):
            xml = (f'<c r="{get_column_letter(column)}{row}"{s} t="inlineStr"><is><t xml:space="preserve">'
                   f"{text_xml(value)}</t></is></c>")
        elif isinstance(value, bool):
            xml = f'<c r="{get_column_letter(column)}{row}"{s} t="b"><v>{int(value)}</v></c>'
        elif isinstance(value, (int, float)):  # openpyxl's precision: 70.0 reads back 70
            xml = f'<c r="{get_column_letter(column)}{row}"{s} t="n"><v>{value:.16g}</v></c>'
        else:
            raise TypeError(f"a workbook cell holds text or a number, not {type(value).__name__}: {value!r}")
        self.rows.setdefault(row, {})[column] = xml
        if column > self.max_column:
            self.max_column = column

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int, value,
              style: int = 0) -> None:
        """`value` in the range's first cell; the others blank in the same style, so a box is drawn
        round the whole range."""
        for row in range(first_row, last_row + 1):
            for column in range(first_column, last_column + 1):
                self.write(row, column, value if (row, column) == (first_row, first_column) else None, style)
        self.merged.append(f"{get_column_letter(first_column)}{first_row}:{get_column_letter(last_column)}{last_row}")

    def xml(self) -> str:
        fitted = '<pageSetUpPr fitToPage="1"/>' if self.page_setup and self.page_setup.fit_to_width else ""
        parts = [f'<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheetPr><outlinePr summaryBelow="1" '
                 f'summaryRight="1"/>{fitted}</sheetPr>']
        last_row = max((row for row, cells in self.rows.items() if cells), default=1)
        parts.append(f'<dimension ref="A1:{get_column_letter(self.max_column)}{last_row}"/>')
        if self.header_rows:
            top = f"A{self.header_rows + 1}"
            parts.append(f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{self.header_rows}" '
                         f'topLeftCell="{top}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
                         'activeCell="A1" sqref="A1"/></sheetView></sheetViews>')
        else:
            parts.append('<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/>'
                         '</sheetView></sheetViews>')
        parts.append('<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>')
        if self.widths:
            parts.append("<cols>")
            parts.extend(f'<col min="{column}" max="{column}" width="{width!r}" customWidth="1"/>'
                         for column, width in sorted(self.widths.items()))
            parts.append("</cols>")
        parts.append("<sheetData>")
        for row in sorted(self.rows):
            cells = self.rows[row]
            if not cells:
                continue
            parts.append(f'<row r="{row}">')
            parts.extend(cells[column] for column in sorted(cells))
            parts.append("</row>")
        parts.append("</sheetData>")
        if self.merged:
            parts.append(f'<mergeCells count="{len(self.merged)}">')
            parts.extend(f'<mergeCell ref="{ref}"/>' for ref in self.merged)
            parts.append("</mergeCells>")
        if self.page_setup:
            parts.append(self.page_setup.xml())
        parts.append("</worksheet>")
        return "".join(parts)


class XlsxBook:
    def __init__(self):
        self.sheets: list[Sheet] = []
        self.styles: dict[CellStyle, int] = {CellStyle(): 0}

    def add_sheet(self, title: str) -> Sheet:
        sheet = Sheet(self, title)
        self.sheets.append(sheet)
        return sheet

    def style_id(self, style: CellStyle) -> int:
        """The number cells of `style` are written with (look it up once, not per cell)."""
        found = self.styles.get(style)
        if found is None:
            found = self.styles[style] = len(self.styles)
        return found

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        # the fastest deflate: half the time of the default level for a tenth more bytes
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr("[Content_Types].xml", self._content_types())
            archive.writestr("_rels/.rels", f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
                             f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
            archive.writestr("xl/workbook.xml", self._workbook())
            archive.writestr("xl/_rels/workbook.xml.rels", self._workbook_relationships())
            archive.writestr("xl/styles.xml", self._styles())
            archive.writestr("xl/theme/theme1.xml", theme_xml)  # openpyxl's: the default font's colour names it
            for number, sheet in enumerate(self.sheets, start=1):
                archive.writestr(f"xl/worksheets/sheet{number}.xml", sheet.xml())
        return path

    def _content_types(self) -> str:
        sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{CONTENT_TYPE}.worksheet+xml"/>'
                         for n in range(1, len(self.sheets) + 1))
        return ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{CONTENT_TYPE}.sheet.main+xml"/>'
                f'<Override PartName="/xl/styles.xml" ContentType="{CONTENT_TYPE}.styles+xml"/>'
                '<Override PartName="/xl/theme/theme1.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
                f'{sheets}</Types>')

    def _workbook(self) -> str:
        sheets = "".join(f'<sheet name="{escape(sheet.title)}" sheetId="{n}" r:id="rId{n}"/>'
                         for n, sheet in enumerate(self.sheets, start=1))
        titles = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{n}">'
            f"{escape(sheet_reference(sheet.title))}!$1:${sheet.header_rows}</definedName>"
            for n, sheet in enumerate(self.sheets) if sheet.header_rows)
        return (f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><workbookPr/><bookViews>'
                f'<workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
                + (f"<definedNames>{titles}</definedNames>" if titles else "")
                + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')

    def _workbook_relationships(self) -> str:
        sheets = "".join(f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                         for n in range(1, len(self.sheets) + 1))
        styles = (f'<Relationship Id="rId{len(self.sheets) + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
                  f'<Relationship Id="rId{len(self.sheets) + 2}" Type="{RELATIONSHIPS}/theme" '
                  'Target="theme/theme1.xml"/>')
        return f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{sheets}{styles}</Relationships>'

    def _styles(self) -> str:
        """The styles part, each font, fill and border once, in openpyxl's element order."""
        number_formats: dict[str, int] = {}
        fonts = ['<font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/>'
                 '<scheme val="minor"/></font>']
        fills = ['<fill><patternFill/></fill>', '<fill><patternFill patternType="gray125"/></fill>']
        borders = ["<border><left/><right/><top/><bottom/><diagonal/></border>",
                   '<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/>'
                   "<diagonal/></border>"]
        xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" pivotButton="0" quotePrefix="0" xfId="0"/>']
        for style in list(self.styles)[1:]:
            attributes = []
            number_format = 0
            if style.number_format:
                number_format = BUILTIN_FORMATS_REVERSE.get(style.number_format)
                if number_format is None:
                    number_format = number_formats.setdefault(style.number_format,
                                                              FIRST_CUSTOM_FORMAT + len(number_formats))
            font = 0
            if style.bold or style.italic or style.size or style.colour:
                font = _index(fonts, "<font>" + ('<b val="1"/>' if style.bold else "")
                              + ('<i val="1"/>' if style.italic else "")
                              + (f'<color rgb="00{style.colour}"/>' if style.colour else "")
                              + (f'<sz val="{style.size!r}"/>' if style.size else "") + "</font>")
            fill = 0
            if style.fill:
                fill = _index(fills, f'<fill><patternFill patternType="solid"><fgColor rgb="00{style.fill}"/>'
                                     f'<bgColor rgb="00{style.fill}"/></patternFill></fill>')
            border = 1 if style.boxed else 0
            attributes.append(f'numFmtId="{number_format}" fontId="{font}" fillId="{fill}" borderId="{border}"')
            applied = "".join(f' apply{name}="1"' for name, used in (
                ("NumberFormat", number_format), ("Font", font), ("Fill", fill), ("Border", border),
                ("Alignment", style.wrap or style.horizontal or style.vertical)) if used)
            alignment = "".join(f' {name}="{value}"' for name, value in (
                ("horizontal", style.horizontal), ("vertical", style.vertical),
                ("wrapText", "1" if style.wrap else None)) if value)
            xfs.append(f'<xf {attributes[0]}{applied} pivotButton="0" quotePrefix="0" xfId="0">'
                       + (f"<alignment{alignment}/>" if alignment else "") + "</xf>")
        formats = "".join(f'<numFmt numFmtId="{n}" formatCode="{escape(code)}"/>' for code, n in number_formats.items())
        return (f'<styleSheet xmlns="{MAIN}">'
                + (f'<numFmts count="{len(number_formats)}">{formats}</numFmts>' if number_formats else "")
                + f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
                f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
                f'<borders count="{len(borders)}">{"".join(borders)}</borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
                "</styleSheet>")


def _index(items: list[str], item: str) -> int:
    if item not in items:
        items.append(item)
    return items.index(item)


def sheet_reference(title: str) -> str:
    """A sheet's name as a formula refers to it: quoted, a quote doubled."""
    return "'" + title.replace("'", "''") + "'"

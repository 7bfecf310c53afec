"""A returned per-campus workbook (layout: `template`) → raw string frames and issues (calamine).

- 学校基本情况 — the vertical form. The reader finds rows by 字段代码 (the English name), falling
  back to the Chinese label, so inserted or reordered rows do not matter. The whole sheet is
  one record; its `row_number` is the year row, and each field's issue names its own cell.
- 班级情况 / 音乐美术专用教室 — tables, one header row of Chinese labels (a title or a
  two-level merged header above it is tolerated). Campus identity cells may be left blank:
  they are copied from the school sheet.
- 警告说明 (also named 说明 or explanations) — optional: the campus's explanations of its
  warnings ("fix or explain"), a table like the two above; a workbook without it explains nothing.

Reading uses python-calamine directly (cached formula values; merged ranges). Measured on a
filled template with 40 classes (2 shared cores): calamine ≈ 1 ms to load all sheets,
pandas.read_excel(engine="calamine") ≈ 3 ms, openpyxl ≈ 14 ms read-only / 25 ms normal;
`read_workbook` end to end (frames, provenance, formula scan) ≈ 12 ms.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from functools import lru_cache
from xml.parsers import expat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter
from python_calamine import CalamineError, CalamineWorkbook

from balanced_pipeline.contract.issues import ERROR, WARNING, issues_frame
from balanced_pipeline.intake.parsing import CELL_PREFIX, clean_text_value
from balanced_pipeline.intake.readers import (
    RawTable,
    conform_table,
    field_for_header,
    file_issue,
    file_sha256,
    header_key,
    over_limit,
    unreadable,
)
from balanced_pipeline.intake.template import YEAR_FIELD, YEAR_LABEL
from balanced_pipeline.contract.forms import CAMPUS_KEY, CLASSES, EXPLANATIONS, ROOMS, SCHOOLS, Form
from balanced_pipeline.settings import IntakeLimits

_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
EXPLANATION_SHEETS = (EXPLANATIONS.label_zh, "说明", "explanations")
"""Names the explanation sheet may carry: the template's, and the short ones a clerk may type."""


def read_workbook(path: Path, relative_name: str, expected_year: int | None = None
                  ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """A returned workbook → raw string frames per form (schools, classes, rooms) and issues."""
    tables = read_workbook_tables(path, relative_name, expected_year)
    frames = {name: table.frame for name, table in tables.items()}
    return frames, issues_frame([issue for table in tables.values() for issue in table.issues])


def read_workbook_tables(path: Path, relative_name: str, expected_year: int | None = None, sha: str | None = None,
                         limits: IntakeLimits = IntakeLimits()) -> dict[str, RawTable]:
    """Like `read_workbook`, keeping per-sheet row counts and status for the file listing. A sheet
    spanning more than `limits.cells_per_sheet` cells is refused before calamine loads it (calamine
    holds a sheet as a dense grid, so two cells at A1 and XFD1048576 would take 17 billion)."""
    try:
        sha = sha or file_sha256(path)
        book = CalamineWorkbook.from_path(str(path))
        scans = _scan_sheets(path)
    except (CalamineError, OSError, zipfile.BadZipFile, ElementTree.ParseError, KeyError, ValueError) as error:
        return {SCHOOLS.name: unreadable(relative_name, SCHOOLS.name, "", str(error))}
    sheets = {header_key(name): name for name in book.sheet_names}
    tables: dict[str, RawTable] = {}
    school_sheet = sheets.get(header_key(SCHOOLS.label_zh))
    if school_sheet is None:
        return {SCHOOLS.name: _missing_sheet(relative_name, SCHOOLS, ERROR)}
    scan = scans.get(school_sheet, _SheetScan())
    if scan.cells > limits.cells_per_sheet:
        return {SCHOOLS.name: _too_many_cells(relative_name, SCHOOLS, school_sheet, scan, limits)}
    try:
        grid = _grid(book, school_sheet)
    except CalamineError as error:  # a cell calamine cannot read (e.g. a number cell holding text)
        return {SCHOOLS.name: unreadable(relative_name, SCHOOLS.name, school_sheet, str(error))}
    tables[SCHOOLS.name], year, identity = _read_vertical_form(
        grid, relative_name, school_sheet, sha, scan.uncalculated)
    explanation_sheet = next((sheets[key] for key in map(header_key, EXPLANATION_SHEETS) if key in sheets), None)
    table_sheets = [(form, sheets.get(header_key(form.label_zh))) for form in (CLASSES, ROOMS)]
    if explanation_sheet is not None:
        table_sheets.append((EXPLANATIONS, explanation_sheet))
    for form, sheet in table_sheets:
        scan = scans.get(sheet, _SheetScan())
        if sheet is None:
            tables[form.name] = _missing_sheet(relative_name, form, WARNING)
        elif scan.cells > limits.cells_per_sheet:
            tables[form.name] = _too_many_cells(relative_name, form, sheet, scan, limits)
        elif len(scan.uncalculated) > limits.issue_rows_per_rule:
            tables[form.name] = _many_uncalculated(relative_name, form, sheet, len(scan.uncalculated))
        else:
            try:
                grid = _grid(book, sheet)
            except CalamineError as error:
                tables[form.name] = unreadable(relative_name, form.name, sheet, str(error))
                continue
            tables[form.name] = _read_table_sheet(grid, form, relative_name, sheet, sha, identity, scan.uncalculated)
    if expected_year is not None:
        _check_year(tables, relative_name, year, expected_year)
    return tables


def _grid(book: CalamineWorkbook, sheet_name: str) -> list[list[str]]:
    """The sheet from A1 as text, each merged range's value copied into all of its cells
    (a merged 学段 cell spanning six class rows means all six)."""
    sheet = book.get_sheet_by_name(sheet_name)
    grid = [[_cell_text(value) for value in row] for row in sheet.to_python(skip_empty_area=False)]
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or []:
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        for row in range(top, min(bottom, len(grid) - 1) + 1):
            for column in range(left, min(right, len(grid[row]) - 1) + 1):
                grid[row][column] = value
    return grid


def _cell_text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _read_vertical_form(grid: list[list[str]], relative_name: str, sheet: str, sha: str,
                        uncalculated: set[str]) -> tuple[RawTable, int | None, dict[str, str]]:
    header_row = next((r for r, row in enumerate(grid) if "填报值" in (header_key(c) for c in row)), None)
    if header_row is None:
        return _layout_problem(relative_name, SCHOOLS, sheet, "找不到「填报值」列", "no 填报值 column found"), None, {}
    header = [header_key(c) for c in grid[header_row]]
    value_column = header.index("填报值")
    label_column = header.index("字段") if "字段" in header else 0
    code_column = header.index("字段代码") if "字段代码" in header else None
    values: dict[str, str] = {}
    cells: dict[str, str] = {}
    for r in range(header_row + 1, len(grid)):
        row = grid[r] + [""] * (len(header) - len(grid[r]))
        name = _vertical_field(row, label_column, code_column)
        if name is None or name in values:
            continue
        values[name] = row[value_column]
        cells[name] = f"{get_column_letter(value_column + 1)}{r + 1}"
    record_row = header_row + 2  # the first value row, 1-based
    year = _year(values.get(YEAR_FIELD, ""))
    record = {name: value for name, value in values.items() if name != YEAR_FIELD}
    frame = pd.DataFrame([record]) if record else pd.DataFrame(index=[0])
    table = conform_table(frame, SCHOOLS, relative_name, sheet, [record_row], sha)
    if not table.frame.empty:
        located = {CELL_PREFIX + name: cell for name, cell in cells.items() if name != YEAR_FIELD}
        table.frame = pd.concat([table.frame, pd.DataFrame(located, index=table.frame.index)], axis=1)
    identity = {k: record[k] for k in CAMPUS_KEY if clean_text_value(record.get(k)) is not None}
    formula_issues = [
        _formula_issue(relative_name, SCHOOLS, sheet, record_row, name, cell, identity)
        for name, cell in cells.items() if cell in uncalculated and name != YEAR_FIELD
    ]
    table.issues.extend(formula_issues)
    return table, year, identity


def _vertical_field(row: list[str], label_column: int, code_column: int | None) -> str | None:
    if code_column is not None and row[code_column].strip():
        code = row[code_column].strip()
        if code == YEAR_FIELD or code in SCHOOLS.field_names:
            return code
    label = row[label_column]
    if header_key(label) == header_key(YEAR_LABEL):
        return YEAR_FIELD
    return field_for_header(SCHOOLS, label) if label.strip() else None


def _read_table_sheet(grid: list[list[str]], form: Form, relative_name: str, sheet: str, sha: str,
                      identity: dict[str, str], uncalculated: set[str]) -> RawTable:
    header_row = _best_header_row(grid, form)
    if header_row is None:
        return _layout_problem(relative_name, form, sheet, "找不到表头行", "no header row found")
    width = max((len(row) for row in grid), default=0)
    rows = [row + [""] * (width - len(row)) for row in grid[header_row + 1:]]
    headers = grid[header_row] + [""] * (width - len(grid[header_row]))
    headers = [h if h.strip() else f"\u0000blank{i}" for i, h in enumerate(headers)]
    table_frame = pd.DataFrame(rows, columns=headers, dtype=object)
    table_frame = table_frame.loc[:, [not h.startswith("\u0000") for h in headers]]
    row_numbers = range(header_row + 2, header_row + 2 + len(rows))
    table = conform_table(table_frame, form, relative_name, sheet, row_numbers, sha, identity=identity)
    formula_issues = []
    for column, header in enumerate(headers):
        name = field_for_header(form, header) if not header.startswith("\u0000") else None
        if name is None:
            continue
        letter = get_column_letter(column + 1)
        for r in sorted(int(ref[len(letter):]) for ref in uncalculated if _column_of(ref) == letter):
            if r > header_row + 1:
                formula_issues.append(_formula_issue(relative_name, form, sheet, r, name, f"{letter}{r}", identity))
    table.issues.extend(formula_issues)
    return table


def _best_header_row(grid: list[list[str]], form: Form, search_rows: int = 10) -> int | None:
    """The row among the first few whose cells name the most fields of `form`."""
    scores = [
        (sum(field_for_header(form, cell) is not None for cell in row if cell.strip()), -index)
        for index, row in enumerate(grid[:search_rows])
    ]
    best = max(scores, default=(0, 0))
    return -best[1] if best[0] > 0 else None


def _column_of(ref: str) -> str:
    match = _CELL_REF.match(ref)
    return match[1] if match else ""


def _year(text: str) -> int | None:
    cleaned = clean_text_value(text)
    if cleaned is None:
        return None
    digits = cleaned.removesuffix("年").removesuffix(".0")
    return int(digits) if digits.isdigit() else None


def _check_year(tables: dict[str, RawTable], relative_name: str, year: int | None, expected: int) -> None:
    """A workbook filled for another year must not count for this one; a blank year cell
    is only a warning (the folder says which year it is)."""
    if year == expected:
        return
    school = tables[SCHOOLS.name]
    if year is None:
        school.issues.append(file_issue(
            relative_name, SCHOOLS.name, SCHOOLS.label_zh, YEAR_FIELD, "", "year_missing", WARNING,
            f"未填写「{YEAR_LABEL}」，按所在年度文件夹视为 {expected} 年度",
            f"the year cell is blank; taken as {expected} from the year folder"))
        return
    for form_name, table in tables.items():
        if table.frame.empty:
            continue
        mismatches = [
            file_issue(
                relative_name, form_name, record["sheet"], YEAR_FIELD, str(year), "year_mismatch", ERROR,
                f"填报年度「{year}」与所在年度文件夹 {expected} 不一致，本工作簿的数据均未采用；"
                f"请使用 {expected} 年度模板填报",
                f"the workbook's year ({year}) differs from its year folder {expected}; none of its "
                f"records were accepted; fill in the {expected} template",
                row_number=int(record["row_number"]), campus={k: record.get(k, "") for k in CAMPUS_KEY})
            for record in table.frame.to_dict("records")
        ]
        table.issues.extend(mismatches)


def _formula_issue(relative_name: str, form: Form, sheet: str, row_number: int, field_name: str, cell: str,
                   identity: dict[str, str]) -> dict:
    label = form.field(field_name).label_zh
    return file_issue(
        relative_name, form.name, sheet, field_name, "", "formula_not_calculated", ERROR,
        f"单元格{cell} 字段「{label}」是公式但没有计算结果，请在Excel或WPS中打开、保存后重新提交",
        f"cell {cell}, field {field_name} ({label}), holds a formula with no calculated value; "
        "open and save the workbook in Excel or WPS, then submit again",
        row_number=row_number, campus=identity)


def _missing_sheet(relative_name: str, form: Form, severity: str) -> RawTable:
    issue = file_issue(relative_name, form.name, form.label_zh, "", "", "missing_sheet", severity,
                       f"工作簿中没有「{form.label_zh}」工作表，请使用下发的模板",
                       f"the workbook has no sheet {form.label_zh}; use the shipped template")
    return RawTable(pd.DataFrame(), [issue], 0, "rejected" if severity == ERROR else "read",
                    issue["message_en"])


def _layout_problem(relative_name: str, form: Form, sheet: str, problem_zh: str, problem_en: str) -> RawTable:
    issue = file_issue(relative_name, form.name, sheet, "", "", "unrecognised_layout", ERROR,
                       f"{problem_zh}，无法读取本工作表，请使用下发的模板",
                       f"{problem_en}; the sheet cannot be read; use the shipped template")
    return RawTable(pd.DataFrame(), [issue], 0, "rejected", issue["message_en"])


@dataclass
class _SheetScan:
    """What one streaming pass over a sheet's XML finds before calamine loads it."""

    cells: int = 0
    """Cells of the grid calamine would build: last row × last column holding a value or formula."""
    uncalculated: set[str] = field(default_factory=set)
    """Cells that hold a formula but no cached value (a workbook written by a program and never
    opened in Excel): calamine would read them as empty, which is not 0."""


def _scan_sheets(path: Path) -> dict[str, _SheetScan]:
    """Each sheet's extent and uncalculated formula cells, by sheet name, streaming its XML (one
    cell in memory at a time, so a large sheet costs time, not memory)."""
    scans: dict[str, _SheetScan] = {}
    with zipfile.ZipFile(path) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in relations}
        for sheet in book.iter(f"{_SHEET_NS}sheet"):
            target = targets.get(sheet.get(f"{_REL_NS}id"), "")
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            scan = _scan_sheet_at_once(archive, part)
            if scan is None:
                with archive.open(part) as data:
                    scan = _scan_sheet(data)
            scans[sheet.get("name")] = scan
    return scans


FAST_SCAN_BYTES = 16 * 1024**2
"""A sheet part up to this size is scanned whole in memory (`_scan_sheet_at_once`); a larger one is
streamed, one cell at a time, so a large sheet costs time, not memory."""
_MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROOT = re.compile(rb'^(?:\xef\xbb\xbf)?(?:<\?xml[^>]*\?>\s*)?<worksheet\s[^>]*xmlns="' + re.escape(_MAIN_NS) + b'"')
_DECLARED_ENCODING = re.compile(rb'^(?:\xef\xbb\xbf)?<\?xml[^>]*encoding=["\']([^"\']*)')
_ANY_CELL = re.compile(rb"<c[\s/>]")
_ANY_ROW = re.compile(rb"<row[\s/>]")
_PLAIN_ROW = re.compile(rb'<row(?:\s+r="[0-9]+")?(?:\s+(?!r=)[\w:.-]+="[^"<>&]*")*\s*/?>')
_CHILD = rb'\s*(?:<f(?:\s[^<>]*)?/>|<f(?:\s[^<>]*)?>[^<]*</f>|<v\s*/>|<v>[^<]*</v>|<is>(?:(?!</is>).)*</is>)'
_CELL_START = rb'<c\s+r="([A-Z]{1,3})([0-9]+)"(?:\s+[\w:.-]+="[^"<>&]*")*\s*'
_EMPTY_CELL = re.compile(_CELL_START + rb"(?:/>|>\s*</c>)")
_FILLED_CELL = re.compile(_CELL_START + rb">((?:" + _CHILD + rb")+)\s*</c>", re.S)
_LONG_COLUMN = re.compile(rb'<c\s+r="[A-Z]{4}')
_CELL_CHILD = re.compile(rb"<(f)[\s/>]|<(v)\s*/>|<(v)>([^<]*)</v>|<is>(?:(?!</is>).)*</is>", re.S)


def _scan_sheet_at_once(archive: zipfile.ZipFile, part: str) -> _SheetScan | None:
    """`_scan_sheet`'s result found with regular expressions over the whole part, which is many
    times faster than walking its elements in Python (a filled template's 500 formatted but empty
    table rows are most of its cells). None — and the part is walked by `_scan_sheet` — unless the
    part is small, well-formed, UTF-8, in the main namespace only, without comments, CDATA or
    entities in a value, and every row and cell is written as Excel and openpyxl write them (a cell
    reference on each cell, children f, v, is only): then the expressions see exactly what the walk
    would."""
    if archive.getinfo(part).file_size > FAST_SCAN_BYTES:
        return None
    data = archive.read(part)
    declared = _DECLARED_ENCODING.match(data)
    if (declared and declared[1].lower() not in (b"utf-8", b"utf8")) or not _ROOT.match(data) or b"<!" in data \
            or data.count(b'xmlns="') != 1 or data.count(_MAIN_NS) != 1 or data.count(b"<?") > 1:
        return None
    try:
        expat.ParserCreate().Parse(data, True)
    except expat.ExpatError:  # the walk raises the reader's usual ParseError
        return None
    rows = _ANY_ROW.findall(data)
    if len(rows) != len(_PLAIN_ROW.findall(data)):
        return None
    if _LONG_COLUMN.search(data):  # past column ZZZ: the walk raises the reader's usual error
        return None
    empty_and_other_cells = len(_ANY_CELL.findall(data))
    scan = _SheetScan()
    # Empty cells (most of a filled template's) are only counted, and cut out so that the cells
    # holding something are looked for in what is left.
    data, cells = _EMPTY_CELL.subn(b"", data)
    last_row = last_column = 0
    for cell in _FILLED_CELL.finditer(data):
        cells += 1
        letters = cell[1].decode()
        formula, value = False, None  # value: the first v child's text (an inline string's runs are not children)
        for child in _CELL_CHILD.finditer(cell[3]):
            formula = formula or child[1] is not None
            if value is None and (child[2] or child[3]):
                value = child[4] or b""
        if value and b"&" in value:
            return None
        last_row, last_column = max(last_row, int(cell[2])), max(last_column, _column_index(letters))
        if formula and not (value or b"").decode().strip():
            scan.uncalculated.add(letters + cell[2].decode())
    if cells != empty_and_other_cells:
        return None
    scan.cells = last_row * last_column
    return scan


@lru_cache(maxsize=None)
def _column_index(letters: str) -> int:
    return column_index_from_string(letters)


def _scan_sheet(data) -> _SheetScan:
    scan = _SheetScan()
    last_row = last_column = row = column = 0
    for event, element in ElementTree.iterparse(data, events=("start", "end")):
        if element.tag == f"{_SHEET_NS}row" and event == "start":
            row = int(element.get("r") or row + 1)
            column = 0
        elif element.tag == f"{_SHEET_NS}c" and event == "end":
            ref = element.get("r") or ""
            match = _CELL_REF.match(ref)
            column = column_index_from_string(match[1]) if match else column + 1
            row = int(match[2]) if match else row
            formula = element.find(f"{_SHEET_NS}f") is not None
            if formula or element.find(f"{_SHEET_NS}v") is not None or element.find(f"{_SHEET_NS}is") is not None:
                # only cells holding something count: calamine's grid ends at the last of them, and a
                # clerk formatting whole columns writes empty styled cells far down
                last_row, last_column = max(last_row, row), max(last_column, column)
            if formula and not (element.findtext(f"{_SHEET_NS}v") or "").strip():
                scan.uncalculated.add(ref or f"{get_column_letter(column)}{row}")
            element.clear()
        elif element.tag == f"{_SHEET_NS}row" and event == "end":
            element.clear()
    scan.cells = last_row * last_column
    return scan


def _many_uncalculated(relative_name: str, form: Form, sheet: str, count: int) -> RawTable:
    """A table sheet of more uncalculated formulas than issue rows allowed is refused whole, in one
    issue, rather than one issue per cell."""
    return over_limit(
        relative_name, form.name, sheet, "formula_not_calculated",
        f"有 {count:,} 个单元格是公式但没有计算结果，本表未读取；请在Excel或WPS中打开、保存后重新提交",
        f"{count:,} cells hold a formula with no calculated value; the sheet was not read — open and save the "
        "workbook in Excel or WPS, then submit again")


def _too_many_cells(relative_name: str, form: Form, sheet: str, scan: _SheetScan, limits: IntakeLimits) -> RawTable:
    return over_limit(
        relative_name, form.name, sheet, "too_many_cells",
        f"工作表范围达 {scan.cells:,} 个单元格，超过上限 {limits.cells_per_sheet:,}，未读取；请删除表格外多余的内容后重新提交",
        f"the sheet spans {scan.cells:,} cells, over the limit of {limits.cells_per_sheet:,}; not read — delete "
        "whatever lies outside the table and send it again")

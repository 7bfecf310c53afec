"""The per-campus Excel workbook template (openpyxl): blank, or filled as a clerk would.

Layout (one workbook = one physically independent campus, one year):

- 填表说明 — instructions.
- 学校基本情况 — a vertical form, as schools are used to: columns 字段 | 填报值 | 单位 |
  填写说明 | 字段代码. The first value row is 填报年度 (the year cell); every other row is one
  field of the school form.
- 班级情况 / 音乐美术专用教室 — tables, one header row of Chinese labels under a title.
- 警告说明 — the same kind of table: the campus's explanations of warnings it stands by ("fix or
  explain"; the columns of explanations.csv).

Each table header carries a comment with its field code (the English name of explanations.csv and
the other bulk files) and the hint.

`workbook_reader` reads a returned workbook of this layout.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from balanced_pipeline.contract.forms import CLASSES, EXPLANATIONS, ROOMS, SCHOOLS, Field, Form, Kind
from balanced_pipeline.contract.text import set_value

INSTRUCTIONS_SHEET = "填表说明"
VERTICAL_HEADERS = ("字段", "填报值", "单位", "填写说明", "字段代码")
YEAR_FIELD = "year"
YEAR_LABEL = "填报年度"
TABLE_ROWS_WITH_VALIDATION = 500

_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FONT = Font(bold=True)
_YES_NO = ("是", "否")
_CLERK_CELL = Protection(locked=False)


def write_template(path: Path, year: int, campus: dict | None = None, classes=None, rooms=None,
                   explanations=None) -> Path:
    """The blank template, or a filled workbook when campus / classes / rooms / explanations are given
    (values may be English codes or Chinese labels; they are written as a clerk would)."""
    book = Workbook()
    _write_instructions(book.active, year)
    _write_vertical_form(book.create_sheet(SCHOOLS.label_zh), year, campus or {})
    for form, records in ((CLASSES, classes), (ROOMS, rooms), (EXPLANATIONS, explanations)):
        _write_table(book.create_sheet(form.label_zh), form, year, _records(records))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _records(records) -> list[dict]:
    if records is None:
        return []
    return pd.DataFrame(records).to_dict("records")


def _write_instructions(sheet, year: int) -> None:
    sheet.title = INSTRUCTIONS_SHEET
    lines = [
        f"{year}年度 县域义务教育优质均衡发展 学校（校区）填报表 填表说明",
        "1. 每个物理独立校区填报一份本表；一校多校区的，每个校区各填一份，校区代码分别填写（单校区填 01）。",
        "2. 「学校基本情况」表：只在「填报值」列填写，不要修改「字段代码」列和「填报年度」。",
        "3. 「班级情况」表：每个班级一行；「音乐美术专用教室」表：每间专用教室一行。"
        "县代码、学校标识码、校区代码可以不填，系统按「学校基本情况」自动补全。",
        "4. 数字请填写纯数字，不要带单位、不要写「约」「左右」或范围；面积单位为平方米，金额单位为元。",
        "5. 代码（县代码、学校标识码）请保留前导零，单元格已设为文本格式，不要改成数字格式。",
        "6. 有下拉列表的单元格请从列表中选择；是否类请填「是」或「否」。",
        "7. 带 * 的为必填项，需填写的单元格底色为黄色；只有填报单元格可以编辑，字段代码、填报年度和表头已锁定"
        "（工作表保护，无密码）。",
        "8. 请在Excel或WPS中保存后再提交（公式单元格需要保存后才有计算结果）。",
        "9. 「警告说明」表：问题清单中的警告（warning）如数据确实无误，可不修改数据，在本表逐条说明："
        "照抄该警告的规则编号和问题字段，写明情况和说明人。错误（error）不能说明，只能更正后重新提交。",
    ]
    for row, line in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=line)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 110


def _write_vertical_form(sheet, year: int, campus: dict) -> None:
    last_column = get_column_letter(len(VERTICAL_HEADERS))
    sheet.merge_cells(f"A1:{last_column}1")
    sheet["A1"] = f"{year}年度 学校（校区）基本情况"
    sheet["A1"].font = Font(bold=True, size=14)
    for column, header in enumerate(VERTICAL_HEADERS, start=1):
        sheet.cell(row=2, column=column, value=header).font = _HEADER_FONT
    sheet.append([YEAR_LABEL, year, "年", "自评年度，由模板生成，请勿修改", YEAR_FIELD])
    for field in SCHOOLS.fields:
        row = sheet.max_row + 1
        label = f"*{field.label_zh}" if field.required else field.label_zh
        sheet.append([label, None, field.unit, _hint(field), field.name])
        value_cell = sheet.cell(row=row, column=2)
        _write_value(value_cell, field, campus.get(field.name))
        value_cell.protection = _CLERK_CELL
        if field.required:
            value_cell.fill = _REQUIRED_FILL
        validation = _validation(field)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"B{row}")
    for column, width in zip("ABCDE", (34, 24, 8, 40, 30)):
        sheet.column_dimensions[column].width = width
    _protect(sheet)


def _write_table(sheet, form: Form, year: int, records: list[dict]) -> None:
    width = len(form.fields)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"] = f"{year}年度 {form.label_zh}"
    sheet["A1"].font = Font(bold=True, size=14)
    for column, field in enumerate(form.fields, start=1):
        header = f"*{field.header_zh}" if field.required else field.header_zh
        cell = sheet.cell(row=2, column=column, value=header)
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(wrap_text=True)
        cell.comment = Comment("\n".join(filter(None, (f"字段代码 field: {field.name}", _hint(field)))), "模板")
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = max(12, len(header) * 2)
        validation = _validation(field)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(f"{letter}3:{letter}{TABLE_ROWS_WITH_VALIDATION + 2}")
        for row in range(3, TABLE_ROWS_WITH_VALIDATION + 3):
            data_cell = sheet.cell(row=row, column=column)
            data_cell.protection = _CLERK_CELL
            if field.kind is Kind.CODE:
                data_cell.number_format = "@"
            if field.required:
                data_cell.fill = _REQUIRED_FILL
    for row, record in enumerate(records, start=3):
        for column, field in enumerate(form.fields, start=1):
            _write_value(sheet.cell(row=row, column=column), field, record.get(field.name))
    sheet.freeze_panes = "A3"
    _protect(sheet)


def _protect(sheet) -> None:
    """Lock the labels, field codes, year and headers against slips; no password, since guarding a
    clerk's own form against accidents is the point, not secrecy. Rows may still be inserted,
    deleted, resized, sorted and filtered."""
    sheet.protection.sheet = True
    for action in ("formatColumns", "formatRows", "insertRows", "deleteRows", "sort", "autoFilter"):
        setattr(sheet.protection, action, False)


def _hint(field: Field) -> str:
    if field.hint_zh:
        return field.hint_zh
    if field.kind is Kind.CHOICE:
        return "从下拉列表选择：" + "、".join(field.choices.values())
    if field.kind is Kind.BOOLEAN:
        return "填「是」或「否」"
    if field.kind is Kind.INTEGER:
        return "填写整数"
    if field.kind is Kind.NUMBER:
        return f"填写数字（单位：{field.unit}）" if field.unit else "填写数字"
    return ""


def _validation(field: Field) -> DataValidation | None:
    options = {Kind.CHOICE: tuple(field.choices.values()), Kind.BOOLEAN: _YES_NO}.get(field.kind)
    if options is not None:
        validation = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        validation.error = "请从下拉列表中选择。Choose a value from the drop-down list."
    elif field.kind in (Kind.INTEGER, Kind.NUMBER):
        kind = "whole" if field.kind is Kind.INTEGER else "decimal"
        validation = DataValidation(type=kind, operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        whole = ("整数", "a whole number") if field.kind is Kind.INTEGER else ("数字", "a number")
        validation.error = (f"请填写不小于0的{whole[0]}，不带单位或文字（如「120」而不是「120人」）。"
                            f"Enter {whole[1]} of at least 0, without units or words (120, not 120人).")
    else:
        return None
    # Excel and WPS show the message and refuse the entry only when these are set explicitly.
    validation.showErrorMessage = True
    validation.errorStyle = "stop"
    validation.showInputMessage = True
    validation.errorTitle = field.label_zh[:32]  # Excel's limits: 32 characters of title, 255 of text
    validation.promptTitle = field.label_zh[:32]
    validation.prompt = _hint(field)[:255]
    return validation


def _write_value(cell, field: Field, value) -> None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        if field.kind is Kind.CODE:
            cell.number_format = "@"
        return
    if field.kind is Kind.CHOICE:
        value = field.choices.get(value, value)
    elif field.kind is Kind.BOOLEAN and isinstance(value, bool):
        value = _YES_NO[0] if value else _YES_NO[1]
    elif field.kind is Kind.CODE:
        value = str(value)
        cell.number_format = "@"
    elif field.kind in (Kind.INTEGER, Kind.NUMBER) and hasattr(value, "item"):
        value = value.item()
    set_value(cell, value)

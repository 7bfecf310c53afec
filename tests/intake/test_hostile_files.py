"""Files a hostile or careless county might drop into the year folder, each built here for real.

Every test puts the bad file beside good ones and checks both halves of the promise: the bad file
has a refused (or issue) row with its reason, and the good files in the same folder are still read.
"""

import os
import re
import shutil
import signal
import struct
import time
import zipfile
import zlib
from contextlib import contextmanager

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from balanced_pipeline.contract.issues import split_accepted
from balanced_pipeline.intake.ingest import read_year_folder
from balanced_pipeline.intake.landing import OLE2_MAGIC
from balanced_pipeline.intake.template import write_template
from balanced_pipeline.settings import IntakeLimits
from balanced_pipeline.validation.completeness import file_accounting
from tests.intake.test_ingest import CAMPUS_B, bulk_folder

GOOD_WORKBOOK = "乡镇/丙小学.xlsx"
CAMPUS_C = {**CAMPUS_B, "school_code": "3404030005", "school_name": "丙小学"}


def folder_with_good_files(tmp_path):
    """schools.csv (2 campuses), classes.csv (3 classes) and one good workbook (丙小学, 1 class)."""
    year_dir = bulk_folder(tmp_path)
    write_template(year_dir / GOOD_WORKBOOK, 2026, CAMPUS_C,
                   [{"stage": "primary", "grade": 1, "class_name": "1班", "students": 32}])
    return year_dir


def assert_good_files_read(staged):
    files = staged.files.set_index("source_file")
    assert files.loc[["schools.csv", "classes.csv", GOOD_WORKBOOK], "status"].tolist() == ["read"] * 3
    good = ["schools.csv", "classes.csv", GOOD_WORKBOOK]
    schools = staged.forms["schools"][staged.forms["schools"]["source_file"].isin(good)]
    assert sorted(schools["school_code"].astype(str)) == ["3404030001", "3404030002", "3404030005"]
    assert staged.forms["classes"]["source_file"].isin(good).sum() == 4


def refusal(staged, name):
    """(rule, status, message_zh, message_en) of a file-level issue on `name`, and its file row."""
    issues = staged.issues[(staged.issues["source_file"] == name) & staged.issues["row_number"].isna()]
    assert len(issues) == 1, issues[["rule", "message_en"]].to_dict("records")
    issue = issues.iloc[0]
    status = staged.files.set_index("source_file").loc[name, "status"]
    assert issue["message_zh"].startswith(f"文件 {name} ") and issue["message_en"].startswith(f"File {name}")
    return issue["rule"], status, issue["message_zh"], issue["message_en"]


def rewrite_zip(source, target, part, change):
    """A copy of the workbook `source` with one part's bytes changed."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            copy.writestr(item, change(data) if item.filename == part else data)


def school_sheet_part(path):
    with zipfile.ZipFile(path) as archive:
        return next(name for name in archive.namelist()
                    if name.startswith("xl/worksheets/sheet") and "占地面积".encode() in archive.read(name))


def zip_bomb(path, inflated_gib):
    """A real deflate stream of `inflated_gib` GiB of zeros as one sheet part, a few MB on disk.

    The same fully flushed 16 MiB block repeats (valid deflate), so building it costs one small
    compression. The CRC is left 0: nothing may inflate this file to find out."""
    block_size = 16 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(block_size)) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeats = inflated_gib * (1 << 30) // block_size
    data = block * repeats + compressor.flush()
    name = b"xl/worksheets/sheet1.xml"
    inflated = repeats * block_size
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, len(data), inflated, len(name), 0)
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, 0, len(data), inflated, len(name),
                          0, 0, 0, 0, 0, 0)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(name), len(local) + len(name)
                      + len(data), 0)
    path.write_bytes(local + name + data + central + name + end)
    return inflated


@contextmanager
def fails_after(seconds):
    """Turns a hang (a FIFO opened for reading blocks until a writer comes) into a failure."""
    def hung(*_):
        raise TimeoutError(f"reading the folder took more than {seconds} s: something opened a FIFO")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_workbook_with_broken_sheet_xml_is_unreadable_and_the_others_are_read(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    good = year_dir / GOOD_WORKBOOK
    part = school_sheet_part(good)
    rewrite_zip(good, year_dir / "断了的表.xlsx", part, lambda xml: xml[: len(xml) // 2])
    def text_in_number_cell(xml: bytes) -> bytes:  # well-formed XML that calamine cannot read
        changed = re.sub(rb'(<c r="B25"[^>]*t="n"[^>]*><v>)5000(</v>)', rb"\1abc\2", xml)
        assert changed != xml, "the template's B25 holds 5000"
        return changed
    rewrite_zip(good, year_dir / "数字格里是字.xlsx", part, text_in_number_cell)

    staged = read_year_folder(year_dir)

    rule, status, zh, en = refusal(staged, "断了的表.xlsx")
    assert (rule, status) == ("unreadable_file", "unreadable") and "无法读取" in zh and "cannot be read" in en
    rule, status, zh, en = refusal(staged, "数字格里是字.xlsx")
    assert (rule, status) == ("unreadable_file", "unreadable")
    assert "工作表 学校基本情况" in zh and "sheet 学校基本情况" in en and "float" in en
    assert_good_files_read(staged)


@pytest.mark.parametrize(("content", "reason"), [
    (lambda good: good[: len(good) // 2], "truncated"),
    (lambda good: b"just some text, not a zip archive", "not a zip"),
])
def test_a_truncated_or_non_zip_workbook_is_refused_as_corrupt(tmp_path, content, reason):
    year_dir = folder_with_good_files(tmp_path)
    (year_dir / "坏.xlsx").write_bytes(content((year_dir / GOOD_WORKBOOK).read_bytes()))

    staged = read_year_folder(year_dir)

    rule, status, zh, en = refusal(staged, "坏.xlsx")
    assert (rule, status) == ("unreadable_file", "unreadable"), reason
    assert "文件已损坏" in zh and "is corrupt" in en
    assert_good_files_read(staged)


def test_a_password_protected_workbook_is_refused_with_how_to_unlock_it(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    # Excel saves an encrypted .xlsx as a Compound File (the OLE2 container), not as a zip.
    (year_dir / "加密.xlsx").write_bytes(OLE2_MAGIC + bytes(504) + b"EncryptionInfo EncryptedPackage")

    staged = read_year_folder(year_dir)

    rule, status, zh, en = refusal(staged, "加密.xlsx")
    assert (rule, status) == ("password_protected", "unreadable")
    assert "受密码保护" in zh and "取消密码" in zh and "password-protected" in en
    assert_good_files_read(staged)


def test_a_zip_bomb_is_refused_from_its_directory_without_being_inflated(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    bomb = year_dir / "炸弹.xlsx"
    started = time.perf_counter()
    inflated = zip_bomb(bomb, inflated_gib=3)
    assert bomb.stat().st_size < 5 << 20 and inflated == 3 << 30  # a few MB on disk, 3 GiB unpacked

    read_started = time.perf_counter()
    staged = read_year_folder(year_dir)
    reading = time.perf_counter() - read_started

    rule, status, zh, en = refusal(staged, "炸弹.xlsx")
    assert (rule, status) == ("inflated_too_large", "rejected")
    assert f"解压后为 {inflated:,} 字节" in zh and f"over the limit of {IntakeLimits().inflated_bytes:,} bytes" in en
    assert reading < 20, f"reading took {reading:.1f} s: was the bomb inflated?"
    assert_good_files_read(staged)
    assert time.perf_counter() - started < 30


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    (year_dir / "rooms.csv").write_text("county_code,school_code,campus_code,room_type,area_m2\n"
                                        + "340403,3404030001,01,music,80\n" * 3000, encoding="utf-8")
    size = (year_dir / "rooms.csv").stat().st_size
    limit = (year_dir / GOOD_WORKBOOK).stat().st_size
    assert size > limit

    staged = read_year_folder(year_dir, IntakeLimits(file_bytes=limit))

    rule, status, zh, en = refusal(staged, "rooms.csv")
    assert (rule, status) == ("file_too_large", "rejected")
    assert f"大小为 {size:,} 字节，超过上限 {limit:,} 字节" in zh and f"is {size:,} bytes" in en
    assert staged.forms["rooms"].empty
    assert_good_files_read(staged)


def test_a_sheet_spanning_too_many_cells_is_refused_before_it_is_loaded(tmp_path):
    import openpyxl

    year_dir = folder_with_good_files(tmp_path)
    far = write_template(year_dir / "远处一格.xlsx", 2026, {**CAMPUS_C, "school_code": "3404030008"})
    book = openpyxl.load_workbook(far)
    book["班级情况"]["XFD1048576"] = "x"  # a few cells, but calamine would build a 17-billion-cell grid
    book.save(far)

    staged = read_year_folder(year_dir)

    issues = staged.issues[staged.issues["source_file"] == "远处一格.xlsx"].set_index("rule")
    assert issues.loc["too_many_cells", "sheet"] == "班级情况"
    assert f"{16384 * 1048576:,} 个单元格" in issues.loc["too_many_cells", "message_zh"]
    assert staged.files.set_index("source_file").loc["远处一格.xlsx", "status"] == "rejected"
    assert_good_files_read(staged)


def test_a_bulk_file_over_the_row_limit_is_refused(tmp_path):
    year_dir = folder_with_good_files(tmp_path)

    staged = read_year_folder(year_dir, IntakeLimits(rows_per_file=2))

    rule, status, zh, en = refusal(staged, "classes.csv")
    assert (rule, status) == ("too_many_rows", "rejected") and "超过上限 2 行" in zh and "limit of 2 records" in en
    assert staged.forms["classes"]["source_file"].tolist() == [GOOD_WORKBOOK]


def test_a_duplicate_file_is_refused_naming_the_first(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    (year_dir / "重发").mkdir()
    shutil.copy(year_dir / GOOD_WORKBOOK, year_dir / "重发" / "丙小学(1).xlsx")

    staged = read_year_folder(year_dir)

    rule, status, zh, en = refusal(staged, "重发/丙小学(1).xlsx")
    assert (rule, status) == ("duplicate_file", "rejected")
    assert f"与文件 {GOOD_WORKBOOK} 内容完全相同" in zh and f"the same content as the file {GOOD_WORKBOOK}" in en
    assert_good_files_read(staged)
    assert not (staged.issues["rule"] == "superseded_submission").any()


def test_fifos_are_refused_without_being_opened(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    os.mkfifo(year_dir / "classes_pipe.csv")
    os.mkfifo(year_dir / "管道.xlsx")

    with fails_after(30):
        staged = read_year_folder(year_dir)

    for name in ("classes_pipe.csv", "管道.xlsx"):
        rule, status, zh, en = refusal(staged, name)
        assert (rule, status) == ("not_a_regular_file", "rejected") and "未打开" in zh and "not opened" in en
    assert_good_files_read(staged)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "gb18030"])
def test_a_csv_in_another_encoding_is_read(tmp_path, encoding):
    year_dir = folder_with_good_files(tmp_path)
    path = year_dir / "classes.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(("\ufeff" if encoding == "utf-16-be" else "").encode(encoding) + text.encode(encoding))

    staged = read_year_folder(year_dir)

    assert_good_files_read(staged)
    assert staged.files.set_index("source_file").loc["classes.csv", "rows_read"] == 3


def test_a_csv_in_no_known_encoding_is_refused_with_the_reason(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    (year_dir / "rooms.csv").write_bytes(b"county_code,room_type\n340403,\xff\xfe\xff music\n")

    staged = read_year_folder(year_dir)

    rule, status, zh, en = refusal(staged, "rooms.csv")
    assert (rule, status) == ("unreadable_file", "unreadable") and "编码无法识别" in zh and "UTF-8" in en
    assert_good_files_read(staged)


def test_a_file_whose_headers_are_all_unknown_reports_its_rows_as_rejected(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    (year_dir / "rooms.csv").write_text("甲,乙,丙\n1,2,3\n4,5,6\n\n7,8,9\n", encoding="utf-8")

    staged = read_year_folder(year_dir)

    issues = staged.issues[staged.issues["source_file"] == "rooms.csv"].set_index("rule")
    assert "本表 3 行数据均未读取" in issues.loc["no_known_columns", "message_zh"]
    assert "none of the 3 data rows were read" in issues.loc["no_known_columns", "message_en"]
    row = staged.files.set_index("source_file").loc["rooms.csv"]
    assert (row["status"], row["rows_read"]) == ("rejected", 3)
    accounted = file_accounting(staged.files, accepted(staged), staged.issues).set_index("source_file")
    assert accounted.loc["rooms.csv", ["rows_accepted", "rows_rejected"]].tolist() == [0, 3]
    assert_good_files_read(staged)


def accepted(staged):
    """What the pipeline accepts: the listed issues and the failures their summaries stand for decide."""
    failures = pd.concat([staged.issues, staged.failed], ignore_index=True)
    return {form: split_accepted(frame, failures, form)[0] for form, frame in staged.forms.items()}


def test_200k_garbage_rows_give_a_bounded_number_of_issue_rows_and_a_summary(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    rows = 200_000
    garbage = pd.DataFrame({
        "county_code": "340403", "school_code": "3404030001", "campus_code": "01",
        "stage": [f"阶段{i % 7}" for i in range(rows)], "grade": [f"第{i % 13}年" for i in range(rows)],
        "class_name": "班", "students": [f"约{i % 97}人" for i in range(rows)],
    })
    garbage.to_csv(year_dir / "classes.csv", index=False)
    started = time.perf_counter()

    staged = read_year_folder(year_dir)

    elapsed = time.perf_counter() - started
    issues = staged.issues[staged.issues["source_file"] == "classes.csv"]
    assert len(issues) <= 3 * (IntakeLimits().issue_rows_per_rule + 1), issues["rule"].value_counts()
    summaries = issues[issues["row_number"].isna()].set_index("field")
    assert set(summaries.index) == {"stage", "grade", "students"}
    assert "还有 199,900 行存在同样问题" in summaries.loc["students", "message_zh"]
    assert "and 199,900 more rows with the same problem" in summaries.loc["students", "message_en"]
    # A class's stage, grade and size are values an error quarantines (issue 10): the rows stay, the values do not.
    assert "their rows are kept" in summaries.loc["students", "message_en"]
    assert "其所在行保留" in summaries.loc["students", "message_zh"]
    failed = staged.failed[staged.failed["source_file"] == "classes.csv"]
    assert failed.groupby("field").size().to_dict() == {"grade": rows - 100, "stage": rows - 100, "students": rows - 100}
    accounted = file_accounting(staged.files, accepted(staged), pd.concat([staged.issues, staged.failed])
                                ).set_index("source_file")
    assert accounted.loc["classes.csv", ["rows_read", "rows_accepted", "rows_rejected"]].tolist() == [rows, rows, 0]
    kept = accepted(staged)["classes"]
    kept = kept[kept["source_file"] == "classes.csv"]
    assert kept[["stage", "grade", "students"]].isna().all().all()
    assert elapsed < 30, f"{elapsed:.1f} s for 200,000 rows"


def test_a_summarised_identity_error_rejects_every_record_it_stands_for(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    rows = 300
    pd.DataFrame({"county_code": "340403", "school_code": [f"学校{i}" for i in range(rows)], "campus_code": "01",
                  "stage": "小学", "grade": "1", "class_name": "一(1)班", "students": "40",
                  }).to_csv(year_dir / "classes.csv", index=False)

    staged = read_year_folder(year_dir)

    summary = staged.issues[(staged.issues["source_file"] == "classes.csv") & staged.issues["row_number"].isna()]
    assert summary["field"].tolist() == ["school_code"]
    assert "none of these rows were used" in summary["message_en"].iloc[0]
    assert len(staged.failed[staged.failed["source_file"] == "classes.csv"]) == rows - 100
    accounted = file_accounting(staged.files, accepted(staged), pd.concat([staged.issues, staged.failed])
                                ).set_index("source_file")
    assert accounted.loc["classes.csv", ["rows_read", "rows_accepted", "rows_rejected"]].tolist() == [rows, 0, rows]


def test_a_nul_inside_a_cell_is_an_issue_not_a_shorter_number(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    (year_dir / "rooms.csv").write_bytes(
        "county_code,school_code,campus_code,room_type,area_m2\n"
        "340403,3404030001,01,music,3124\x008800\n340403,3404030002,01,art,60\n".encode())
    pq.write_table(pa.table({"county_code": ["340403"], "school_code": ["3404030001"], "campus_code": ["01"],
                             "class_name": ["1班"], "stage": ["小学"], "grade": ["2\x003"], "students": ["40"]}),
                   year_dir / "classes.parquet")  # newer than classes.csv: read instead of it
    workbook = year_dir / "空字符.xlsx"  # Excel writes a NUL in a text cell as _x0000_
    rewrite_zip(year_dir / GOOD_WORKBOOK, workbook, school_sheet_part(year_dir / GOOD_WORKBOOK),
                lambda xml: re.sub(rb'<c r="B25"([^>]*?) t="n"([^>]*)><v>5000</v>',
                                   rb'<c r="B25"\1 t="inlineStr"\2><is><t>3124_x0000_8800</t></is>', xml
                                   ).replace(b"3404030005", b"3404030006"))

    staged = read_year_folder(year_dir)

    nul = staged.issues[staged.issues["rule"] == "control_character"].set_index("source_file")
    assert nul.loc["rooms.csv", ["field", "value", "row_number", "severity"]].tolist() == [
        "area_m2", "3124\\x008800", 2, "error"]
    assert nul.loc["空字符.xlsx", ["field", "value"]].tolist() == ["land_area_m2", "3124\\x008800"]
    assert "单元格B25" in nul.loc["空字符.xlsx", "message_zh"]
    assert nul.loc["classes.parquet", ["field", "value"]].tolist() == ["grade", "2\\x003"]
    rooms = accepted(staged)["rooms"]
    # The room stays with its area unknown (issue 10: an error quarantines the value); 3124 was never taken.
    assert rooms["area_m2"].isna().tolist() == [True, False] and rooms["area_m2"].iloc[1] == 60.0
    # The campus stays (issue 10: an error quarantines the value, not the school); the area is unknown, never 3124.
    campus = accepted(staged)["schools"].set_index("school_code").loc["3404030006"]
    assert pd.isna(campus["land_area_m2"])
    assert not staged.issues[["value", "message_zh", "message_en"]].apply(
        lambda column: column.str.contains("\x00", regex=False)).any().any()
    assert staged.files.set_index("source_file").loc[["schools.csv", GOOD_WORKBOOK], "status"].tolist() == ["read"] * 2


def test_a_sheet_with_a_raw_nul_reference_is_unreadable_not_cut_short(tmp_path):
    """`3124&#0;8800` in a number cell: calamine would read 3124; the sheet scan refuses the XML."""
    year_dir = folder_with_good_files(tmp_path)
    rewrite_zip(year_dir / GOOD_WORKBOOK, year_dir / "实体.xlsx", school_sheet_part(year_dir / GOOD_WORKBOOK),
                lambda xml: xml.replace(b"<v>5000</v>", b"<v>3124&#0;8800</v>").replace(b"3404030005", b"3404030007"))

    staged = read_year_folder(year_dir)

    rule, status, _, _ = refusal(staged, "实体.xlsx")
    assert (rule, status) == ("unreadable_file", "unreadable")
    assert "3404030007" not in set(staged.forms["schools"]["school_code"].astype(str))
    assert_good_files_read(staged)


def test_a_control_character_in_a_file_name_is_spelled_out(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    (year_dir / "坏\x01名.txt").write_bytes(b"x")

    staged = read_year_folder(year_dir)

    rule, status, _, _ = refusal(staged, "坏\\x01名.txt")
    assert (rule, status) == ("unsupported_format", "rejected")
    assert_good_files_read(staged)


def test_a_sheet_of_many_uncalculated_formulas_is_one_issue_not_one_per_cell(tmp_path):
    import openpyxl

    year_dir = folder_with_good_files(tmp_path)
    classes = [{"stage": "primary", "grade": 1, "class_name": f"{i}班", "students": 30} for i in range(150)]
    path = write_template(year_dir / "公式.xlsx", 2026, {**CAMPUS_C, "school_code": "3404030009"}, classes)
    book = openpyxl.load_workbook(path)
    sheet = book["班级情况"]
    header = next(cell for row in sheet.iter_rows() for cell in row if "班级学生数" in str(cell.value or ""))
    header_row, column = header.row, header.column
    for row in range(header_row + 1, header_row + 151):
        sheet.cell(row=row, column=column, value="=20+10")  # openpyxl stores no cached value
    book.save(path)

    staged = read_year_folder(year_dir)

    issues = staged.issues[staged.issues["source_file"] == "公式.xlsx"]
    formulas = issues[issues["rule"] == "formula_not_calculated"]
    assert len(formulas) == 1 and formulas.iloc[0]["sheet"] == "班级情况" and pd.isna(formulas.iloc[0]["row_number"])
    assert "有 150 个单元格是公式但没有计算结果" in formulas.iloc[0]["message_zh"]
    assert not (staged.forms["classes"]["source_file"] == "公式.xlsx").any()
    assert_good_files_read(staged)


def test_a_workbook_bigger_on_disk_than_the_unpacked_limit_is_refused_before_its_zip_is_opened(tmp_path):
    year_dir = folder_with_good_files(tmp_path)
    with zipfile.ZipFile(year_dir / GOOD_WORKBOOK) as good:
        limit = 2 * sum(member.file_size for member in good.infolist())
    (year_dir / "大.xlsx").write_bytes(b"PK\x03\x04" + bytes(limit))  # no valid directory: it was never opened

    staged = read_year_folder(year_dir, IntakeLimits(inflated_bytes=limit))

    rule, status, zh, en = refusal(staged, "大.xlsx")
    assert (rule, status) == ("file_too_large", "rejected") and f"超过上限 {limit:,} 字节" in zh
    assert_good_files_read(staged)

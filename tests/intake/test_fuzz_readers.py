"""Property tests of the readers: whatever bytes, encodings or cell texts arrive, reading the year
folder never raises, every file ends as read or refused with a reason, and the rows add up."""

import io
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings, strategies as st

from balanced_pipeline.contract.issues import split_accepted
from balanced_pipeline.contract.text import CONTROL_CHARACTERS
from balanced_pipeline.intake.ingest import read_year_folder
from balanced_pipeline.intake.template import write_template
from balanced_pipeline.validation.completeness import file_accounting

STATUSES = {"read", "rejected", "superseded", "unreadable"}
NAMES = ["schools.csv", "classes.csv", "rooms.parquet", "学校.xlsx", "sub/乙.xlsx", "说明.txt", "registry.csv"]
CAMPUS = {"county_code": "340403", "school_code": "3404030002", "campus_code": "01", "school_name": "乙小学",
          "school_type": "primary", "location_type": "rural", "ownership": "public", "land_area_m2": 5000}
FUZZ = settings(max_examples=20, deadline=None)

cell_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["3124\x008800", "=HYPERLINK(\"http://x\")", "１２０人", "2,345.5㎡", "约100", "\ufeff", "-",
                     "1e400", "0x10", "是", "NaN", "\r\n", "\x01", "𠀀", "'0012"]),
)


@cache
def good_workbook() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return write_template(Path(folder) / "学校.xlsx", 2026, CAMPUS).read_bytes()


def check_folder(year_dir: Path) -> None:
    staged = read_year_folder(year_dir)
    on_disk = {p.relative_to(year_dir).as_posix() for p in year_dir.rglob("*") if p.is_file()}
    files = staged.files.set_index("source_file")
    assert on_disk <= set(files.index), on_disk - set(files.index)
    assert set(files["status"]) <= STATUSES
    refused = files[files["status"] != "read"].index
    explained = set(staged.issues.loc[staged.issues["severity"] == "error", "source_file"]) | set(
        staged.issues.loc[staged.issues["rule"] == "unknown_file", "source_file"])
    assert set(refused) <= explained, set(refused) - explained
    accepted = {form: split_accepted(frame, staged.issues, form)[0] for form, frame in staged.forms.items()}
    file_accounting(staged.files, accepted, staged.issues)  # raises when a row is lost or unexplained
    for column in ("source_file", "value", "message_zh", "message_en"):
        assert not staged.issues[column].str.contains(CONTROL_CHARACTERS).any(), column


@FUZZ
@given(st.dictionaries(st.sampled_from(NAMES), st.binary(max_size=400), min_size=1, max_size=4))
def test_random_bytes_under_any_name_never_stop_the_reading(contents):
    with tempfile.TemporaryDirectory() as folder:
        year_dir = Path(folder) / "2026"
        for name, data in contents.items():
            (year_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (year_dir / name).write_bytes(data)
        check_folder(year_dir)


@FUZZ
@given(st.lists(st.lists(cell_text, min_size=7, max_size=7), min_size=1, max_size=6),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gb18030"]),
       st.sampled_from([",", "\t"]))
def test_any_cell_text_in_any_encoding_is_read_or_refused(rows, encoding, separator):
    header = ["county_code", "school_code", "campus_code", "stage", "grade", "class_name", "students"]
    text = "\n".join(separator.join(cell.replace(separator, " ") for cell in row) for row in [header, *rows])
    with tempfile.TemporaryDirectory() as folder:
        year_dir = Path(folder) / "2026"
        year_dir.mkdir()
        (year_dir / "classes.csv").write_bytes(text.encode(encoding, errors="replace"))
        table = pa.table({name: [row[i] for row in rows] for i, name in enumerate(header)})
        pq.write_table(table, year_dir / "rooms.parquet")  # wrong columns for rooms: refused, not raised
        check_folder(year_dir)


@FUZZ
@given(st.dictionaries(st.sampled_from(["school_name", "land_area_m2", "students_primary", "school_code"]),
                       cell_text, max_size=3),
       st.binary(min_size=1, max_size=6), st.integers(min_value=0, max_value=10_000))
def test_any_cell_text_or_mangled_sheet_xml_in_a_workbook_is_read_or_refused(values, splice, at):
    with tempfile.TemporaryDirectory() as folder:
        year_dir = Path(folder) / "2026"
        year_dir.mkdir()
        mangled = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(good_workbook())) as original, zipfile.ZipFile(mangled, "w", zipfile.ZIP_DEFLATED) as copy:
            for item in original.infolist():
                data = original.read(item.filename)
                if item.filename == "xl/worksheets/sheet2.xml":
                    for name, value in values.items():  # typed text, XML-escaped as Excel would store it
                        escaped = value.replace("&", "&amp;").replace("<", "&lt;")
                        escaped = CONTROL_CHARACTERS.sub(lambda c: f"_x{ord(c[0]):04X}_", escaped)
                        data = data.replace(f"<t>{CAMPUS.get(name, '')}</t>".encode(), f"<t>{escaped}</t>".encode(), 1)
                    position = at % (len(data) + 1)
                    data = data[:position] + splice + data[position:]
                copy.writestr(item, data)
        (year_dir / "坏.xlsx").write_bytes(mangled.getvalue())
        check_folder(year_dir)

"""The year folder as it landed: which files to read, and every other entry refused with its reason.

Each check needs no more than the directory entry, the file's bytes hashed, or a workbook's zip
directory — never a reader — so a file refused here was never parsed: a link out of the folder
is not followed, a FIFO or device is not opened (opening a FIFO blocks forever), a zip bomb is
not inflated. Every refused file gets an issue and a `submission_files` row, Excel's own lock files
too (`~$name.xlsx`, written while a clerk has the workbook open): nothing in the folder goes
unaccounted for.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from balanced_pipeline.contract.forms import EXPLANATIONS, FORMS, SURVEY_RESPONSES, Form
from balanced_pipeline.contract.issues import ERROR, WARNING
from balanced_pipeline.contract.text import visible
from balanced_pipeline.intake.readers import BULK_SUFFIXES, file_issue, file_sha256
from balanced_pipeline.intake.watch import EXCEL_LOCK_PREFIX
from balanced_pipeline.settings import IntakeLimits

BULK_FORMS = {**FORMS, SURVEY_RESPONSES.name: SURVEY_RESPONSES, EXPLANATIONS.name: EXPLANATIONS}
WORKBOOK_SUFFIX = ".xlsx"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""A Compound File container: an old .xls, or an .xlsx that Excel encrypted with a password."""

REFUSALS = {
    "link_outside_folder": (
        "是指向报送文件夹以外（或不存在）的链接，未读取；请把文件本身放入文件夹",
        "is a link to a place outside the submissions folder (or to nothing); not read — put the file itself "
        "into the folder",
        "link outside the folder"),
    "excel_lock_file": (
        "是 Excel 打开工作簿时生成的锁定文件（不是报送数据），未读取；请关闭 Excel 后提交工作簿本身",
        "is an Excel lock file of an open workbook (not a submission); not read — close Excel and send the "
        "workbook itself",
        "Excel lock file of an open workbook"),
    "not_a_regular_file": (
        "不是普通文件（管道、设备或套接字），未打开；请放入真正的文件",
        "is not a regular file (a pipe, device or socket) and was not opened; put the real file there",
        "not a regular file"),
    "unsupported_format": (
        "不是可读取的报送格式，未读取；学校请用下发的 .xlsx 模板填报，批量数据请放在年度文件夹根目录的 .csv 或 .parquet 中",
        "is not a format the pipeline reads; not read — schools send the .xlsx template, bulk exports are .csv or "
        ".parquet at the top of the year folder",
        "unsupported format"),
    "old_excel_format": (
        "是旧版 .xls 格式，无法读取；请用下发的模板另存为 .xlsx 后提交",
        "is in the old .xls format and cannot be read; save it as .xlsx from the template",
        "old .xls format"),
    "file_too_large": (
        "大小为 {size:,} 字节，超过上限 {limit:,} 字节，未读取；请检查是否导出了多余的数据后重新提交",
        "is {size:,} bytes, over the limit of {limit:,} bytes; not read — check the export for surplus data "
        "and send it again",
        "too large"),
    "duplicate_file": (
        "与文件 {first} 内容完全相同（重复提交），未读取；请只保留一份",
        "has exactly the same content as the file {first} (sent twice); not read — keep only one",
        "duplicate of {first}"),
    "password_protected": (
        "受密码保护（已加密），无法读取；请在Excel或WPS中取消密码后另存为 .xlsx 重新提交",
        "is password-protected (encrypted) and cannot be read; remove the password in Excel or WPS, save as "
        ".xlsx and send it again",
        "password-protected"),
    "corrupt_workbook": (
        "文件已损坏（不是完整的 .xlsx 压缩包），无法读取；请用Excel或WPS打开并另存后重新提交。原因：{reason}",
        "is corrupt (not a complete .xlsx zip archive) and cannot be read; open it in Excel or WPS, save it "
        "again and send it. Reason: {reason}",
        "corrupt: {reason}"),
    "inflated_too_large": (
        "解压后为 {size:,} 字节，超过上限 {limit:,} 字节（疑似压缩炸弹或多余数据），未读取；请使用下发的模板",
        "unpacks to {size:,} bytes, over the limit of {limit:,} bytes (a zip bomb, or surplus data); not read — "
        "use the shipped template",
        "unpacks too large"),
    "not_accessible": (
        "无法打开：{reason}；请检查文件权限后重新提交",
        "cannot be opened: {reason}; check the file's permissions and send it again",
        "cannot be opened: {reason}"),
    "unknown_file": (
        "文件名不是约定的表名（{known_zh}），未读取",
        "the file name is not one of the agreed forms ({known_en}); not read",
        "unknown file name"),
    "superseded_file": (
        "同一张表还有更新的文件 {newest}，已采用新文件，本文件未读取；请只保留一个",
        "the same form also came as the newer file {newest}, which was read instead; keep only one",
        "superseded by {newest}"),
}
"""refusal → (Chinese, English, short English for submission_files.message), each filled per file; the
refusal is the issue's rule unless `_RULE` keeps an older, broader rule name for it."""

_RULE = {"old_excel_format": "unsupported_format", "corrupt_workbook": "unreadable_file",
         "not_accessible": "unreadable_file"}
_WARNINGS = {"unknown_file", "excel_lock_file"}
_STATUS = {"superseded_file": "superseded", "old_excel_format": "unreadable", "corrupt_workbook": "unreadable",
           "password_protected": "unreadable", "not_accessible": "unreadable"}


@dataclass(frozen=True)
class Landed:
    """A file to read: where it is, its name relative to the year folder, and its content hash."""

    path: Path
    relative: str
    sha256: str
    form: Form | None = None  # the bulk form it holds; None for a workbook


@dataclass
class Landing:
    bulk: list[Landed] = field(default_factory=list)
    workbooks: list[Landed] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    """`submission_files` rows of the refused and superseded files."""


def scan_year_folder(year_dir: Path, limits: IntakeLimits) -> Landing:
    year_dir = Path(year_dir)
    landing = Landing()
    first_with_hash: dict[str, str] = {}
    bulk_candidates: list[Landed] = []
    for path in sorted(year_dir.rglob("*")):
        relative = visible(path.relative_to(year_dir).as_posix())  # a file name may hold control characters
        try:
            _land(landing, path, relative, year_dir, limits, first_with_hash, bulk_candidates)
        except OSError as error:  # unreadable permissions, or removed while the folder was scanned
            _refuse(landing, path, relative, "other", "not_accessible", reason=error.strerror or type(error).__name__)
    _choose_bulk_files(landing, bulk_candidates)
    return landing


def _land(landing: Landing, path: Path, relative: str, year_dir: Path, limits: IntakeLimits,
          first_with_hash: dict[str, str], bulk_candidates: list[Landed]) -> None:
    """Sort one folder entry: to be read (a workbook, or a bulk candidate), refused, or passed over
    (a folder, which is walked)."""
    if _link_outside(path, year_dir):
        _refuse(landing, path, relative, "link", "link_outside_folder")
        return
    status = path.stat()
    if stat.S_ISDIR(status.st_mode):
        return
    kind = _kind(path, year_dir)
    if path.name.startswith(EXCEL_LOCK_PREFIX):  # never hashed: Excel may rewrite it any moment
        _refuse(landing, path, relative, kind, "excel_lock_file")
    elif not stat.S_ISREG(status.st_mode):
        _refuse(landing, path, relative, "other", "not_a_regular_file")
    elif kind == "other":
        _refuse(landing, path, relative, kind, "unsupported_format")
    elif path.suffix.lower() == ".xls":
        _refuse(landing, path, relative, kind, "old_excel_format")
    elif status.st_size > (limit := _size_limit(kind, limits)):
        _refuse(landing, path, relative, kind, "file_too_large", size=status.st_size, limit=limit)
    else:
        sha = file_sha256(path)
        if status.st_size and sha in first_with_hash:
            _refuse(landing, path, relative, kind, "duplicate_file", sha=sha, first=first_with_hash[sha])
            return
        first_with_hash.setdefault(sha, relative)
        if kind == "bulk":
            bulk_candidates.append(Landed(path, relative, sha))
            return
        problem = _workbook_container_problem(path, limits)
        if problem is None:
            landing.workbooks.append(Landed(path, relative, sha))
        else:
            refusal, fill = problem
            _refuse(landing, path, relative, kind, refusal, sha=sha, **fill)


def _modified_at(path: Path) -> pd.Timestamp | None:
    """The entry's own time (a link's, not its target's); None when even that cannot be read."""
    try:
        return pd.Timestamp(path.lstat().st_mtime, unit="s", tz="UTC")
    except OSError:
        return None


def _size_limit(kind: str, limits: IntakeLimits) -> int:
    """A workbook is never bigger on disk than unpacked, so it gets the unpacked limit before its zip
    directory (which a million empty entries would make large) is even opened."""
    return limits.file_bytes if kind == "bulk" else min(limits.file_bytes, limits.inflated_bytes)


def _kind(path: Path, year_dir: Path) -> str:
    """bulk (a CSV/Parquet at the top of the folder), workbook (an Excel file at any depth) or other;
    a hidden file is always other."""
    suffix = path.suffix.lower()
    if path.name.startswith("."):
        return "other"
    if suffix in (WORKBOOK_SUFFIX, ".xls"):
        return "workbook"
    if suffix in BULK_SUFFIXES and path.parent == year_dir:
        return "bulk"
    return "other"


def _link_outside(path: Path, year_dir: Path) -> bool:
    """A symbolic link that leads out of the year folder, or nowhere: never followed."""
    if not path.is_symlink():
        return False
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling, or a loop of links
        return True
    return not target.is_relative_to(year_dir.resolve())


def _workbook_container_problem(path: Path, limits: IntakeLimits) -> tuple[str, dict] | None:
    """Why a workbook cannot be read, from its first bytes and its zip directory alone (the
    directory states each part's unpacked size, so a bomb is caught without inflating it)."""
    with path.open("rb") as handle:
        magic = handle.read(len(OLE2_MAGIC))
    if magic == OLE2_MAGIC:
        return "password_protected", {}
    try:
        with zipfile.ZipFile(path) as archive:
            inflated = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        return "corrupt_workbook", {"reason": str(error) or type(error).__name__}
    if inflated > limits.inflated_bytes:
        return "inflated_too_large", {"size": inflated, "limit": limits.inflated_bytes}
    return None


def _choose_bulk_files(landing: Landing, candidates: list[Landed]) -> None:
    """The bulk file to read per form: the older of a CSV/Parquet pair is superseded, a file whose name
    is not a form is refused with a warning."""
    by_stem: dict[str, list[Landed]] = {}
    for landed in candidates:
        stem = landed.path.stem.lower()
        if stem in BULK_FORMS:
            by_stem.setdefault(stem, []).append(landed)
        else:
            _refuse(landing, landed.path, landed.relative, "bulk", "unknown_file", sha=landed.sha256,
                    known_zh="、".join(BULK_FORMS), known_en=", ".join(BULK_FORMS))
    for stem, files in by_stem.items():
        ordered = sorted(files, key=lambda f: (f.path.stat().st_mtime, f.relative))
        newest = ordered[-1]
        landing.bulk.append(Landed(newest.path, newest.relative, newest.sha256, BULK_FORMS[stem]))
        for older in ordered[:-1]:
            _refuse(landing, older.path, older.relative, "bulk", "superseded_file", sha=older.sha256,
                    form=stem, newest=newest.relative)


def _refuse(landing: Landing, path: Path, relative: str, kind: str, refusal: str, sha: str = "", form: str = "",
            **fill) -> None:
    zh, en, short = REFUSALS[refusal]
    severity = WARNING if refusal in _WARNINGS else ERROR
    landing.issues.append(file_issue(relative, form, "", "", "", _RULE.get(refusal, refusal), severity,
                                     zh.format(**fill), en.format(**fill)))
    landing.files.append({
        "source_file": relative, "source_sha256": sha,
        "modified_at": _modified_at(path), "kind": kind, "forms": form, "rows_read": 0,
        "status": _STATUS.get(refusal, "rejected"), "message": short.format(**fill),
    })

"""Which year folders of the landing folder have new content, and which of them are ready to run.

Pure file-system logic: `sensors.py` passes in the cursor it saved last time and the current time,
and turns the answer into run requests. The cursor remembers, per file, the modification time,
size and content hash: a file whose time or size moved is hashed again, and only a different hash
(or an added or deleted file) counts as a change, so touching or re-saving a file unchanged does
not start a run. Files arrive in bursts (a clerk copies fifty workbooks): a year waits until its
newest change is older than a quiet period, then gets one run for the whole burst.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from stat import S_ISREG
from typing import Collection, Mapping

from balanced_pipeline.intake.readers import file_sha256

SUBMISSION_SUFFIXES = frozenset({".csv", ".parquet", ".xlsx"})
EXCEL_LOCK_PREFIX = "~$"
"""Excel's owner file beside an open workbook ('~$学校.xlsx'): not a submission."""


@dataclass(frozen=True)
class FileState:
    """What the cursor remembers of one file: the stat fields that vouch for the hash, and the hash."""

    mtime_ns: int
    size: int
    sha256: str


@dataclass(frozen=True)
class SeenFile:
    state: FileState
    arrived_at: float
    """When the file last changed *here*, POSIX seconds: the later of mtime and ctime, because a
    copy that keeps the original mtime (Explorer, unzip, cp -p) still gets a fresh ctime."""


@dataclass(frozen=True)
class Unreadable:
    reason: str
    arrived_at: float


@dataclass
class WatchCursor:
    files: dict[str, FileState] = field(default_factory=dict)
    """Keyed by the path below the landing folder, POSIX style: '2026/淮南/学校.xlsx'."""
    runs: dict[str, int] = field(default_factory=dict)
    """Runs requested so far per year: part of the run key, so content that returns to an earlier
    state still gets a run (Dagster would drop a run key it has seen before)."""

    def to_json(self) -> str:
        files = {path: [s.mtime_ns, s.size, s.sha256] for path, s in sorted(self.files.items())}
        return json.dumps({"files": files, "runs": dict(sorted(self.runs.items()))}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> WatchCursor:
        if not text:
            return cls()
        data = json.loads(text)
        files = {path: FileState(int(mtime_ns), int(size), sha) for path, (mtime_ns, size, sha) in data["files"].items()}
        return cls(files=files, runs={year: int(count) for year, count in data["runs"].items()})

    def year_files(self, year: str) -> dict[str, FileState]:
        return {path: state for path, state in self.files.items() if year_of(path) == year}


@dataclass(frozen=True)
class YearChange:
    year: str
    added: tuple[str, ...]
    modified: tuple[str, ...]
    deleted: tuple[str, ...]
    changed_at: float
    """The newest change of the burst, POSIX seconds."""

    @property
    def changed_files(self) -> int:
        return len(self.added) + len(self.modified) + len(self.deleted)


@dataclass(frozen=True)
class YearRun:
    year: str
    run_key: str
    change: YearChange


@dataclass(frozen=True)
class WatchTick:
    runs: tuple[YearRun, ...]
    waiting: dict[str, str]
    """Year → why its change waits for a later tick (quiet period, a file that cannot be read yet)."""
    skipped: dict[str, str]
    """Folder → why it is not watched (not a year of the partitions, removed, landing folder missing)."""
    unreadable: dict[str, str]
    """File → why it could not be read; once quiet it is left out (and the run reports it) until readable."""
    cursor: WatchCursor


def year_of(relative_path: str) -> str:
    return relative_path.split("/", 1)[0]


def is_submission_file(relative_path: PurePosixPath) -> bool:
    """Bulk CSV/Parquet and workbooks at any depth; not hidden files or folders, not Excel lock files."""
    if any(part.startswith(".") for part in relative_path.parts):
        return False
    name = relative_path.name
    return relative_path.suffix.lower() in SUBMISSION_SUFFIXES and not name.startswith(EXCEL_LOCK_PREFIX)


def scan_year(root: Path, year: str, known: Mapping[str, FileState]) -> tuple[dict[str, SeenFile], dict[str, Unreadable]]:
    """The submission files of one year folder as they are now, and the files that could not be read.

    A file whose mtime and size match `known` keeps its known hash; any other file is hashed.
    """
    seen: dict[str, SeenFile] = {}
    unreadable: dict[str, Unreadable] = {}
    for folder, subfolders, names in os.walk(root / year):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if not is_submission_file(PurePosixPath(relative)):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # removed while we looked: the next tick sees it as deleted
            if not S_ISREG(stat.st_mode):
                continue  # a FIFO or device (or a link to one): hashing it would block or never end
            arrived_at = max(stat.st_mtime, stat.st_ctime)
            previous = known.get(relative)
            if previous and (previous.mtime_ns, previous.size) == (stat.st_mtime_ns, stat.st_size):
                sha256 = previous.sha256
            else:
                try:
                    sha256 = file_sha256(path)
                except FileNotFoundError:
                    continue
                except OSError as error:  # e.g. still locked by the copy that is writing it
                    unreadable[relative] = Unreadable(f"{type(error).__name__}: {error}", arrived_at)
                    if previous:  # content unknown: keep what we knew until it can be read
                        seen[relative] = SeenFile(previous, arrived_at)
                    continue
            seen[relative] = SeenFile(FileState(stat.st_mtime_ns, stat.st_size, sha256), arrived_at)
    return seen, unreadable


def year_change(
    root: Path, year: str, before: Mapping[str, FileState], seen: Mapping[str, SeenFile]
) -> YearChange | None:
    """What differs in content between the cursor's view of a year and the folder now, or None."""
    added = tuple(sorted(set(seen) - set(before)))
    deleted = tuple(sorted(set(before) - set(seen)))
    modified = tuple(sorted(p for p in set(seen) & set(before) if seen[p].state.sha256 != before[p].sha256))
    if not (added or deleted or modified):
        return None
    times = [seen[p].arrived_at for p in (*added, *modified)] + [_removed_at(root, p) for p in deleted]
    return YearChange(year, added, modified, deleted, changed_at=max(times))


def run_key(year: str, files: Mapping[str, FileState], sequence: int) -> str:
    """Same year, same content, same request number → same key, so a retried tick is deduplicated."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path}\0{files[path].sha256}\n".encode())
    return f"{year}-{sequence}-{digest.hexdigest()[:16]}"


def watch_submissions(
    root: Path,
    cursor: WatchCursor,
    partition_keys: Collection[str],
    now: float,
    quiet_seconds: float,
    closed_years: Collection[str] = (),
) -> WatchTick:
    """One look at the landing folder: a run for every open year whose content changed and has
    been quiet for `quiet_seconds`, and the cursor to save (a waiting or closed year keeps its old
    part, so its later changes are still seen if it is ever reopened)."""
    if not root.is_dir():
        reason = f"提交目录不存在 / landing folder does not exist: {root}"
        return WatchTick(runs=(), waiting={}, skipped={str(root): reason}, unreadable={}, cursor=cursor)

    files = dict(cursor.files)
    runs = dict(cursor.runs)
    requested: list[YearRun] = []
    waiting: dict[str, str] = {}
    skipped: dict[str, str] = {}
    unreadable: dict[str, str] = {}
    folders = sorted(entry.name for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith("."))
    for folder in folders:
        if folder not in partition_keys:
            skipped[folder] = _not_a_partition(folder, partition_keys)
        elif folder in closed_years:
            skipped[folder] = (
                f"{folder} 年已过报送截止日，最终结果已冻结，新文件不再自动评估 / {folder} is past its deadline and "
                "frozen: new files no longer start a run (launch one by hand if a correction must be judged)"
            )
    for year in sorted(set(map(year_of, files)) - set(folders)):
        skipped[year] = f"{year} 年目录已删除，不再监视 / the {year} folder was removed; no longer watched"
        files = {path: state for path, state in files.items() if year_of(path) != year}

    for year in (folder for folder in folders if folder in partition_keys and folder not in closed_years):
        before = cursor.year_files(year)
        seen, cannot_read = scan_year(root, year, before)
        unreadable |= {path: problem.reason for path, problem in cannot_read.items()}
        change = year_change(root, year, before, seen)
        arrivals = [problem.arrived_at for problem in cannot_read.values()] + ([change.changed_at] if change else [])
        if arrivals and now - max(arrivals) < quiet_seconds:
            changed = (change.changed_files if change else 0) + len(cannot_read)
            waiting[year] = (
                f"{changed} 个文件刚有变化，等待 {quiet_seconds:g} 秒无新变化 / "
                f"{changed} file(s) changed less than {quiet_seconds:g} s ago; waiting for the copy to finish"
            )
            continue
        current = {path: seen_file.state for path, seen_file in seen.items()}
        files = {path: state for path, state in files.items() if year_of(path) != year} | current
        if change is not None:
            runs[year] = runs.get(year, 0) + 1
            requested.append(YearRun(year, run_key(year, current, runs[year]), change))
    return WatchTick(tuple(requested), waiting, skipped, unreadable, WatchCursor(files=files, runs=runs))


def _not_a_partition(folder: str, partition_keys: Collection[str]) -> str:
    span = f"{min(partition_keys)}–{max(partition_keys)}" if partition_keys else "none"
    return (
        f"目录 {folder} 不是评估年度（{span}），已跳过 / "
        f"folder {folder} is not an evaluation year ({span}); skipped"
    )


def _removed_at(root: Path, relative_path: str) -> float:
    """A deleted file leaves no time of its own; removing it touches the nearest folder still there."""
    folder = (root / relative_path).parent
    while not folder.exists() and folder != root:
        folder = folder.parent
    stat = folder.stat()
    return max(stat.st_mtime, stat.st_ctime)

"""Fixtures for the browser tests: a real `dagster-webserver` on a small demo city, and headless
Chromium driven by Playwright.

Chromium comes from Debian (`apt-get install chromium` puts it at /usr/bin/chromium); Playwright is
the pip package only (its own browser download cannot work on these machines). Without either, the
tests skip on a laptop and fail under CI=true, so CI never passes by skipping them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from balanced_pipeline.demo.generate import generate_demo_submissions

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1600, "height": 1000}
DEMO_YEARS = (2025, 2026)
DEMO_SCHOOLS = 100  # the generator's minimum: every school type in every county, kept small for 2 cores
SERVER_START_TIMEOUT_S = 120
SERVER_STOP_TIMEOUT_S = 20
# The webserver alone has no daemon to take runs off the default queue: launch them at once instead,
# through the default run launcher (one subprocess per run).
# The project's own instance settings (the `warehouse` pool of one slot: steps of a UI run execute in
# parallel, and a DuckDB file has one writer), with runs launched at once since no daemon runs here.
DAGSTER_YAML = (REPO_ROOT / ".dagster_home" / "dagster.yaml").read_text(encoding="utf-8") + """
run_coordinator:
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
"""
WORKSPACE_QUERY = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""


def missing_browser_prerequisite() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install playwright; never `playwright install`)"
    return None


@pytest.fixture(scope="session", autouse=True)
def browser_prerequisites():
    missing = missing_browser_prerequisite()
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {missing}", pytrace=False)
    pytest.skip(f"browser tests skipped: {missing}")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go: <repo>/test-artifacts/browser/ (gitignored), emptied for each session."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS_DIR.glob("*.png"):
        old.unlink()
    return ARTIFACTS_DIR


@dataclass(frozen=True)
class DagsterUI:
    url: str
    data_dir: Path
    submissions_dir: Path
    manifest: dict
    log_path: Path

    def graphql(self, query: str, variables: dict | None = None, timeout_s: float = 30) -> dict:
        """The `data` of a GraphQL answer of the running webserver; an error answer fails the test."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            answer = json.load(response)
        if answer.get("errors"):
            pytest.fail(f"GraphQL errors: {answer['errors']}")
        return answer["data"]

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(home: Path, data_dir: Path, submissions_dir: Path) -> dict[str, str]:
    environment = dict(os.environ)
    # A developer's own warehouse or standards must not leak into the test's private server.
    for name in ("BALANCED_WAREHOUSE_URL", "BALANCED_STANDARDS"):
        environment.pop(name, None)
    environment.update({
        "DAGSTER_HOME": str(home),
        "BALANCED_DATA_DIR": str(data_dir),
        "BALANCED_SUBMISSIONS_DIR": str(submissions_dir),
        "GX_ANALYTICS_ENABLED": "false",
        "DAGSTER_DISABLE_TELEMETRY": "1",
    })
    return environment


def wait_until_loaded(ui: DagsterUI, server: subprocess.Popen, timeout_s: float) -> None:
    """Polls until the webserver answers and the code location has loaded; fails on a load error,
    a dead server or the timeout, quoting the server's log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"dagster-webserver exited with {server.returncode}:\n{ui.log_tail()}")
        try:
            entries = ui.graphql(WORKSPACE_QUERY, timeout_s=5)["workspaceOrError"].get("locationEntries", [])
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            entries = []
        for entry in entries:
            error = entry["locationOrLoadError"]
            if error and error["__typename"] == "PythonError":
                pytest.fail(f"code location {entry['name']} failed to load:\n{error['message']}")
        if entries and all(entry["loadStatus"] == "LOADED" and entry["locationOrLoadError"] for entry in entries):
            return
        time.sleep(1)
    pytest.fail(f"dagster-webserver not ready after {timeout_s} s:\n{ui.log_tail()}")


def stop_process_group(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=SERVER_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def dagster_ui(tmp_path_factory, artifacts) -> DagsterUI:
    """The real webserver of this repo's venv on 127.0.0.1 and a free port, loading workspace.yaml,
    with DAGSTER_HOME, the data folder and a two-year demo city in temporary folders."""
    root = tmp_path_factory.mktemp("dagster_ui")
    home, data_dir, submissions_dir = root / "dagster_home", root / "data", root / "submissions"
    home.mkdir()
    data_dir.mkdir()
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    manifest = generate_demo_submissions(submissions_dir, years=DEMO_YEARS, schools=DEMO_SCHOOLS)

    port = free_port()
    log_path = artifacts / "dagster-webserver.log"
    ui = DagsterUI(f"http://127.0.0.1:{port}", data_dir, submissions_dir, manifest, log_path)
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "dagster_webserver", "-h", "127.0.0.1", "-p", str(port),
             "-w", str(REPO_ROOT / "workspace.yaml")],
            cwd=REPO_ROOT, env=server_environment(home, data_dir, submissions_dir),
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so the run subprocesses stop with it
        )
    try:
        wait_until_loaded(ui, server, SERVER_START_TIMEOUT_S)
        yield ui
    finally:
        stop_process_group(server)


@pytest.fixture(scope="session")
def browser(browser_prerequisites):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser):
    """A fresh page whose Dagster community/newsletter pop-up (shown once per new instance) is
    dismissed whenever it appears, so it never hides what a test clicks."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.add_locator_handler(page.get_by_role("dialog").filter(has_text="Join the Dagster community"),
                             lambda: page.get_by_role("button", name="Skip").click())
    return context, page


@pytest.fixture
def page(browser):
    context, page = open_page(browser)
    try:
        yield page
    finally:
        context.close()

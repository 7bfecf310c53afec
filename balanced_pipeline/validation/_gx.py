"""Great Expectations, quiet (no analytics, no progress bars, no info logging) and without its
per-key rebuilding of expectation configurations.

Every module of this package imports GX through here, so the environment is set before GX
reads it and the lookups below are in place before any suite runs.
"""

from __future__ import annotations

import logging
import os

os.environ["GX_ANALYTICS_ENABLED"] = "false"

import great_expectations as gx  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

from great_expectations.expectations.expectation import Expectation, parse_result_format  # noqa: E402

logging.getLogger("great_expectations").setLevel(logging.ERROR)

# GX 1.24.1 (pinned in pyproject.toml) looks up each domain and success kwarg of an expectation through
# `self.configuration`, a property that rebuilds the whole configuration (a pydantic dict and a deep copy)
# on every access: ~90 rebuilds per expectation per validation, a third of a county-sized year's checks.
# These three lookups are GX's own, building the configuration once per call (and a runtime
# kwarg only when the run does not set it); the values are the same.
# GX's version is checked so that an upgrade, which may change them, fails here instead of drifting.
if gx.__version__ != "1.24.1":
    raise ImportError(f"balanced_pipeline.validation._gx is written for great_expectations 1.24.1, not {gx.__version__}")


def _domain_kwargs(self: Expectation) -> dict:
    kwargs = self.configuration.kwargs
    return {key: kwargs.get(key, self._get_default_value(key)) for key in self.domain_keys}


def _success_kwargs(self: Expectation) -> dict:
    kwargs = self.configuration.kwargs
    success = {key: kwargs.get(key, self._get_default_value(key)) for key in self.success_keys}
    success.update({key: kwargs.get(key, self._get_default_value(key)) for key in self.domain_keys})
    return success


def _runtime_kwargs(self: Expectation, runtime_configuration: dict | None = None) -> dict:
    runtime_configuration = runtime_configuration or {}
    runtime = {key: runtime_configuration[key] if key in runtime_configuration else self._get_success_kwarg(key)
               for key in self.runtime_keys}
    runtime.update(self._get_success_kwargs())
    runtime["result_format"] = parse_result_format(runtime["result_format"])
    return runtime


GX_LOOKUPS = {name: getattr(Expectation, name)
              for name in ("_get_domain_kwargs", "_get_success_kwargs", "_get_runtime_kwargs")}
"""GX's own lookups, kept so a test can prove the replacements return the same for every suite."""
Expectation._get_domain_kwargs = _domain_kwargs
Expectation._get_success_kwargs = _success_kwargs
Expectation._get_runtime_kwargs = _runtime_kwargs


def new_context():
    """A fresh in-memory context: validation results are held only as long as the caller keeps it."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context

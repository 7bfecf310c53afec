"""Great Expectations, quiet: no analytics, no progress bars, no info logging.

Every module of this package imports GX through here, so the environment is set before GX
reads it.
"""

from __future__ import annotations

import logging
import os

os.environ["GX_ANALYTICS_ENABLED"] = "false"

import great_expectations as gx  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

logging.getLogger("great_expectations").setLevel(logging.ERROR)


def new_context():
    """A fresh in-memory context: validation results are held only as long as the caller keeps it."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context

"""Chinese text in the matplotlib charts of the Dagster UI without tofu boxes.

The charts keep their text as text (`svg.fonttype: none`) naming common Chinese fonts, and the
viewer's browser draws it. A CJK font on the server (Debian `fonts-noto-cjk`) only lets
matplotlib measure the labels as the browser will draw them.
"""

from __future__ import annotations

import logging
import re
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Iterator

PREFERRED_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
)
"""Simplified-Chinese faces first; any installed face from this list is used."""

BROWSER_FONT_STACK = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
                      "Hiragino Sans GB", "SimHei", "sans-serif")
"""What the page (and a text-as-text SVG) asks the browser for."""


@lru_cache(maxsize=1)
def matplotlib_agg() -> ModuleType:
    """matplotlib, on its display-less backend (charts are drawn on servers without a display).
    Imported on first use, not when the code location loads: only the steps that draw a UI chart
    pay its import (~0.7 s)."""
    import matplotlib

    matplotlib.use("Agg")
    return matplotlib


def _font_manager() -> ModuleType:
    matplotlib_agg()  # the backend is chosen before anything else of matplotlib is imported
    from matplotlib import font_manager

    return font_manager


CJK_FONT_FILES = re.compile(r"cjk|sourcehan|wqy|msyh|pingfang|simhei", re.IGNORECASE)
"""File names of the system's Chinese fonts, looked for when matplotlib's cache knows none."""


@lru_cache(maxsize=1)
def cjk_font_name() -> str | None:
    """The first installed font of PREFERRED_CJK_FONTS that matplotlib can use, or None.

    matplotlib caches the system's font list once per environment: a font installed after that
    (`apt-get install fonts-noto-cjk` after the first run) is missing from the cache, so the
    system's Chinese font files are added to it when the cache has none."""
    name = _preferred_installed()
    if name is None:
        font_manager = _font_manager()
        for path in font_manager.findSystemFonts():
            if CJK_FONT_FILES.search(Path(path).name):
                font_manager.fontManager.addfont(path)
        name = _preferred_installed()
    return name


def _preferred_installed() -> str | None:
    installed = {font.name for font in _font_manager().fontManager.ttflist}
    return next((name for name in PREFERRED_CJK_FONTS if name in installed), None)


def chart_rc(font_name: str | None) -> dict:
    """matplotlib settings for a UI chart measured with `font_name` (None: a Latin fallback) and
    drawn by the browser from the font stack."""
    # A name typed as `$\foo{$` must be drawn as typed, never parsed as mathtext (which raises).
    return {"axes.unicode_minus": False, "svg.hashsalt": "balanced-ui", "font.size": 10, "text.parse_math": False,
            "svg.fonttype": "none", "font.family": "sans-serif",
            "font.sans-serif": [*([font_name] if font_name else []), *BROWSER_FONT_STACK]}


@contextmanager
def chart_style() -> Iterator[str | None]:
    """Draw inside this block; yields the CJK font used (None when the browser draws the text)."""
    font_name = cjk_font_name()
    font_log = logging.getLogger("matplotlib.font_manager")
    log_level = font_log.level
    with matplotlib_agg().rc_context(chart_rc(font_name)), warnings.catch_warnings():
        if font_name is None:
            # matplotlib measures the text with a Latin font, warning of every missing glyph and
            # absent family; the text stays text and the browser draws it with its own Chinese font.
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            font_log.setLevel(logging.ERROR)
        try:
            yield font_name
        finally:
            font_log.setLevel(log_level)

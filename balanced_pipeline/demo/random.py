"""Independent, reproducible random streams: one per purpose, keyed by seed and labels.

Keying each purpose separately means a change to how one file is generated leaves every other
file's numbers untouched.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *labels: str | int) -> np.random.Generator:
    keys = [zlib.crc32(str(label).encode("utf-8")) for label in labels]
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))

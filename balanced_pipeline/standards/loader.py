"""Load a standards version: the national file, or a provincial overlay on top of it.

`BALANCED_STANDARDS` names a shipped version (`national`, `anhui`) or a path to a YAML file.
An overlay says `extends: <name or path>`; its indicators are merged into the base by `id`
and every other mapping is merged key by key, so a province edits only what differs.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from balanced_pipeline.contract.forms import FORMS
from balanced_pipeline.contract.issues import RECORD_FIELDS

SHIPPED_DIR = Path(__file__).parent
COMPARISONS = (">=", "<=", ">", "<", "==")
SPLIT_STUDENTS = "split_students"
"""In an indicator's `inputs`: the students of every stage the campus's shared quantities are
split between (its own stage only, for a one-stage school)."""
STAGE_PLACEHOLDER = "{stage}"
SCHOOL_ITEM_RECORD_INPUTS = tuple(f"{form}.{name}" for form in ("classes", "rooms")
                                  for name in FORMS[form].field_names if name not in RECORD_FIELDS[form])
"""In a school-level item's `inputs`: a value field of the campus's class or room rows."""


class StandardsError(ValueError):
    pass


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    quantity: str
    per_stage: bool
    per: float
    unit: str
    comparison: str
    thresholds: dict[str, float]
    school_rule: bool
    difference_coefficient: bool
    inputs: tuple[str, ...] = ()
    source: str = ""


class Standards:
    """A resolved standards version; `raw` keeps the merged document for the sections
    (guarantee, quality, ...) that their own modules read."""

    def __init__(self, raw: dict[str, Any], origin: str):
        self.raw = raw
        self.origin = origin
        _validate(raw, origin)

    @property
    def version(self) -> str:
        return self.raw["version"]

    @property
    def evaluated_stages(self) -> list[str]:
        return list(self.raw["evaluated_stages"])

    @cached_property
    def resource_indicators(self) -> list[Indicator]:
        return [Indicator(**{**spec, "inputs": tuple(spec["inputs"])})
                for spec in self.raw["resource_allocation"]["indicators"]]

    @property
    def school_rule(self) -> dict[str, float]:
        return self.raw["resource_allocation"]["school_rule"]

    def difference_coefficient_max(self, stage: str) -> float:
        return float(self.raw["resource_allocation"]["difference_coefficient_max"][stage])

    @property
    def stage_split_weights(self) -> dict[str, dict[str, float]]:
        return self.raw["stage_split_weights"]

    @property
    def school_type_stages(self) -> dict[str, list[str]]:
        return self.raw["school_type_stages"]

    @property
    def scope(self) -> dict[str, Any]:
        return self.raw["scope"]

    def section(self, name: str) -> dict[str, Any]:
        try:
            return self.raw[name]
        except KeyError:
            raise StandardsError(f"standards {self.version} ({self.origin}) has no section '{name}'") from None


def load_standards(name_or_path: str = "national") -> Standards:
    raw, origin = _load_resolved(name_or_path, seen=())
    return Standards(raw, origin)


def _locate(name_or_path: str) -> Path:
    shipped = SHIPPED_DIR / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    available = ", ".join(sorted(p.stem for p in SHIPPED_DIR.glob("*.yaml")))
    raise StandardsError(
        f"standards '{name_or_path}' not found: not a shipped version ({available}) and not a file"
    )


def _load_resolved(name_or_path: str, seen: tuple[Path, ...]) -> tuple[dict[str, Any], str]:
    path = _locate(name_or_path).resolve()
    if path in seen:
        raise StandardsError(f"standards overlays extend each other in a loop: {path}")
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    base_name = document.pop("extends", None)
    if base_name is None:
        return document, str(path)
    base, _ = _load_resolved(base_name, seen=(*seen, path))
    return merge_overlay(base, document), str(path)


LIST_KEYS = {"indicators": "id", "items": "id", "kinds": "code"}
"""Lists of the standards file merged entry by entry, by the named key (others are replaced whole)."""


def merge_overlay(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        if key in LIST_KEYS and isinstance(value, list):
            merged[key] = _merge_by_key(merged.get(key, []), value, LIST_KEYS[key])
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_overlay(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _merge_by_key(base: list[dict], overlay: list[dict], key: str) -> list[dict]:
    merged = {item[key]: copy.deepcopy(item) for item in base}
    for item in overlay:
        merged[item[key]] = {**merged.get(item[key], {}), **copy.deepcopy(item)}
    return list(merged.values())


def _validate(raw: dict[str, Any], origin: str) -> None:
    for key in ("version", "evaluated_stages", "resource_allocation", "stage_split_weights",
                "school_type_stages", "scope"):
        if key not in raw:
            raise StandardsError(f"standards file {origin} lacks '{key}'")
    stages = raw["evaluated_stages"]
    for spec in raw["resource_allocation"]["indicators"]:
        where = f"standards file {origin}, indicator {spec.get('id')}"
        if spec.get("comparison") not in COMPARISONS:
            raise StandardsError(f"{where}: comparison must be one of {COMPARISONS}")
        missing = [stage for stage in stages if stage not in spec.get("thresholds", {})]
        if missing:
            raise StandardsError(f"{where}: no threshold for stage(s) {missing}")
        _validate_inputs(spec, where, stages, allowed_tokens={SPLIT_STUDENTS})
    for section in ("government_guarantee", "education_quality"):
        for item in raw.get(section, {}).get("items", []):
            where = f"standards file {origin}, item {item.get('id')}"
            if item.get("basis") == "schools":
                _validate_inputs(item, where, stages, allowed_tokens=set(SCHOOL_ITEM_RECORD_INPUTS))
            else:
                _validate_inputs(item, where, stages, allowed_tokens=set(), form="counties")
    for school_type, weights in raw["stage_split_weights"].items():
        if any(float(w) <= 0 for w in weights.values()):
            raise StandardsError(f"standards file {origin}: split weights of {school_type} must be > 0")


def _validate_inputs(spec: dict[str, Any], where: str, stages: list[str], allowed_tokens: set[str],
                     form: str = "schools") -> None:
    """Every indicator and item names the fields of `form` it reads, so an error on a field can
    make exactly the values that depend on it unknown."""
    what = "school-form" if form == "schools" else "county-form"
    if not isinstance(spec.get("inputs"), list):
        raise StandardsError(f"{where}: 'inputs' must list the {what} fields it is computed from")
    fields = set(FORMS[form].field_names)
    for name in spec["inputs"]:
        concrete = {str(name).replace(STAGE_PLACEHOLDER, stage) for stage in stages}
        if str(name) not in allowed_tokens and not concrete <= fields:
            raise StandardsError(f"{where}: input '{name}' is not a {what} field")

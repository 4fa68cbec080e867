"""What the tap should emit for a raw fake-API record, computed independently of the tap.

Uses pendulum (not the tap's zoneinfo code) for time zones, and plain rules for the
loose types, so a bug in the tap's converters cannot hide behind the same bug here.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pendulum

CENTRAL = pendulum.timezone("America/Chicago")


def utc(naive: str | None) -> str | None:
    if not naive:
        return None
    n = pendulum.parse(naive, exact=True)
    # The tap reads the repeated fall-back hour as its first occurrence (fold=0).
    local = pendulum.datetime(
        n.year, n.month, n.day, n.hour, n.minute, n.second, tz=CENTRAL, fold=0
    )
    return local.in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ssZ")


def normalize(value, spec: dict):
    kinds = set(spec["type"] if isinstance(spec["type"], list) else [spec["type"]]) - {"null"}
    if value is None:
        return None
    if "object" in kinds:
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                return {"value": value}
            if value is None:
                return None
        if not isinstance(value, dict):
            return {"value": value}
        props = spec.get("properties") or {}
        if not props:
            return value
        return {k: normalize(v, props[k]) for k, v in value.items() if k in props}
    if "array" in kinds:
        if isinstance(value, str):
            value = [{"product": p.strip()} for p in value.split(",") if p.strip()]
        return [normalize(v, spec["items"]) for v in value]
    if "number" in kinds:
        return None if value == "" else Decimal(str(value))
    if "integer" in kinds:
        return None if value == "" else int(value)
    if "boolean" in kinds:
        return value if isinstance(value, bool) else str(value).lower() in {"true", "1"}
    if spec.get("format") == "date-time":
        return utc(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return str(value)


def expected_record(raw: dict, schema: dict) -> dict:
    props = schema["properties"]
    return {k: normalize(v, props[k]) for k, v in raw.items() if k in props}

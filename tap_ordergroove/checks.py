"""Checks of what the user hands the tap: setting names and the input files.

These mistakes used to pass silently or end in a traceback: a typo such as `start_data`
synced the whole history, an empty state file (what a failed run leaves behind a careless
``> state.json``) died in the JSON parser, and a missing or mistyped ``--config`` file
printed 33-46 lines of traceback that did not say which file. Each now becomes one line
naming the file, what is wrong, and what to do.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import typing as t
from pathlib import Path

from tap_ordergroove.errors import CatalogFileError, ConfigFileError, StateFileError

#: Boolean settings given as text (Meltano passes them through as `kind: string`).
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
_INTEGER = re.compile(r"^[+-]?\d+$")

#: Settings the SDK reads although they are not in its schema: never reported as unknown.
SDK_SETTINGS = frozenset({"batch_config", "user_agent", "emit_activate_version_messages"})


def unknown_settings(config: t.Mapping[str, t.Any], known: set[str]) -> list[str]:
    """One message per key the tap does not know, naming the closest known setting.

    Keys starting with ``_`` are runner metadata (Meltano's), never settings.
    """
    names = sorted(known | SDK_SETTINGS)
    messages = []
    for key in sorted(k for k in config if k not in names and not k.startswith("_")):
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        messages.append(
            f"Unknown setting `{key}`.{hint} `tap-ordergroove --about` lists every setting."
        )
    return messages


def coerce_setting_strings(
    config: dict[str, t.Any], properties: t.Mapping[str, t.Any]
) -> list[str]:
    """Turn numbers, booleans and options given as text into values; one message per bad one.

    Environment variables are text, and Meltano passes these settings through as text
    (`kind: string` in meltano.yml): its own `integer`, `decimal` and `options` kinds crash
    with a 100-line traceback on a bad value, or on any `decimal` at all, and its `boolean`
    reads a typo such as 'flase' as false. The tap reads the text and refuses what is not
    a value. Empty text counts as not set, so the default applies; so does a bad value
    (removed from ``config``) for discovery, which needs none of them. Changes ``config``.
    """
    problems = []
    for name, spec in properties.items():
        value = config.get(name)
        if not isinstance(value, str):
            continue
        types = _types(spec)
        if "string" not in types and types & {"integer", "number", "boolean"} and not value.strip():
            del config[name]
            continue
        parsed, expected = _parse(value.strip(), types)
        allowed = spec.get("enum")
        if not expected and allowed and parsed not in allowed:
            expected = f"one of {', '.join(map(str, allowed))}"
        if expected:
            problems.append(_bad_value(name, value, expected, spec))
            del config[name]  # discovery goes on with the default; a sync stops
            continue
        config[name] = parsed
    return problems


def _types(spec: t.Mapping[str, t.Any]) -> set[str]:
    types = spec.get("type") or []
    return ({types} if isinstance(types, str) else set(types)) - {"null"}


def _parse(text: str, types: set[str]) -> tuple[t.Any, str]:
    """``(value, "")``, or ``(None, what was expected)`` for text that is no such value."""
    if "string" in types or not types:  # text is a value (secrets may be all digits)
        return text, ""
    if "integer" in types and "number" not in types:
        return (int(text), "") if _INTEGER.match(text) else (None, "a whole number")
    if "number" in types:
        try:
            number = float(text)
        except ValueError:
            return None, "a number"
        if not math.isfinite(number):
            return None, "a number"
        return (int(text) if _INTEGER.match(text) else number), ""
    if "boolean" in types:
        if text.lower() in TRUE_WORDS | FALSE_WORDS:
            return text.lower() in TRUE_WORDS, ""
        return None, "true or false"
    return text, ""


def _bad_value(name: str, value: str, expected: str, spec: t.Mapping[str, t.Any]) -> str:
    """One line: the setting, its value (never a secret's: those are text), what to do."""
    default = f" ({json.dumps(spec['default'])})" if "default" in spec else ""
    return (
        f"Setting `{name}` is {value!r}, which is not {expected}. Fix it in the config file, "
        f"meltano.yml or TAP_ORDERGROOVE_{name.upper()}, or leave it unset for the "
        f"default{default}."
    )


def read_state_file(file: t.IO[str]) -> str:
    """The text of a ``--state`` file, refused in one line if it cannot be a Singer state."""
    name = getattr(file, "name", "--state")
    text = file.read()
    fix = (
        "Restore the last good state file, or remove it and leave out `--state` to sync "
        "from `start_date` again (the README's recipe never writes an empty one)."
    )
    if not text.strip():
        msg = f"The state file {name} is empty (saved from a run that wrote no STATE?). {fix}"
        raise StateFileError(msg)
    try:
        value = json.loads(text)
    except ValueError as exc:
        msg = f"The state file {name} is not valid JSON ({exc}). {fix}"
        raise StateFileError(msg) from None
    if not isinstance(value, dict):
        msg = f"The state file {name} holds {type(value).__name__}, not a JSON object. {fix}"
        raise StateFileError(msg)
    return text


CONFIG_FIX = (
    'It must be a JSON object of settings such as {"api_key": "..."} '
    "(`tap-ordergroove --about` lists them), or use --config=ENV to read "
    "TAP_ORDERGROOVE_<SETTING> environment variables."
)
CATALOG_FIX = (
    "Make one with `tap-ordergroove --config CONFIG --discover > catalog.json`, or leave out "
    "`--catalog` to sync every stream."
)


def check_config_file(path: str) -> None:
    """Refuse a ``--config`` path that cannot be a settings file, in one line naming it.

    Never quotes the file's content: it holds the API key.
    """
    where = shown(path, "--config")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = (
            f"The config file {where} does not exist. Check the path, or use --config=ENV "
            "to read TAP_ORDERGROOVE_<SETTING> environment variables."
        )
        raise ConfigFileError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"The config file {where} cannot be read ({_reason(exc)}). {CONFIG_FIX}"
        raise ConfigFileError(msg) from None
    kind = _json_kind(text)
    if kind != "object":
        msg = f"The config file {where} {kind}. {CONFIG_FIX}"
        raise ConfigFileError(msg)


def read_catalog_file(file: t.IO[str]) -> str:
    """The text of a ``--catalog`` file, refused in one line if it cannot be a catalog."""
    where = shown(getattr(file, "name", "-"), "--catalog")
    kind = _json_kind(text := file.read())
    if kind != "object":
        raise CatalogFileError(f"The catalog file {where} {kind}. {CATALOG_FIX}")
    return text


def _json_kind(text: str) -> str:
    """'object', or what the text is instead, phrased to follow "The file X ..."."""
    if not text.strip():
        return "is empty"
    try:
        value = json.loads(text)
    except ValueError as exc:
        where = f"line {exc.lineno} column {exc.colno}: " if hasattr(exc, "lineno") else ""
        detail = getattr(exc, "msg", None) or "not JSON"
        return f"is not valid JSON ({where}{detail})"
    if not isinstance(value, dict):
        return f"holds a JSON {type(value).__name__}, not an object"
    return "object"


def shown(path: str, option: str) -> str:
    """The path as given, its option and, when relative, the absolute path looked at."""
    absolute = Path(path).absolute()
    return f"{path} ({option})" if str(absolute) == path else f"{path} ({option}, {absolute})"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__

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
import typing as t
from pathlib import Path

from tap_ordergroove.errors import CatalogFileError, ConfigFileError, StateFileError

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

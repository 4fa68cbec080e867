"""Checks of what the user hands the tap: setting names and the ``--state`` file.

Both kinds of mistake used to pass silently or end in a traceback: a typo such as
`start_data` synced the whole history, and an empty state file (what a failed run leaves
behind a careless ``> state.json``) died in the JSON parser. Each now becomes one line
saying what is wrong and what to do.
"""

from __future__ import annotations

import difflib
import json
import typing as t

from tap_ordergroove.errors import StateFileError

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

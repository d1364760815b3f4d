"""Trainer settings: one dataclass per model, from keywords or an object, and back from a file.

Kept apart from the trainer so the rules a user meets first (unknown names, a keyword that
contradicts the settings object) are in one short place.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from wordlab.errors import WordlabError


def make_settings(cls: type, settings: Any, overrides: dict[str, Any], model: str) -> Any:
    """A `cls` settings object from `settings` and/or keywords; conflicting values are an error."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise WordlabError(f"unknown {model} setting(s): {', '.join(unknown)}")
    if settings is None:
        return cls(**overrides)
    if not isinstance(settings, cls):
        raise WordlabError(
            f"{model} settings must be a {cls.__name__}, not {type(settings).__name__}"
        )
    clashes = [
        f"{k}={v!r} (settings say {getattr(settings, k)!r})"
        for k, v in overrides.items()
        if getattr(settings, k) != v
    ]
    if clashes:
        raise WordlabError(
            f"{model}: keyword settings contradict the settings object: {', '.join(clashes)}"
        )
    return dataclasses.replace(settings)


def settings_from_dict(cls: type, values: dict[str, Any]) -> Any:
    """Settings saved in a model file, ignoring names this version does not know."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in names})

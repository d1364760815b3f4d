"""The explorer's JSON API: checks every request, answers from the served models, never a path.

    GET  /api/models
    GET  /api/neighbors?model=NAME&word=W&k=10[&restrict=N]
    GET  /api/analogy?model=NAME&a=A&b=B&c=C&k=10&method=3cosadd[&restrict=N]
    GET  /api/similarity?model=NAME&w1=A&w2=B
    GET  /api/evaluation
    POST /api/project   {"model": NAME, "words": [...], "method": "pca"}
                        or {"model": NAME, "word": W, "k": 10, "method": "pca"}

A request that breaks a rule (unknown model or parameter, a word too long, too many words, a
body too large or not JSON) gets status 400 and {"error": "one line"}; an unknown path 404. A
model is named, never located: only the models given on the command line can be reached.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import parse_qs

from wordlab.errors import WordlabError
from wordlab.serve import models as answers
from wordlab.serve.models import ServedModel
from wordlab.serve.projection import available_methods

MAX_K = 1000  # neighbours or answers per request
MAX_WORD = 100  # characters of one word
MAX_WORDS = 1000  # words of one map (t-SNE of 1,000 points takes seconds)
MAX_BODY = 64 * 1024  # bytes of a POST body
MAX_QUERY = 4096  # characters of a query string
MAX_FIELDS = 16  # parameters of a query string
ANALOGY_METHODS = ("3cosadd", "3cosmul")

_GET = {
    "/api/models": (),
    "/api/evaluation": (),
    "/api/neighbors": ("model", "word", "k", "restrict"),
    "/api/analogy": ("model", "a", "b", "c", "k", "method", "restrict"),
    "/api/similarity": ("model", "w1", "w2"),
}
_POST = {"/api/project": ("model", "words", "word", "k", "method")}


class ApiError(WordlabError):
    """A request the API refuses: its status (400 unless said) and a one-line reason."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _finite(value: Any) -> Any:
    """The value with NaN and infinities as None: strict JSON (a correlation of 1 pair is NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def to_json(payload: dict[str, Any]) -> bytes:
    """UTF-8 JSON of an answer (strict: no NaN)."""
    return json.dumps(_finite(payload), ensure_ascii=False, allow_nan=False).encode("utf-8")


class Api:
    """Answers API requests from the models served (by name), with the limits above."""

    def __init__(
        self,
        models: list[ServedModel],
        evaluation: dict[str, list[dict[str, Any]]] | None = None,
        case_sensitive: bool = False,
    ) -> None:
        self.models = {m.name: m for m in models}
        self.evaluation = evaluation
        self.case_sensitive = case_sensitive
        self.methods = available_methods()

    # ---- parameters -----------------------------------------------------------------------------

    def _model(self, params: dict[str, Any]) -> ServedModel:
        name = params.get("model")
        if name is None:
            raise ApiError("missing parameter 'model'")
        if not isinstance(name, str) or name not in self.models:
            known = ", ".join(self.models)
            raise ApiError(f"unknown model {str(name)[:MAX_WORD]!r}; served: {known}")
        return self.models[name]

    @staticmethod
    def _word(params: dict[str, Any], key: str) -> str:
        w = params.get(key)
        if w is None:
            raise ApiError(f"missing parameter {key!r}")
        if not isinstance(w, str):
            raise ApiError(f"{key!r} must be a string")
        if not w.strip():
            raise ApiError(f"{key!r} is empty")
        if len(w) > MAX_WORD:
            raise ApiError(f"{key!r} is longer than {MAX_WORD} characters")
        return w

    @staticmethod
    def _int(params: dict[str, Any], key: str, default: int | None, low: int, high: int) -> Any:
        value = params.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            try:
                value = int(value.strip()) if len(value) <= 12 else None
            except ValueError:
                value = None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiError(f"{key!r} must be a whole number")
        if not low <= value <= high:
            raise ApiError(f"{key!r} must be between {low} and {high}, got {value}")
        return value

    @staticmethod
    def _choice(params: dict[str, Any], key: str, choices: list[str] | tuple[str, ...]) -> str:
        value = params.get(key, choices[0])
        if value not in choices:
            raise ApiError(f"{key!r} must be one of {', '.join(choices)}; got {str(value)[:20]!r}")
        return value

    @staticmethod
    def _query(query: str, allowed: tuple[str, ...]) -> dict[str, str]:
        if len(query) > MAX_QUERY:
            raise ApiError(f"query string longer than {MAX_QUERY} characters")
        try:
            fields = parse_qs(query, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except ValueError:
            raise ApiError(f"more than {MAX_FIELDS} parameters") from None
        for key, values in fields.items():
            if key not in allowed:
                raise ApiError(f"unknown parameter {key[:MAX_WORD]!r}")
            if len(values) > 1:
                raise ApiError(f"parameter {key!r} given more than once")
        return {k: v[0] for k, v in fields.items()}

    @staticmethod
    def _body(body: bytes, allowed: tuple[str, ...]) -> dict[str, Any]:
        if len(body) > MAX_BODY:
            raise ApiError(f"request body larger than {MAX_BODY} bytes")
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ApiError("request body is not UTF-8 JSON") from None
        if not isinstance(data, dict):
            raise ApiError("request body must be a JSON object")
        for key in data:
            if key not in allowed:
                raise ApiError(f"unknown field {str(key)[:MAX_WORD]!r}")
        return data

    # ---- routes -----------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: str = "", body: bytes = b"") -> dict[str, Any]:
        """The answer to one request; ApiError (with its status) for one the API refuses."""
        routes = _GET if method == "GET" else _POST if method == "POST" else {}
        if path not in routes:
            if path in _GET or path in _POST:
                raise ApiError(f"{path} does not take {method}", status=405)
            raise ApiError(f"no such API path: {path[:MAX_WORD]}", status=404)
        if method == "POST":
            if query:
                raise ApiError(f"{path} takes a JSON body, not query parameters")
            return self.project(self._body(body, _POST[path]))
        params = self._query(query, _GET[path])
        if path == "/api/models":
            return self.describe()
        if path == "/api/evaluation":
            return self.evaluation or {"similarity": [], "analogy": []}
        model = self._model(params)
        restrict = self._int(params, "restrict", None, 1, max(1, len(model.vectors)))
        cs = self.case_sensitive
        if path == "/api/neighbors":
            word, k = self._word(params, "word"), self._int(params, "k", 10, 1, MAX_K)
            return answers.neighbors(model, word, k, restrict, case_sensitive=cs)
        if path == "/api/analogy":
            a, b, c = (self._word(params, key) for key in "abc")
            k = self._int(params, "k", 10, 1, MAX_K)
            how = self._choice(params, "method", ANALOGY_METHODS)
            return answers.analogy(model, a, b, c, k, how, restrict, case_sensitive=cs)
        w1, w2 = self._word(params, "w1"), self._word(params, "w2")
        return answers.similarity(model, w1, w2, case_sensitive=cs)

    def describe(self) -> dict[str, Any]:
        """The served models, the map methods installed, the limits, whether scores exist."""
        return {
            "models": [m.describe() for m in self.models.values()],
            "methods": self.methods,
            "analogy_methods": list(ANALOGY_METHODS),
            "case_sensitive": self.case_sensitive,
            "evaluation": bool(self.evaluation and any(self.evaluation.values())),
            "limits": {"k": MAX_K, "word": MAX_WORD, "words": MAX_WORDS, "body": MAX_BODY},
        }

    def project(self, data: dict[str, Any]) -> dict[str, Any]:
        """POST /api/project: a map of the words given, or of a word and its k neighbours."""
        model = self._model(data)
        method = self._choice(data, "method", self.methods)
        cs = self.case_sensitive
        if ("words" in data) == ("word" in data):
            raise ApiError("give either 'words' (a list) or 'word' (with 'k')")
        try:
            if "word" in data:
                word = self._word(data, "word")
                k = self._int(data, "k", 10, 1, MAX_WORDS - 1)
                return answers.neighborhood(model, word, k, method, case_sensitive=cs)
            if "k" in data:
                raise ApiError("'k' goes with 'word', not with 'words'")
            words = data["words"]
            if not isinstance(words, list) or not words:
                raise ApiError("'words' must be a non-empty list of words")
            if len(words) > MAX_WORDS:
                raise ApiError(f"more than {MAX_WORDS} words")
            checked = [self._word({"words": w}, "words") for w in words]
            return answers.projection(model, checked, method, case_sensitive=cs)
        except ApiError:
            raise
        except WordlabError as exc:  # the projection's own refusal (too few words for t-SNE)
            raise ApiError(str(exc)) from None

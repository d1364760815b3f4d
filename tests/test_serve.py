"""`wordlab serve` and `wordlab export projector`: the JSON API against Python's answers, bad
requests, the memory-mapped cache, the Embedding Projector files.

Servers run in a thread on 127.0.0.1, port 0 (a free port); every request has a timeout.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from wordlab.cli import main
from wordlab.serve.api import MAX_BODY, MAX_WORD, MAX_WORDS, Api
from wordlab.serve.cache import cache_folder, load_cached
from wordlab.serve.models import load_source, unique_names, warm
from wordlab.serve.scores import evaluate_models
from wordlab.serve.server import ExplorerServer, is_loopback
from wordlab.vectors import Vectors

TIMEOUT = 20  # seconds for any one request

TOPICS = {
    "royal": ["king", "queen", "prince", "princess", "throne", "crown", "royal", "palace"],
    "place": ["paris", "france", "berlin", "germany", "rome", "italy", "madrid", "spain"],
    "animal": ["cat", "dog", "horse", "cow", "sheep", "goat", "mouse", "lion"],
    "colour": ["red", "green", "blue", "yellow", "purple", "orange", "black", "white"],
}


def write_topic_vectors(path: Path, dim: int = 24, filler: int = 300, seed: int = 0) -> list[str]:
    """A GloVe text file whose words cluster by topic (centre + noise), then random filler words."""
    rng = np.random.default_rng(seed)
    words, rows = [], []
    for topic_words in TOPICS.values():
        centre = rng.standard_normal(dim)
        for w in topic_words:
            words.append(w)
            rows.append(centre + 0.6 * rng.standard_normal(dim))
    for i in range(filler):
        words.append(f"filler{i}")
        rows.append(rng.standard_normal(dim))
    with open(path, "w", encoding="utf-8") as fh:
        for w, r in zip(words, rows, strict=True):
            fh.write(w + " " + " ".join(f"{x:.6f}" for x in r) + "\n")
    return words


def topic_sentences(n: int = 300, seed: int = 0) -> list[list[str]]:
    """Sentences drawn from one topic each, so trained models learn the topics."""
    rng = np.random.default_rng(seed)
    groups = list(TOPICS.values())
    return [[groups[t][j] for j in rng.integers(0, 8, 10)] for t in rng.integers(0, 4, n)]


class Client:
    """GET and POST against a test server, always with a timeout; answers (status, JSON)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str, **params) -> tuple[int, dict]:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        return self._open(urllib.request.Request(url))

    def post(self, path: str, body) -> tuple[int, dict]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method="POST")
        req.add_header("Content-Type", "application/json")
        return self._open(req)

    @staticmethod
    def _open(req) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    """A vectors file, a word2vec model and a fastText model, all small."""
    from wordlab import FastText, Word2Vec

    folder = tmp_path_factory.mktemp("serve-sources")
    glove = folder / "glove.txt"
    write_topic_vectors(glove)
    kw = dict(dim=12, epochs=2, min_count=1, threads=1, seed=1, progress=False)
    Word2Vec(**kw).fit(topic_sentences()).save(folder / "w2v.wordlab")
    FastText(minn=3, maxn=4, bucket=4000, **kw).fit(topic_sentences()).save(folder / "ft.wordlab")
    return {"glove": glove, "w2v": folder / "w2v.wordlab", "ft": folder / "ft.wordlab"}


@pytest.fixture(scope="module")
def served(sources):
    """A server of the three sources on 127.0.0.1 (ephemeral port), and the models it serves."""
    paths = [str(sources[k]) for k in ("glove", "w2v", "ft")]
    models = [load_source(p, name=n) for p, n in zip(paths, unique_names(paths), strict=True)]
    for m in models:
        warm(m)
    server = ExplorerServer("127.0.0.1", 0, Api(models))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield Client(server.url.rstrip("/")), {m.name: m for m in models}
    server.shutdown()
    server.server_close()
    thread.join(timeout=TIMEOUT)


@pytest.fixture(scope="module")
def reference(sources) -> dict[str, Vectors]:
    """The same sources loaded the plain Python way, independently of the server."""
    from wordlab import FastText, Word2Vec

    return {
        "glove.txt": Vectors.load(sources["glove"]),
        "w2v.wordlab": Word2Vec.load(sources["w2v"]).wv,
        "ft.wordlab": FastText.load(sources["ft"]).wv,
    }


def _pairs(answer: list[dict]) -> list[tuple[str, float]]:
    return [(a["word"], a["score"]) for a in answer]


def _cosine_ranking(vectors: Vectors, query: np.ndarray, exclude: set[str], k: int) -> list[str]:
    """The k words of highest cosine with `query`, computed directly in float64."""
    m = np.asarray(vectors.matrix, dtype=np.float64)
    cos = m @ query / (np.linalg.norm(m, axis=1) * np.linalg.norm(query))
    order = [i for i in np.argsort(-cos) if vectors.words[i] not in exclude]
    return [vectors.words[i] for i in order[:k]]


# ---- answers equal Python's ------------------------------------------------------------------


def test_models_lists_every_source(served):
    client, _ = served
    status, info = client.get("/api/models")
    assert status == 200
    by_name = {m["name"]: m for m in info["models"]}
    assert list(by_name) == ["glove.txt", "w2v.wordlab", "ft.wordlab"]
    assert by_name["glove.txt"]["kind"] == "vectors" and by_name["glove.txt"]["words"] == 332
    assert by_name["w2v.wordlab"]["kind"] == "word2vec" and not by_name["w2v.wordlab"]["subwords"]
    assert by_name["ft.wordlab"]["kind"] == "fasttext" and by_name["ft.wordlab"]["subwords"]
    assert info["methods"][0] == "pca"


@pytest.mark.parametrize("model", ["glove.txt", "w2v.wordlab", "ft.wordlab"])
@pytest.mark.parametrize(("word", "k"), [("king", 10), ("paris", 3), ("blue", 25)])
def test_neighbors_equal_most_similar(served, reference, model, word, k):
    client, _ = served
    status, answer = client.get("/api/neighbors", model=model, word=word, k=k)
    assert status == 200 and answer["status"] == "known" and answer["word"] == word
    assert _pairs(answer["neighbors"]) == reference[model].most_similar(word, topn=k)


def test_neighbors_agree_with_a_direct_cosine_ranking(served, reference):
    client, _ = served
    v = reference["glove.txt"]
    _, answer = client.get("/api/neighbors", model="glove.txt", word="queen", k=7)
    assert [a["word"] for a in answer["neighbors"]] == _cosine_ranking(
        v, v["queen"].astype(np.float64), {"queen"}, 7
    )
    assert {a["word"] for a in answer["neighbors"][:3]} <= set(TOPICS["royal"])


def test_case_rule_and_missing_words(served, reference):
    client, _ = served
    status, answer = client.get("/api/neighbors", model="glove.txt", word="King", k=5)
    assert status == 200 and (answer["word"], answer["status"]) == ("king", "lowercased")
    assert _pairs(answer["neighbors"]) == reference["glove.txt"].most_similar("king", topn=5)
    status, answer = client.get("/api/neighbors", model="glove.txt", word="zebra", k=5)
    assert status == 200 and answer["status"] == "missing" and answer["neighbors"] == []
    assert "zebra" in answer["message"]
    # a word no model knows, with restrict: still a 200 that says so
    status, answer = client.get("/api/neighbors", model="w2v.wordlab", word="qq", restrict=5)
    assert status == 200 and answer["status"] == "missing"


def test_restrict_searches_the_first_rows(served, reference):
    client, _ = served
    _, answer = client.get("/api/neighbors", model="glove.txt", word="king", k=5, restrict=16)
    expected = reference["glove.txt"].most_similar("king", topn=5, restrict_vocab=16)
    assert _pairs(answer["neighbors"]) == expected
    assert all(reference["glove.txt"].index[w] < 16 for w, _ in expected)


def test_fasttext_answers_unseen_words_from_subwords(served, reference):
    client, _ = served
    ft = reference["ft.wordlab"]
    assert "kingdom" not in ft.index
    status, answer = client.get("/api/neighbors", model="ft.wordlab", word="kingdom", k=5)
    assert status == 200 and answer["status"] == "subword" and answer["word"] == "kingdom"
    assert _pairs(answer["neighbors"]) == ft.most_similar("kingdom", topn=5)
    # the other models say the word is missing
    _, other = client.get("/api/neighbors", model="w2v.wordlab", word="kingdom")
    assert other["status"] == "missing"
    _, sim = client.get("/api/similarity", model="ft.wordlab", w1="kingdom", w2="queen")
    assert sim["status"] == ["subword", "known"]
    assert sim["similarity"] == pytest.approx(ft.similarity("kingdom", "queen"), abs=1e-6)


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
@pytest.mark.parametrize("model", ["glove.txt", "w2v.wordlab", "ft.wordlab"])
def test_analogy_equals_vectors_analogy(served, reference, model, method):
    client, _ = served
    q = dict(a="france", b="paris", c="germany")
    status, answer = client.get("/api/analogy", model=model, k=5, method=method, **q)
    assert status == 200 and answer["method"] == method
    expected = reference[model].analogy("france", "paris", "germany", method=method, topn=5)
    assert _pairs(answer["answers"]) == expected


def test_3cosadd_agrees_with_a_direct_computation(served, reference):
    client, _ = served
    v = reference["glove.txt"]
    _, answer = client.get("/api/analogy", model="glove.txt", a="man", b="king", c="woman", k=3)
    # man and woman are not in the file: the answer says so
    assert answer["answers"] == [] and set(answer["status"].values()) == {"missing", "known"}
    _, answer = client.get("/api/analogy", model="glove.txt", a="cat", b="dog", c="red", k=4)
    unit = {w: v[w].astype(np.float64) / np.linalg.norm(v[w]) for w in ("cat", "dog", "red")}
    target = unit["dog"] + unit["red"] - unit["cat"]
    assert [a["word"] for a in answer["answers"]] == _cosine_ranking(
        v, target, {"cat", "dog", "red"}, 4
    )


def test_similarity_equals_cosine(served, reference):
    client, _ = served
    v = reference["glove.txt"]
    status, answer = client.get("/api/similarity", model="glove.txt", w1="cat", w2="Dog")
    assert status == 200 and answer["words"] == ["cat", "dog"]
    assert answer["similarity"] == v.similarity("cat", "dog")
    a, b = v["cat"].astype(np.float64), v["dog"].astype(np.float64)
    assert answer["similarity"] == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    _, answer = client.get("/api/similarity", model="glove.txt", w1="cat", w2="unicorn")
    assert answer["similarity"] is None and "unicorn" in answer["message"]


def test_pca_map_matches_principal_axes(served, reference):
    client, _ = served
    words = TOPICS["royal"] + TOPICS["place"] + ["nosuchword"]
    status, answer = client.post("/api/project", {"model": "glove.txt", "words": words})
    assert status == 200 and answer["method"] == "pca" and answer["missing"] == ["nosuchword"]
    assert [p["word"] for p in answer["points"]] == words[:-1]
    got = np.array([[p["x"], p["y"]] for p in answer["points"]])
    # independent: eigenvectors of the covariance of the unit vectors
    v = reference["glove.txt"]
    x = np.vstack([v[w] / np.linalg.norm(v[w]) for w in words[:-1]]).astype(np.float64)
    x -= x.mean(axis=0)
    values, vecs = np.linalg.eigh(x.T @ x)
    expected = x @ vecs[:, np.argsort(values)[::-1][:2]]
    for axis in range(2):
        sign = np.sign(got[:, axis] @ expected[:, axis])
        np.testing.assert_allclose(got[:, axis], sign * expected[:, axis], atol=1e-6)
    # the topics separate on the map: each point's nearest other point is from its own topic
    for i, w in enumerate(words[:-1]):
        d = np.linalg.norm(got - got[i], axis=1)
        d[i] = np.inf
        assert (words[int(np.argmin(d))] in TOPICS["royal"]) == (w in TOPICS["royal"])


def test_map_of_a_word_and_its_neighbours(served, reference):
    client, _ = served
    status, answer = client.post("/api/project", {"model": "ft.wordlab", "word": "Crown", "k": 6})
    assert status == 200 and len(answer["points"]) == 7
    first = answer["points"][0]
    assert (first["query"], first["word"], first["status"]) == ("Crown", "crown", "lowercased")
    near = [w for w, _ in reference["ft.wordlab"].most_similar("crown", topn=6)]
    assert [p["word"] for p in answer["points"][1:]] == near


def test_tsne_map_when_scikit_learn_is_installed(served):
    pytest.importorskip("sklearn")
    client, _ = served
    body = {"model": "glove.txt", "words": TOPICS["animal"] + TOPICS["colour"], "method": "tsne"}
    status, first = client.post("/api/project", body)
    assert status == 200 and len(first["points"]) == 16
    assert all(np.isfinite([p["x"], p["y"]]).all() for p in first["points"])
    assert client.post("/api/project", body)[1] == first  # seeded: the same map again
    status, answer = client.post("/api/project", {**body, "words": ["cat", "dog"]})
    assert status == 400 and "at least 4" in answer["error"]


def test_concurrent_requests_all_answered(served, reference):
    client, _ = served
    words = TOPICS["animal"] + TOPICS["place"]
    out: dict[str, list] = {}

    def ask(w: str) -> None:
        out[w] = _pairs(
            client.get("/api/neighbors", model="glove.txt", word=w, k=5)[1]["neighbors"]
        )

    threads = [threading.Thread(target=ask, args=(w,)) for w in words]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=TIMEOUT)
    assert out == {w: reference["glove.txt"].most_similar(w, topn=5) for w in words}


# ---- bad requests ------------------------------------------------------------------------------

BAD_GETS = [
    ("/api/neighbors", {"word": "king"}, "missing parameter 'model'"),
    ("/api/neighbors", {"model": "nope", "word": "king"}, "unknown model"),
    ("/api/neighbors", {"model": "../glove.txt", "word": "king"}, "unknown model"),
    ("/api/neighbors", {"model": "glove.txt"}, "missing parameter 'word'"),
    ("/api/neighbors", {"model": "glove.txt", "word": " "}, "empty"),
    ("/api/neighbors", {"model": "glove.txt", "word": "x" * (MAX_WORD + 1)}, "longer than"),
    ("/api/neighbors", {"model": "glove.txt", "word": "king", "k": "0"}, "between 1 and"),
    ("/api/neighbors", {"model": "glove.txt", "word": "king", "k": "ten"}, "whole number"),
    ("/api/neighbors", {"model": "glove.txt", "word": "king", "k": "99999999"}, "between"),
    ("/api/neighbors", {"model": "glove.txt", "word": "king", "kk": "3"}, "unknown parameter"),
    ("/api/neighbors", {"model": "glove.txt", "word": "king", "restrict": "0"}, "between"),
    ("/api/analogy", {"model": "glove.txt", "a": "a", "b": "b"}, "missing parameter 'c'"),
    ("/api/analogy", {"model": "glove.txt", "a": "a", "b": "b", "c": "c", "method": "add"}, "one of"),
    ("/api/similarity", {"model": "glove.txt", "w1": "cat"}, "missing parameter 'w2'"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "params", "message"), BAD_GETS)
def test_bad_get_is_400_with_a_json_message(served, path, params, message):
    client, _ = served
    status, answer = client.get(path, **params)
    assert status == 400 and answer["status"] == 400
    assert message in answer["error"] and "\n" not in answer["error"]


BAD_POSTS = [
    (b"not json", "not UTF-8 JSON"),
    (b"\xff\xfe", "not UTF-8 JSON"),
    (b"[1, 2]", "JSON object"),
    ({"words": ["cat"]}, "missing parameter 'model'"),
    ({"model": "glove.txt"}, "either 'words'"),
    ({"model": "glove.txt", "words": ["cat"], "word": "cat"}, "either 'words'"),
    ({"model": "glove.txt", "words": "cat dog"}, "non-empty list"),
    ({"model": "glove.txt", "words": []}, "non-empty list"),
    ({"model": "glove.txt", "words": [1, 2]}, "must be a string"),
    ({"model": "glove.txt", "words": ["cat"] * (MAX_WORDS + 1)}, f"more than {MAX_WORDS}"),
    ({"model": "glove.txt", "words": ["cat", "x" * 500]}, "longer than"),
    ({"model": "glove.txt", "words": ["cat"], "method": "mds"}, "one of"),
    ({"model": "glove.txt", "words": ["cat"], "k": 3}, "'k' goes with 'word'"),
    ({"model": "glove.txt", "word": "cat", "k": 0}, "between"),
    ({"model": "glove.txt", "word": "cat", "k": True}, "whole number"),
    ({"model": "glove.txt", "words": ["cat"], "path": "/etc/passwd"}, "unknown field"),
]


@pytest.mark.parametrize(("body", "message"), BAD_POSTS)
def test_bad_post_is_400_with_a_json_message(served, body, message):
    client, _ = served
    status, answer = client.post("/api/project", body)
    assert status == 400 and message in answer["error"]


def _raw(base: str, request: bytes) -> tuple[int, dict]:
    """Send bytes as they are and read one response: for requests urllib would not make."""
    host, port = urllib.parse.urlsplit(base).netloc.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        return resp.status, json.loads(resp.read())


def test_malformed_and_oversized_requests_are_json_errors(served):
    client, _ = served
    base = client.base
    status, answer = _raw(base, b"GET /a b HTTP/1.1\r\n\r\n")
    assert status == 400 and "Bad request syntax" in answer["error"]
    host, port = urllib.parse.urlsplit(base).netloc.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as sock:
        sock.sendall(b"GARBAGE\r\n\r\n")  # HTTP/0.9 style: the answer is a body alone
        assert json.loads(sock.makefile("rb").read())["status"] == 400
    big = f"POST /api/project HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n"
    status, answer = _raw(base, big.encode())
    assert status == 400 and "request body" in answer["error"]
    status, answer = _raw(base, b"POST /api/project HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert status == 400 and "Content-Length" in answer["error"]
    status, answer = _raw(base, b"DELETE /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert status == 501 and "DELETE" in answer["error"]
    # a page elsewhere reaching the server through DNS rebinding names its own host
    status, answer = _raw(base, b"GET /api/models HTTP/1.1\r\nHost: attacker.example\r\n\r\n")
    assert status == 400 and "localhost" in answer["error"]
    status, answer = _raw(base, b"GET /api/models HTTP/1.1\r\nHost: localhost:1\r\n\r\n")
    assert status == 200


def test_no_path_from_a_request_is_served(served):
    client, _ = served
    for path in ("/../pyproject.toml", "/static/app.js", "/wordlab/serve/server.py", "/api/x"):
        status, answer = _raw(
            client.base, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        )
        assert status == 404 and "error" in answer
    assert client.post("/api/models", {})[0] == 405


def test_page_loads_nothing_from_elsewhere(served):
    client, _ = served
    for path, kind in (
        ("/", "text/html"),
        ("/app.js", "text/javascript"),
        ("/style.css", "text/css"),
    ):
        with urllib.request.urlopen(client.base + path, timeout=TIMEOUT) as resp:
            assert resp.headers["Content-Type"].startswith(kind)
            assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
            text = resp.read().decode()
        # the only URL in any of them is the SVG namespace, an identifier that is never fetched
        assert "://" not in text.replace("http://www.w3.org/2000/svg", "")
        if path == "/":
            links = re.findall(r'(?:src|href)="([^"]*)"', text)
            assert sorted(links) == ["/app.js", "/style.css"]


# ---- evaluation table ----------------------------------------------------------------------------


def test_evaluation_rows_are_wordlab_evals(sources, tmp_path):
    from wordlab.evaluation.analogy import evaluate_analogy
    from wordlab.evaluation.similarity import evaluate_similarity

    sim = tmp_path / "sim.txt"
    sim.write_text("king queen 9\ncat dog 8\nred blue 7\nking cat 1\nparis red 2\nunicorn cat 3\n")
    ana = tmp_path / "ana.txt"
    ana.write_text(": capital\nfrance paris germany berlin\nitaly rome spain madrid\n"
                   ": gram-colour\nred blue green yellow\ncat dog unicorn horse\n")  # fmt: skip
    model = load_source(sources["glove"])
    rows = evaluate_models([model], [str(sim)], [str(ana)])
    v = Vectors.load(sources["glove"])
    assert rows["similarity"] == [{"model": "glove.txt", **evaluate_similarity(v, sim).to_dict()}]
    assert rows["analogy"] == [{"model": "glove.txt", **evaluate_analogy(v, ana).to_dict()}]
    assert rows["similarity"][0]["oov"] == 1 and rows["analogy"][0]["total"]["skipped"] == 1
    api = Api([model], rows)
    assert api.describe()["evaluation"] is True
    assert api.handle("GET", "/api/evaluation") == rows


# ---- the memory-mapped cache ---------------------------------------------------------------------


def test_cache_made_once_then_memory_mapped(tmp_path, monkeypatch):
    path = tmp_path / "v.txt"
    write_topic_vectors(path, filler=50)
    root = tmp_path / "cache"
    first, note = load_cached(path, root=root)
    assert "read once" in note and (cache_folder(path, None, None, root) / "stamp.json").exists()
    fresh = Vectors.load(path)

    def no_parsing(*args, **kwargs):
        raise AssertionError("the text file was parsed again")

    monkeypatch.setattr("wordlab.serve.cache.Vectors.load", no_parsing)
    second, note = load_cached(path, root=root)
    assert note.startswith("memory-mapped copy")
    assert isinstance(second.matrix.base, np.memmap) or isinstance(second.matrix, np.memmap)
    assert isinstance(second.unit_matrix, np.memmap)
    assert second.words == fresh.words
    np.testing.assert_array_equal(second.matrix, fresh.matrix)
    np.testing.assert_array_equal(second.unit_matrix, fresh.unit_matrix)
    for w in ("king", "cat", "filler3"):
        assert second.most_similar(w, topn=8) == fresh.most_similar(w, topn=8)
        assert second.analogy("cat", "dog", w, method="3cosmul", topn=3) == fresh.analogy(
            "cat", "dog", w, method="3cosmul", topn=3
        )
    monkeypatch.undo()

    # the file changes (size and mtime): read again, into the same folder
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("newword " + " ".join(["0.5"] * 24) + "\n")
    third, note = load_cached(path, root=root)
    assert "read once" in note and third.words[-1] == "newword"
    assert len(list(root.iterdir())) == 1
    # a copy cut short is never used: read again (replaced, not truncated in place: the copy
    # still mapped by `third` must keep its pages)
    expected = third.most_similar("king")
    unit = cache_folder(path, None, None, root) / "unit.npy"
    short = unit.with_name("short.tmp")
    short.write_bytes(unit.read_bytes()[:100])
    os.replace(short, unit)
    fourth, note = load_cached(path, root=root)
    assert "read once" in note and fourth.most_similar("king") == expected


def test_cache_defaults_to_wordlab_cache(tmp_path):
    path = tmp_path / "v.txt"
    write_topic_vectors(path, filler=5)
    model = load_source(path)
    assert model.kind == "vectors" and str(Path(os.environ["WORDLAB_CACHE"])) in model.source
    assert load_source(path, in_memory=True).source == "read into memory"


def test_cache_that_cannot_be_written_serves_from_memory(tmp_path):
    path = tmp_path / "v.txt"
    write_topic_vectors(path, filler=5)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")  # a cache folder below a file cannot be made, even by root
    vectors, note = load_cached(path, root=blocker / "cache")
    assert "no cached copy" in note and vectors.words == Vectors.load(path).words


# ---- the commands -----------------------------------------------------------------------------


def test_export_projector_files(sources, tmp_path, capsys):
    out = tmp_path / "projector"
    assert (
        main(["export", "projector", str(sources["glove"]), "--output", str(out), "--limit", "20"])
        == 0
    )
    assert "20 words" in capsys.readouterr().out
    v = Vectors.load(sources["glove"])
    rows = [line.split("\t") for line in (out / "vectors.tsv").read_text().splitlines()]
    matrix = np.array(rows, dtype=np.float64)
    assert matrix.shape == (20, v.dim)
    np.testing.assert_allclose(matrix, v.matrix[:20], rtol=1e-6, atol=1e-7)
    assert (out / "metadata.tsv").read_text(encoding="utf-8").splitlines() == v.words[:20]
    config = json.loads((out / "projector_config.json").read_text())
    assert config == {
        "embeddings": [
            {
                "tensorName": "glove.txt",
                "tensorShape": [20, v.dim],
                "tensorPath": "vectors.tsv",
                "metadataPath": "metadata.tsv",
            }
        ]
    }
    # a .wordlab model exports its .wv; --limit larger than the vocabulary keeps every word
    out2 = tmp_path / "ft"
    assert main(["export", "projector", str(sources["ft"]), "--output", str(out2)]) == 0
    from wordlab import FastText

    words = FastText.load(sources["ft"]).wv.words
    assert (out2 / "metadata.tsv").read_text(encoding="utf-8").splitlines() == words


def test_export_refuses_a_file_as_output(sources, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    argv = ["export", "projector", str(sources["glove"]), "--output", str(blocker)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("wordlab export: error:") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--port", "70000"], "--port"),
        (["--limit", "0"], "--limit"),
        (["--similarity", "missing.tsv"], "dataset file not found"),
    ],
)
def test_serve_refuses_bad_options_in_one_line(sources, capsys, extra, message):
    assert main(["serve", str(sources["glove"]), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wordlab serve: error:") and message in err and err.count("\n") == 1


def test_serve_refuses_a_missing_source_and_a_classifierless_kind(tmp_path, capsys):
    assert main(["serve", str(tmp_path / "nope.txt")]) == 2
    assert "not found" in capsys.readouterr().err
    from wordlab.modelio import save_model

    save_model(tmp_path / "odd.wordlab", {"x": np.zeros(2)}, {"kind": "elmo-thing"})
    assert main(["serve", str(tmp_path / "odd.wordlab")]) == 2
    assert "no word vectors to serve" in capsys.readouterr().err


def test_loopback_addresses():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.5", "example.org"))


def test_unique_names():
    assert unique_names(["a/v.txt", "b/v.txt", "m.wordlab", "c/v.txt"]) == [
        "v.txt", "v.txt-2", "m.wordlab", "v.txt-3",
    ]  # fmt: skip


def test_serve_command_end_to_end(sources, tmp_path):
    """`wordlab serve --port 0` as a user runs it: starts, answers, stops cleanly on Ctrl-C."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "wordlab", "serve", str(sources["glove"]), str(sources["ft"])]
    proc = subprocess.Popen(
        [*cmd, "--port", "0", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        url, lines, deadline = None, [], time.monotonic() + 120
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("serving"):
                url = line.split(" on ")[1].split()[0]
        assert url, "".join(lines) + proc.stderr.read()
        assert url.startswith("http://127.0.0.1:")
        status, info = Client(url.rstrip("/")).get("/api/models")
        assert status == 200 and [m["name"] for m in info["models"]] == ["glove.txt", "ft.wordlab"]
        assert any("glove.txt: 332 words, dim 24" in line for line in lines)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "stopped" in out and "warning" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)


def test_serve_warns_when_not_on_loopback(sources, monkeypatch, capsys):
    """No socket is opened: the server class is replaced by one that stops at once."""

    class StopAtOnce:
        url = "http://0.0.0.0:8765/"

        def __init__(self, host: str, port: int, api, quiet: bool = True) -> None:
            self.api, self.host = api, host

        def serve_forever(self) -> None:
            raise KeyboardInterrupt

        def server_close(self) -> None:
            pass

    monkeypatch.setattr("wordlab.serve.server.ExplorerServer", StopAtOnce)
    assert main(["serve", str(sources["glove"]), "--host", "0.0.0.0"]) == 0
    captured = capsys.readouterr()
    assert "warning: listening on 0.0.0.0" in captured.err and "stopped" in captured.out
    assert main(["serve", str(sources["glove"]), "--host", "127.0.0.1"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_port_in_use_is_reported_before_loading(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", str(tmp_path / "not-loaded.txt"), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "not-loaded" not in err

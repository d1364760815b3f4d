"""Tokenizers shared by every command that reads text: whitespace, simple, char and jieba.

`TextOptions` (wordlab/textread.py) names one of them and the normalisations to apply first; this
module does the work:

- `whitespace`: tokens are the runs of non-whitespace (what segmented text such as People's
  Daily needs);
- `simple`: words (letters, digits, inner apostrophes) and each punctuation mark;
- `char`: each CJK character (Han, kana, Hangul) a token; runs of other letters and digits stay
  words (`iPhone`, `1998`, `3.14`); each other mark a token;
- `jieba`: Chinese word segmentation, jieba's algorithm and dictionary (the optional extra
  `wordlab[zh]`) run by a compiled kernel (wordlab/kernels/segment.py) on worker threads:
  the same tokens as `jieba.cut(text)`, many times faster; `user_dict` is jieba's user
  dictionary format (`word [freq] [tag]` lines).

Before tokenizing: `normalize="nfkc"` folds full-width forms to half-width (`１２３ＡＢＣ，` ->
`123ABC,`) and `t2s` converts Traditional to Simplified Chinese (opencc-python-reimplemented,
also in `wordlab[zh]`).
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import unicodedata
from pathlib import Path

import numpy as np

from wordlab.errors import WordlabError

TOKENIZERS = ("whitespace", "simple", "char", "jieba")
NORMALIZE = ("none", "nfkc")
INSTALL_ZH = 'pip install "wordlab[zh]"'

_SIMPLE_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
# CJK: Han (with extensions and compatibility forms), kana, bopomofo, Hangul syllables
_CJK = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3040-\u30ff\u3105-\u312f\u31a0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
CJK_CHAR = re.compile(f"[{_CJK}]")
_NOT_CJK_WORD = rf"(?:(?![{_CJK}])\w)+"
_CHAR_TOKEN = re.compile(
    rf"[{_CJK}]|\d+(?:[.,]\d+)+|{_NOT_CJK_WORD}(?:['’]{_NOT_CJK_WORD})*|[^\w\s]|_", re.UNICODE
)
# pieces of a chunk segmented per kernel call: small enough to share among threads
_PIECE_CHARS = 1 << 17


def prepare(text: str, normalize: str = "none", t2s: bool = False, lowercase: bool = False) -> str:
    """Text normalised as asked before tokenizing: NFKC, then Traditional->Simplified, lower case."""
    if normalize == "nfkc":
        text = unicodedata.normalize("NFKC", text)
    if t2s:
        text = _opencc().convert(text)
    if lowercase:
        text = text.lower()
    return text


def tokenize(line: str, tokenizer: str, user_dict: str | None = None) -> list[str]:
    """The tokens of one (prepared) line."""
    if tokenizer == "whitespace":
        return line.split()
    if tokenizer == "simple":
        return _SIMPLE_TOKEN.findall(line)
    if tokenizer == "char":
        return _CHAR_TOKEN.findall(line)
    return jieba_segmenter(user_dict).segment(line).decode("utf-8", "surrogatepass").split()


def tokens_as_bytes(
    text: str, tokenizer: str, user_dict: str | None = None, threads: int = 0
) -> bytes:
    """A (prepared) chunk as UTF-8 tokens joined by single spaces, its newlines kept.

    jieba segments pieces of the chunk on `threads` threads (0: every usable core).
    """
    if tokenizer == "jieba":
        return jieba_segmenter(user_dict).segment(text, threads)
    lines = text.split("\n")
    return "\n".join(" ".join(tokenize(line, tokenizer)) for line in lines).encode(
        "utf-8", "surrogatepass"
    )


def usable_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# -- optional packages ---------------------------------------------------------------------------


def require_zh(what: str) -> None:
    """Stop with one line saying what to install when the `zh` extra is missing."""
    import importlib.util

    module = {"jieba": "jieba", "t2s": "opencc"}[what]
    if importlib.util.find_spec(module) is None:
        option = "--tokenizer jieba" if what == "jieba" else "--t2s"
        raise WordlabError(f"{option} needs the Chinese extra: {INSTALL_ZH}")


_OPENCC = None


def _opencc():
    global _OPENCC
    if _OPENCC is None:
        require_zh("t2s")
        from opencc import OpenCC

        _OPENCC = OpenCC("t2s")
    return _OPENCC


def jieba_version() -> str:
    """The installed jieba's version (its dictionary decides the tokens), or '' if absent."""
    try:
        from importlib.metadata import version

        return version("jieba")
    except Exception:
        return ""


def user_dict_stamp(path: str) -> str:
    """What identifies a user dictionary's content for caches: its path, size and mtime."""
    p = Path(path)
    if not p.is_file():
        raise WordlabError(f"--user-dict {path}: file not found")
    st = p.stat()
    return f"{p.resolve()}:{st.st_size}:{st.st_mtime_ns}"


# -- jieba, compiled -----------------------------------------------------------------------------

_SEGMENTERS: dict[str, JiebaSegmenter] = {}
_LOCK = threading.Lock()


def jieba_segmenter(user_dict: str | None = None) -> JiebaSegmenter:
    """The segmenter for jieba's dictionary (plus `user_dict`), built once per process and file."""
    key = user_dict_stamp(user_dict) if user_dict else ""
    with _LOCK:
        seg = _SEGMENTERS.get(key)
        if seg is None:
            seg = _SEGMENTERS[key] = JiebaSegmenter(user_dict)
    return seg


def _check_user_dict(path: str) -> None:
    """jieba reads a user dictionary as UTF-8 `word [freq] [tag]` lines: say which line is not."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise WordlabError(
                    f"{path}:{lineno}: not valid UTF-8 ({exc.reason} at byte {exc.start})"
                ) from None


class JiebaSegmenter:
    """jieba's dictionary and HMM as arrays for the compiled kernel (wordlab/kernels/segment.py)."""

    def __init__(self, user_dict: str | None = None) -> None:
        require_zh("jieba")
        import jieba
        import jieba.finalseg as finalseg

        from wordlab.kernels import segment as K

        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        cache = Path(os.environ.get("WORDLAB_CACHE", Path.home() / ".cache" / "wordlab"))
        tk.tmp_dir = str(cache / "jieba")  # jieba's own dictionary cache, not in /tmp
        Path(tk.tmp_dir).mkdir(parents=True, exist_ok=True)
        tk.initialize()
        if user_dict:
            _check_user_dict(user_dict)
            tk.load_userdict(user_dict)
        words = list(tk.FREQ)
        freqs = [tk.FREQ[w] for w in words]
        logtotal = math.log(tk.total)
        forced = finalseg.Force_Split_Words
        # jieba's score of a word: log(freq) - log(total), in Python floats as jieba has it
        scores = np.array([math.log(f) - logtotal if f else 0.0 for f in freqs], np.float64)
        flags = np.array(
            [(K.WORD if f else 0) | (K.FORCE_SPLIT if w in forced else 0) for w, f in zip(words, freqs, strict=True)],
            dtype=np.uint8,
        )  # fmt: skip
        chars = _code_points("".join(words))
        offsets = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, words), np.int64, len(words)), out=offsets[1:])
        size = 1 << max(16, int(2 * (len(words) + 1)).bit_length())
        self.shift = 64 - (size.bit_length() - 1)
        self.keys = np.zeros(size, dtype=np.int64)
        self.vals = np.zeros(size, dtype=np.int32)
        self.node_score = np.zeros(len(words) + 1, dtype=np.float64)
        self.node_flags = np.zeros(len(words) + 1, dtype=np.uint8)
        K.build_trie(chars, offsets, scores, flags, self.keys, self.vals, self.shift,
                     self.node_score, self.node_flags)  # fmt: skip
        self.no_word = 0.0 - logtotal  # jieba: log(1) - log(total) for a character not a word
        states = "BEMS"  # the kernel's state numbers: alphabetical
        self.start_p = np.array([finalseg.start_P[s] for s in states], np.float64)
        self.trans_p = np.full((4, 4), K.MIN_FLOAT, np.float64)
        for i, a in enumerate(states):
            for j, b in enumerate(states):
                self.trans_p[i, j] = finalseg.trans_P[a].get(b, K.MIN_FLOAT)
        self.emit = np.full((4, K.HAN_LAST - K.HAN_FIRST + 1), K.MIN_FLOAT, np.float64)
        for i, s in enumerate(states):
            for ch, p in finalseg.emit_P[s].items():
                if K.HAN_FIRST <= ord(ch) <= K.HAN_LAST:
                    self.emit[i, ord(ch) - K.HAN_FIRST] = p
        # what str.split() and jieba's `\s` skip, and NUL (a separator for the corpus encoder)
        self.space = np.array([chr(c).isspace() or c == 0 for c in range(0x3001)], np.bool_)
        self._kernel = K.segment
        self._dictionary = tk.get_dict_file
        self._user_tags = dict(tk.user_word_tag_tab)
        self._tags: dict[str, str] | None = None

    def tag(self, word: str) -> str | None:
        """The part-of-speech tag jieba's dictionary gives `word` (nr person, ns place, nt
        organisation, ...), or None: NER uses it as a gazetteer."""
        if self._tags is None:
            tags: dict[str, str] = {}
            with self._dictionary() as fh:
                for raw in fh:
                    parts = raw.decode("utf-8").split()
                    if len(parts) == 3:
                        tags[parts[0]] = parts[2]
            tags.update(self._user_tags)
            self._tags = tags
        return self._tags.get(word)

    def _run(self, cps: np.ndarray) -> bytes:
        out = np.empty(5 * cps.shape[0] + 8, dtype=np.uint8)
        n = self._kernel(cps, self.space, self.keys, self.vals, self.shift, self.node_score,
                         self.node_flags, self.no_word, self.emit, self.start_p, self.trans_p,
                         out)  # fmt: skip
        return out[:n].tobytes()

    def segment(self, text: str, threads: int = 1) -> bytes:
        """`text` as UTF-8 words joined by spaces, newlines kept; pieces on `threads` threads."""
        cps = _code_points(text)
        cuts = _piece_bounds(cps, self.space, _PIECE_CHARS)
        if len(cuts) <= 2:
            return self._run(cps)
        from wordlab.models.threads import run_jobs

        parts: list[bytes] = [b""] * (len(cuts) - 1)

        def work(job: int, worker: int) -> None:
            parts[job] = self._run(cps[cuts[job] : cuts[job + 1]])

        run_jobs(len(parts), work, threads or usable_cores())
        # a piece that starts after a newline starts a line; after other whitespace, a token
        glue = [b"" if cps[c - 1] == 10 else b" " for c in cuts[1:-1]]
        out = [parts[0]]
        for g, p in zip(glue, parts[1:], strict=True):
            if p and out[-1] and not out[-1].endswith(b"\n"):
                out.append(g)
            out.append(p)
        return b"".join(out)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(
        np.int32
    )


def _piece_bounds(cps: np.ndarray, space: np.ndarray, size: int) -> list[int]:
    """Cut points about `size` code points apart, each just after a newline (else whitespace).

    jieba never joins characters across whitespace, so cutting there changes no token.
    """
    n = cps.shape[0]
    is_space = (cps < space.shape[0]) & space[np.minimum(cps, space.shape[0] - 1)]
    newlines = np.flatnonzero(cps == 10)
    spaces = np.flatnonzero(is_space)
    cuts = [0]
    while n - cuts[-1] > size:
        lo = cuts[-1] + size
        k = np.searchsorted(newlines, lo)
        at = int(newlines[k]) if k < newlines.shape[0] else n
        if at - lo > size:  # no newline near: any whitespace will do
            k = np.searchsorted(spaces, lo)
            at = min(at, int(spaces[k]) if k < spaces.shape[0] else n)
        if at >= n - 1:
            break
        cuts.append(at + 1)
    cuts.append(n)
    return cuts


# -- labelled text (the classifier) --------------------------------------------------------------


def retokenize_labelled(
    tok: np.ndarray, distinct: list[bytes], tokenizer: str, label_prefix: str, threads: int = 0
) -> bytes:
    """Labelled lines (token ids, 0 ending a line) rewritten with `tokenizer`'s tokens.

    Each line's labels (tokens starting with `label_prefix`) come first, as they were; the rest
    of the line is tokenized and its tokens follow, separated by spaces. Where the labels stand
    makes no difference to fastText's model: they are taken out of the words either way.
    """
    prefix = label_prefix.encode("utf-8")
    is_label = [d.startswith(prefix) for d in distinct]
    is_label[0] = False  # the end of a line
    labels: list[bytes] = []
    texts: list[str] = []
    ends = np.flatnonzero(tok == 0).tolist()
    if not ends or ends[-1] != tok.shape[0] - 1:
        ends.append(tok.shape[0])
    start = 0
    for end in ends:
        ids = tok[start:end].tolist()
        labels.append(b" ".join(distinct[i] for i in ids if is_label[i]))
        words = b" ".join(distinct[i] for i in ids if not is_label[i])
        texts.append(words.decode("utf-8", "surrogateescape"))
        start = end + 1
    spaced = tokens_as_bytes("\n".join(texts), tokenizer, None, threads).split(b"\n")
    return b"".join(
        (lab + b" " + words if lab and words else lab or words) + b"\n"
        for lab, words in zip(labels, spaced, strict=True)
    )

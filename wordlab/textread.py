"""Reading text files for tokens: the options, pieces that end on whitespace, lines of tokens.

Every reader of text goes through here: `TextOptions` says how text becomes tokens (and is
saved with an encoded corpus), `iter_raw_pieces` reads any file (plain or compressed) in
bounded pieces that never cut a token or a character (`iter_token_bytes` hands them to the
compiled tokenizer, `iter_text_chunks` decoded), `iter_lines` gives Python token lists
to the models that want them (ELMo, NER). Encoding into token ids is wordlab.corpus's job.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from wordlab.errors import WordlabError
from wordlab.fileio import open_binary
from wordlab.tokenizers import (
    NORMALIZE,
    TOKENIZERS,
    jieba_version,
    prepare,
    require_zh,
    tokenize,
    tokens_as_bytes,
    user_dict_stamp,
)

CHUNK_BYTES = 1 << 22
_MAX_TOKEN_BYTES = 1 << 26
_WHITESPACE = b" \t\n\r\x0b\x0c"
# what str.split() splits on besides ASCII whitespace: chunks holding one take the slower path
_UNICODE_SPACE = re.compile("[\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
ENCODING_ERRORS = ("strict", "replace")


@dataclass(frozen=True)
class TextOptions:
    """How text becomes tokens; saved with the encoded corpus so a cache is reused only if equal.

    `tokenizer`: whitespace, simple, char or jieba (wordlab/tokenizers.py); `normalize="nfkc"`
    folds full-width forms to half-width and `t2s` converts Traditional to Simplified Chinese
    before tokenizing; `user_dict` is jieba's user dictionary. Segmentation threads are not
    an option of the text (the tokens do not depend on them): see `with_threads`.
    """

    lowercase: bool = False
    tokenizer: str = "whitespace"
    encoding_errors: str = "strict"
    normalize: str = "none"
    t2s: bool = False
    user_dict: str | None = None

    def __post_init__(self) -> None:
        if self.tokenizer not in TOKENIZERS:
            raise WordlabError(
                f"--tokenizer must be one of {', '.join(TOKENIZERS)}, not {self.tokenizer!r}"
            )
        if self.encoding_errors not in ENCODING_ERRORS:
            raise WordlabError(
                f"--encoding-errors must be one of {', '.join(ENCODING_ERRORS)}, not {self.encoding_errors!r}"
            )
        if self.normalize not in NORMALIZE:
            raise WordlabError(
                f"--normalize must be one of {', '.join(NORMALIZE)}, not {self.normalize!r}"
            )
        if self.user_dict is not None and self.tokenizer != "jieba":
            raise WordlabError("--user-dict is jieba's user dictionary: give --tokenizer jieba")
        if self.tokenizer == "jieba":
            require_zh("jieba")
        if self.t2s:
            require_zh("t2s")

    def with_threads(self, threads: int) -> TextOptions:
        """These options segmenting on `threads` threads (jieba); equal to self in every other way."""
        copy = replace(self)
        object.__setattr__(copy, "_threads", max(0, int(threads)))
        return copy

    def key(self) -> dict[str, object]:
        """What decides the tokens, as an encoded corpus's stamp and cache name record it.

        The options added after the first three (and jieba's version, user dictionary size and
        time) are folded into the tokenizer's entry, so caches made before them stay valid.
        """
        name = self.tokenizer
        if name == "jieba":
            name += f"({jieba_version()})"
            if self.user_dict:
                name += f"+dict={user_dict_stamp(self.user_dict)}"
        if self.normalize != "none":
            name += f"+{self.normalize}"
        if self.t2s:
            name += "+t2s"
        return {
            "lowercase": self.lowercase,
            "tokenizer": name,
            "encoding_errors": self.encoding_errors,
        }

    @property
    def changes_text(self) -> bool:
        """Whether `prepare` may change text (NFKC, Traditional->Simplified, lower case)."""
        return self.lowercase or self.normalize != "none" or self.t2s

    def prepare(self, text: str) -> str:
        """The text normalised as the options ask (NFKC, Traditional->Simplified, lower case)."""
        return prepare(text, self.normalize, self.t2s, self.lowercase)

    def tokenize(self, line: str) -> list[str]:
        """Split one line of text into tokens with the options' normalisation and tokenizer."""
        return tokenize(self.prepare(line), self.tokenizer, self.user_dict)

    def chunk_bytes(self, text: str) -> bytes:
        """A chunk as UTF-8 bytes whose tokens are its runs of non-whitespace bytes.

        Plain ASCII-whitespace text passes as it is (the compiled tokenizer splits it); text with
        Unicode spaces, normalisation, lower-casing or another tokenizer is first rewritten, line
        by line, as tokens joined by single spaces, so both paths give exactly `tokenize`'s tokens.
        """
        text = self.prepare(text)
        if self.tokenizer == "whitespace" and not _UNICODE_SPACE.search(text):
            return text.encode("utf-8", "surrogatepass")
        return tokens_as_bytes(text, self.tokenizer, self.user_dict, getattr(self, "_threads", 0))


def _last_whitespace(buf: bytes | bytearray) -> int:
    """Index just after the last ASCII whitespace byte in `buf`, or -1 if there is none."""
    best = -1
    for b in _WHITESPACE:
        k = buf.rfind(bytes([b]))
        if k > best:
            best = k
    return best + 1 if best >= 0 else -1


def iter_text_chunks(
    path: str | os.PathLike, errors: str = "strict", chunk_bytes: int = CHUNK_BYTES
) -> Iterator[str]:
    """Yield the decoded text of `path` in pieces that end on whitespace, so no token is cut.

    Bounded memory whatever the line length (text8 is one 100 MB line). UTF-8 multi-byte
    sequences never contain ASCII whitespace bytes, so cutting there never splits a character.
    """
    for offset, raw in iter_raw_pieces(path, chunk_bytes):
        yield _decode(raw, path, offset, errors)


def iter_token_bytes(
    path: str | os.PathLike,
    options: TextOptions,
    chunk_bytes: int = CHUNK_BYTES,
    start: int = 0,
    stop: int | None = None,
) -> Iterator[tuple[int, int, bytes]]:
    """Pieces of bytes [start, stop) of `path` as the compiled tokenizer splits them:
    (offset in the file, bytes of the file the piece covers, the bytes to tokenize).

    An ASCII piece whose options leave text as it is passes as read: no decoded copy and no
    re-encoded one (a 4 MB piece held three times was most of a vocabulary count's memory
    beside its word table). Any other piece is decoded and rewritten by `TextOptions.chunk_bytes`,
    so its length may differ from the file's bytes it covers.
    """
    as_read = options.tokenizer == "whitespace" and not options.changes_text
    for offset, raw in iter_raw_pieces(path, chunk_bytes, start, stop):
        if as_read and raw.isascii():
            yield offset, len(raw), raw
        else:
            text = _decode(raw, path, offset, options.encoding_errors)
            yield offset, len(raw), options.chunk_bytes(text)


def iter_raw_pieces(
    path: str | os.PathLike, chunk_bytes: int = CHUNK_BYTES, start: int = 0, stop: int | None = None
) -> Iterator[tuple[int, bytes]]:
    """Bytes [start, stop) of `path` in pieces that end on ASCII whitespace, with their offsets.

    Each piece is one copy of what was read (the blocks of a token carried over and the block up
    to its last whitespace); the block itself is dropped before the piece is handed on.
    """
    offset = start  # byte offset of the first carried block in the decompressed stream
    left = None if stop is None else stop - start
    carried: list[bytes] = []  # blocks since the last whitespace (one token's bytes)
    n_carried = 0
    with open_binary(path) as fh:
        seek_stream(fh, start)
        while left is None or left > 0:
            block = fh.read(chunk_bytes if left is None else min(chunk_bytes, left))
            if not block:
                break
            if left is not None:
                left -= len(block)
            cut = _last_whitespace(block)
            if cut < 0:
                carried.append(block)
                n_carried += len(block)
                if n_carried > _MAX_TOKEN_BYTES:
                    raise WordlabError(
                        f"{path}: no whitespace in {n_carried:,} bytes from byte offset {offset}"
                    )
                continue
            if carried or cut < len(block):
                piece = b"".join([*carried, memoryview(block)[:cut]])
                carried, n_carried = [block[cut:]], len(block) - cut
            else:
                piece = block
            del block
            yield offset, piece
            offset += len(piece)
        if n_carried:
            yield offset, b"".join(carried)


def seek_stream(fh, n: int) -> None:
    """Move a stream opened by `open_binary` `n` bytes on: a seek, or reading a compressed one."""
    if fh.seekable():
        fh.seek(n)
        return
    while n > 0:
        got = len(fh.read(min(n, 1 << 22)))
        if not got:
            return
        n -= got


def _decode(data: bytes, path: str | os.PathLike, offset: int, errors: str) -> str:
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as exc:
        raise WordlabError(
            f"{path}: invalid UTF-8 at byte offset {offset + exc.start} "
            "(pass --encoding-errors replace to substitute U+FFFD)"
        ) from None


def iter_lines(
    path: str | os.PathLike, options: TextOptions = TextOptions()
) -> Iterator[list[str]]:
    """Yield the tokens of each line (a very long line may come in several consecutive pieces).

    For models that want Python token lists (ELMo, NER); trainers use `encode_corpus` instead.
    """
    carry: list[str] = []
    for chunk in iter_text_chunks(path, options.encoding_errors):
        pieces = chunk.split("\n")
        for k, piece in enumerate(pieces):
            tokens = options.tokenize(piece)
            if k == len(pieces) - 1 and not chunk.endswith("\n"):
                carry.extend(tokens)
                if len(carry) > 100_000:
                    yield carry
                    carry = []
                continue
            if carry:
                tokens = carry + tokens
                carry = []
            if tokens:
                yield tokens
    if carry:
        yield carry

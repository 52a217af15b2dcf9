"""Bytes → text, recording how: the decode stage of ingest.

Order of trust: a byte-order mark; BOM-less UTF-16 recognised by its NUL pattern; strict UTF-8
(the fast path: nearly every modern file); a charset the page itself declares; UTF-8 with stray
cp1252 bytes (``utf-8+cp1252``); Western single-byte text (cp1252, labelled ``latin-1`` when it
uses no cp1252-only byte); and only then charset-normalizer, restricted to encodings news text
is really written in. Binary files are refused before any guessing. Mojibake
(``donâ€™t``) is repaired with ftfy's encoding fixes alone, and only when a cheap check finds
its markers, so correct text is never touched.

>>> decode("caf\\xe9 \\xa35".encode("latin-1"))
Decoded(text='café £5', encoding='latin-1')
>>> decode("don\\u00e2\\u20ac\\u2122t".encode("utf-8"))
Decoded(text='don’t', encoding='utf-8+ftfy')
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..errors import Skip

SAMPLE_BYTES = 65_536  # what the binary and UTF-16 sniffers look at

# Binary formats that are sometimes named .txt/.html by scrapers.
# (Anything else binary is caught by its share of control bytes.)
_MAGIC = (
    b"%PDF-", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
    b"\x7fELF", b"\xfd7zXZ", b"Rar!\x1a", b"7z\xbc\xaf", b"\xd0\xcf\x11\xe0",  # last: MS Office
)  # fmt: skip
_CONTROL_BYTES = frozenset([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
# Deleting every non-control byte leaves the control bytes to count, at C speed.
_NON_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_BINARY_CONTROL_SHARE = 0.05  # text has ~0 control bytes; random bytes have ~11 %

BOMS = (  # (mark, codec); UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Encodings charset-normalizer may choose from. DOS and Mac code pages are left out on purpose:
# on mostly-ASCII text they win by accident (cp775, cp850 and cp1006 did, on real files).
_LEGACY = (
    "cp1252", "cp1250", "cp1251", "koi8_r", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
    "cp874", "iso8859_2", "iso8859_5", "iso8859_7", "iso8859_8", "iso8859_15",
    "gb18030", "big5", "shift_jis", "euc_jp", "iso2022_jp", "euc_kr",
)  # fmt: skip

# WHATWG rule: pages declaring these really mean the superset.
_DECLARED_ALIASES = {
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "iso8859-1": "cp1252", "gb2312": "gb18030", "gbk": "gb18030",
    "x-sjis": "shift_jis", "ks_c_5601-1987": "euc_kr",
}  # fmt: skip

_LABELS = {"iso8859-1": "latin-1", "shift_jis": "shift_jis"}

# A Western single-byte decoding is implausible when these sit between two letters
# ("Za¿ó³æ" is Polish cp1250 read as cp1252), or when accented letters are a large share.
_NOT_IN_WORDS = frozenset("¡¢£¤¥¦§¨ª«¬®¯°±²³µ¶¸¹º»¼½¾¿×÷‚ƒ„†‡ˆ‰‹›•˜™€")
_MAX_ACCENTED_SHARE = 0.1  # of all letters (plus 2, for short texts like "café £5")
_MAX_ACCENTED_RUN = 3  # "Ïðèâåò" is Cyrillic read as cp1252; Western words mix in ASCII
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_NOT_ASCII_LETTER = bytes(b for b in range(256) if b not in _ASCII_LETTERS)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_C1_BYTES = re.compile(rb"[\x80-\x9f]")  # where cp1252 and Latin-1 differ
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CP1252_FALLBACK = "newsarchive.cp1252-fallback"  # codec error handler, registered below

# UTF-8 read as cp1252/Latin-1: a lead byte (Â..ô) followed by what a continuation byte
# (0x80..0xBF) becomes in either code page. Correct text almost never has such a pair.
_CONTINUATION = "".join(
    sorted({bytes([b]).decode("latin-1") for b in range(0x80, 0xC0)}
           | {bytes([b]).decode("cp1252", "ignore") for b in range(0x80, 0xC0)} - {""})
)  # fmt: skip
_MOJIBAKE = re.compile(f"[\u00c2-\u00f4][{re.escape(_CONTINUATION)}]")

# normalise(): what each odd character becomes ("" = removed). Zero-width joiner/non-joiner and
# bidi marks are kept: they are spelling in Persian, Indic scripts, emoji and RTL text.
_LINE_BREAKS = {
    "\r": "\n",
    "\x0b": "\n",
    "\x0c": "\n",
    "\x85": "\n",
    "\u2028": "\n",
    "\u2029": "\n",
}
_SPACES = (
    "\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)
_REMOVED = (
    "".join(chr(c) for c in range(0x20) if chr(c) not in "\n\t\r\x0b\x0c")
    + "".join(chr(c) for c in range(0x7F, 0xA0) if c != 0x85)
    + "\xad\u180e\u200b\u2060\ufeff"
)
_ODD_MAP = {**_LINE_BREAKS, **dict.fromkeys(_SPACES, " "), **dict.fromkeys(_REMOVED, "")}
_ODD = re.compile("[" + re.escape("".join(_ODD_MAP)) + "]")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text and the encoding used (``+ftfy`` when mojibake was repaired)."""

    text: str
    encoding: str


def decode(data: bytes, *, declared: str | None = None) -> Decoded:
    """Decode ``data``, trying the likeliest encodings first; raise :class:`Skip` if it is not text.

    ``declared`` is a charset the document names itself (an HTML ``<meta charset>``); it is tried
    after UTF-8, before guessing.

    >>> decode(b"\\xef\\xbb\\xbfHello")
    Decoded(text='Hello', encoding='utf-8-sig')
    >>> decode("“Fair”".encode("cp1252"))
    Decoded(text='“Fair”', encoding='cp1252')
    """
    if not data or data.isspace():
        raise Skip("empty", "0 bytes" if not data else "only whitespace")
    decoded = _by_bom(data) or _by_nul_pattern(data)
    if decoded is None:
        _reject_binary(data)
        decoded = (
            _strict(data, "utf-8", "utf-8")
            or (_by_declaration(data, declared) if declared else None)
            or _mixed(data)
            or _western(data)
            or _detected(data)
        )
        if decoded is None:
            raise Skip("undecodable", "not UTF-8 and no likely legacy encoding fits")
    if not decoded.text or decoded.text.isspace():  # no copy: the text may be a huge file
        raise Skip("empty", "only whitespace")
    return _repaired(decoded)


def repair(text: str) -> str | None:
    """The text with mojibake repaired, or ``None`` if it has none (the usual, cheap case).

    >>> repair("Ã©tÃ© 2017")
    'été 2017'
    >>> repair("été 2017") is None
    True
    """
    if not _MOJIBAKE.search(text):
        return None
    import ftfy  # lazy: only texts with mojibake markers pay for it

    fixed: str = ftfy.fix_text(text, _ftfy_config())
    # ftfy marks unrecoverable sequences with U+FFFD; a lossy "repair" is no repair.
    if fixed == text or fixed.count("\ufffd") > text.count("\ufffd"):
        return None
    return fixed


def normalise(text: str, *, max_line_chars: int = 200_000) -> str:
    """Text the later stages can trust: NFC, ``\\n`` line ends, plain spaces, no stray controls.

    Unicode spaces (NBSP, U+3000 …) become ``" "``; C0/C1 controls other than ``\\n``/``\\t``,
    zero-width spaces, soft hyphens and BOMs are removed; trailing spaces are stripped. A line
    longer than ``max_line_chars`` is broken (at a space if one is near) rather than cut off,
    so nothing is lost. Pure and idempotent.

    >>> normalise("Cafe\\u0301\\xa0\\u200bnews  \\r\\nline\\x00 two\\r")
    'Café news\\nline two\\n'
    """
    text = text.replace("\r\n", "\n")
    if _ODD.search(text):
        text = _ODD.sub(lambda m: _ODD_MAP[m.group()], text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        text = _TRAILING.sub("", text)
    if len(text) > max_line_chars:
        lines = text.split("\n")
        if max(map(len, lines)) > max_line_chars:  # at C speed, even for a million short lines
            text = "\n".join(_break_line(line, max_line_chars) for line in lines)
    return text


# Terminal escape sequences (CSI such as colours, OSC such as "set the window title", and
# two-character ESC sequences) are removed whole: stripping ESC alone would leave "]0;title".
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]?"
)
_CONTROL_CHARS = re.compile("[\x00-\x1f\x7f-\x9f]+")


def strip_escapes(text: str) -> str:
    """``text`` without terminal escape sequences (ESC ``[``…, ESC ``]``…BEL): never text, and a
    parser or :func:`normalise` that drops the ESC alone would keep the rest as words.

    >>> strip_escapes("\\x1b[31mred\\x1b[0m alert")
    'red alert'
    """
    return _ESCAPE_SEQUENCE.sub("", text) if "\x1b" in text or "\x9b" in text else text


def one_line(text: str) -> str:
    """A title, name or source as one clean line: escape sequences and control characters
    removed (line breaks and tabs become spaces), spaces collapsed.

    >>> one_line("\\x1b]0;pwned\\x07Council \\x1b[31mbudget\\x1b[0m\\n agreed")
    'Council budget agreed'
    """
    if _CONTROL_CHARS.search(text):
        text = _CONTROL_CHARS.sub(" ", _ESCAPE_SEQUENCE.sub("", text))
        text = " ".join(text.split())
    return text


# Hard-wrapped text (wire dumps, Reuters-21578): lines broken at a near-constant width, with no
# blank line between paragraphs. Wrapping widths seen in such dumps are 60-80 columns.
_WRAP_MIN, _WRAP_MAX = 55, 100  # verse (Arabic poems: ~40 columns) is not wrapped prose
_WRAP_MIN_LINES = 4
_WRAP_SHARE = 0.6  # of the lines that could be wrapped, at least this share must look wrapped
_SENTENCE_END = (".", "!", "?", ":", '"', "”", "’", "'")


def _wrapped(line: str, following: str, width: int) -> bool:
    """Was ``line`` broken only because the next word did not fit in ``width`` columns?"""
    if not line.strip() or not following.strip() or following[:1].isspace():
        return False  # a blank line or an indented line starts a paragraph
    word = following.split(None, 1)[0]
    return len(line.rstrip()) + 1 + len(word) > width - 2


def unwrap(text: str) -> tuple[str, str | None]:
    """``text`` with its hard-wrapped lines joined, and a note saying so (None if not wrapped).

    A line is joined to the next when the next line's first word would not have fitted on it
    (so the wrapping put it there), unless the next line is blank or indented (a new paragraph).
    A short line ends its paragraph, unless it stops mid-sentence and the next line starts in
    lower case. Text is taken as wrapped only when its lines are at most
    ~100 columns and most of them look wrapped.

    >>> text, note = unwrap("Oil prices rose sharply on Monday after the oil ministers\\nmet in Vienna and agreed to cut their output by a tenth,\\ntraders in London and New York said.\\n    Analysts expect the cartel to agree on more cuts before\\nthe end of the year, they said.")
    >>> print(text)
    Oil prices rose sharply on Monday after the oil ministers met in Vienna and agreed to cut their output by a tenth, traders in London and New York said.
        Analysts expect the cartel to agree on more cuts before the end of the year, they said.
    >>> note
    'unwrapped: 3 line breaks joined (lines wrapped at 59 characters)'
    """
    if text.count("\n") < _WRAP_MIN_LINES - 1:
        return text, None
    lines = text.split("\n")
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(lengths) < _WRAP_MIN_LINES:
        return text, None
    width = lengths[min(len(lengths) - 1, int(len(lengths) * 0.9))]  # a few long lines aside
    if not _WRAP_MIN <= width <= _WRAP_MAX or lengths[-1] > _WRAP_MAX + 20:
        return text, None
    # pairs of lines the wrapping may have split: the second neither blank nor indented
    candidates = [
        i
        for i in range(len(lines) - 1)
        if lines[i].strip() and lines[i + 1].strip() and not lines[i + 1][:1].isspace()
    ]
    joins = {i for i in candidates if _wrapped(lines[i], lines[i + 1], width)}
    # lines ending a sentence and followed by a capital may be one-sentence paragraphs
    mid_sentence = [i for i in joins if not lines[i].rstrip().endswith(_SENTENCE_END)]
    if len(candidates) < _WRAP_MIN_LINES - 1 or len(joins) < _WRAP_SHARE * len(candidates):
        return text, None
    if len(mid_sentence) < len(joins) / 2:
        return text, None
    # In wrapped text a short line that stops mid-sentence before a lower-case word goes on too
    # (a dateline cut off the first line leaves it short).
    joins |= {
        i
        for i in candidates
        if lines[i + 1][:1].islower() and not lines[i].rstrip().endswith(_SENTENCE_END)
    }
    out = [lines[0]]
    for i in range(1, len(lines)):
        if i - 1 in joins:
            out[-1] = out[-1].rstrip() + " " + lines[i].lstrip()
        else:
            out.append(lines[i])
    note = f"unwrapped: {len(joins)} line breaks joined (lines wrapped at {width} characters)"
    return "\n".join(out), note


def _break_line(line: str, width: int) -> str:
    """``line`` in pieces of at most ``width`` characters, broken at a space when one is near."""
    parts: list[str] = []
    start = 0
    while len(line) - start > width:
        space = line.rfind(" ", start + width // 2, start + width + 1)
        end = space if space > start else start + width
        parts.append(line[start:end].rstrip(" \t"))
        start = end
        while line.startswith(" ", start):  # the break replaces the spaces it falls on
            start += 1
    parts.append(line[start:])
    return "\n".join(parts)


# --- the decoders, in order of trust ------------------------------------------------------------


def _strict(data: bytes, codec: str, label: str) -> Decoded | None:
    try:
        return Decoded(data.decode(codec), label)
    except (UnicodeDecodeError, LookupError):
        return None


def _by_bom(data: bytes) -> Decoded | None:
    for bom, codec in BOMS:
        if data.startswith(bom):
            decoded = _strict(data, codec, codec)
            if decoded is None:
                raise Skip("undecodable", f"has a {codec} byte-order mark but is not {codec}")
            return decoded
    return None


def _by_nul_pattern(data: bytes) -> Decoded | None:
    """BOM-less UTF-16: Latin-script text has a NUL in every other byte, on one side only."""
    sample = data[: SAMPLE_BYTES & ~1]
    if b"\x00" not in sample:
        return None
    pairs = len(sample) // 2 or 1
    even, odd = sample[0::2].count(0) / pairs, sample[1::2].count(0) / pairs
    if odd > 0.3 and even < 0.05:
        return _strict(data, "utf-16-le", "utf-16-le")
    if even > 0.3 and odd < 0.05:
        return _strict(data, "utf-16-be", "utf-16-be")
    return None


def _reject_binary(data: bytes) -> None:
    if data.startswith(_MAGIC):
        raise Skip("binary", f"starts like a binary file ({data[:4]!r})")
    sample = data[:SAMPLE_BYTES]
    controls = len(sample.translate(None, _NON_CONTROL))
    if controls > _BINARY_CONTROL_SHARE * len(sample):
        raise Skip("binary", f"{controls} control bytes in the first {len(sample)}")


def _by_declaration(data: bytes, declared: str) -> Decoded | None:
    name = declared.strip().lower()
    codec = _DECLARED_ALIASES.get(name, name)
    if codec == "cp1252":  # a declared Latin-1 page still gets the Western labelling rules
        return _western(data)
    try:
        label = _label(codecs.lookup(codec).name)
    except LookupError:
        return None
    if label.startswith(("utf-16", "utf-32", "utf-7")):  # never right for a page read as bytes
        return None
    return _strict(data, codec, label)


def _western(data: bytes) -> Decoded | None:
    """cp1252 if the result reads like Western text; labelled latin-1 when the bytes are ISO-8859-1."""
    text = _strict(data, "cp1252", "cp1252")
    if text is None or not _plausibly_western(text.text, data):
        return None
    return text if _C1_BYTES.search(data) else Decoded(text.text, "latin-1")


def _mixed(data: bytes) -> Decoded | None:
    """UTF-8 with stray cp1252 bytes (text pasted together from two sources), if that is what it is.

    The bytes left once every valid UTF-8 sequence is taken out must read as Western text, else
    this is some legacy encoding whose byte pairs happen to look like UTF-8 (cp1251's "С»").
    """
    rest = _UTF8_SEQUENCE.sub(b"a", data)
    if len(rest) == len(data) or _western(rest) is None:
        return None
    return Decoded(data.decode("utf-8", _CP1252_FALLBACK), "utf-8+cp1252")


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    byte = error.object[error.start : error.start + 1]
    try:
        char = byte.decode("cp1252")
    except UnicodeDecodeError:  # one of the five bytes cp1252 leaves undefined
        char = byte.decode("latin-1")
    return char, error.start + 1


def _plausibly_western(text: str, data: bytes) -> bool:
    """Accented letters few and apart, no symbol inside a word (``Za¿ó³æ``, ``Ïðèâåò`` fail)."""
    accented, run, last = 0, 0, -2
    for m in _NON_ASCII.finditer(text):
        ch, i = m.group(), m.start()
        if ch.isalpha():
            accented += 1
            run = run + 1 if i == last + 1 else 1
            last = i
            if run >= _MAX_ACCENTED_RUN:
                return False
        elif ch in _NOT_IN_WORDS and _between_letters(text, i):
            return False
    letters = accented + len(data.translate(None, _NOT_ASCII_LETTER))
    return accented <= _MAX_ACCENTED_SHARE * letters + 2


def _between_letters(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()


def _detected(data: bytes) -> Decoded | None:
    from charset_normalizer import from_bytes  # lazy: only non-UTF-8, non-Western input

    for match in from_bytes(data, cp_isolation=list(_LEGACY)):
        decoded = _strict(data, match.encoding, _label(match.encoding))
        if decoded is not None:
            return decoded
    return None


def _repaired(decoded: Decoded) -> Decoded:
    fixed = repair(decoded.text)
    return decoded if fixed is None else Decoded(fixed, decoded.encoding + "+ftfy")


def _label(codec_name: str) -> str:
    """Conventional spelling of a Python codec name: ``iso8859-2`` → ``iso-8859-2``."""
    name = codecs.lookup(codec_name).name
    if name in _LABELS:
        return _LABELS[name]
    return name.replace("iso8859-", "iso-8859-").replace("_", "-")


@cache
def _ftfy_config() -> Any:
    import ftfy

    # Only the encoding fixes: anything else (quotes, widths, ligatures, NFC) would change
    # correct text, and normalise() does the rest.
    return ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        replace_lossy_sequences=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )


codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)

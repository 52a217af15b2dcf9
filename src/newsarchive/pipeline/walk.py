"""Find what an ingest run reads: :func:`iter_inputs` walks the PATH arguments (files, folders,
globs) lazily and in a stable order, reads dumps row by row and applies manifests. Every file it
meets comes out as an :class:`~.inputs.Input` or as a :class:`~.inputs.Rejected` with a reason,
so a run can account for all of them.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..errors import Skip, SkipReason, UsageError
from ..settings import Settings
from .dumps import dump_rows, text_lines
from .inputs import (
    ARCHIVE_FORMATS,
    ARTICLE_FORMATS,
    DUMP_FORMATS,
    MANIFEST_NAME,
    DumpColumns,
    Input,
    Rejected,
    escape_path,
    inside,
)
from .manifests import Manifest, explicit_manifest, read_manifest
from .reading import as_skip, check_field_names, file_kind, os_skip, read_input
from .sgml import SGML_FORMATS, records

_NOT_ARTICLES = re.compile(r"(?:readme|licen[cs]e|copying|changelog|notice)\b", re.IGNORECASE)
_GLOB_MAGIC = re.compile(r"[*?[]")
_DEFAULT_COLUMNS = DumpColumns()  # text, title, date, url, source, author


def iter_inputs(
    paths: Sequence[str],
    *,
    manifest: str | None = None,
    columns: DumpColumns = _DEFAULT_COLUMNS,
    settings: Settings,
    follow_links: bool = False,
) -> Iterator[Input | Rejected]:
    """Every input under ``paths``, in a stable order, each an :class:`Input` or a :class:`Rejected`.

    Raises :class:`UsageError` at once (not on first iteration) when ``manifest`` cannot be used
    or when none of ``paths`` exists. With no ``paths``, the files ``manifest`` lists are read.

    A symbolic link found in a folder that leads outside every PATH folder, and a manifest row
    that names a file outside the manifest's folder, are rejected as ``outside-root`` unless
    ``follow_links`` (a link to ``/etc`` would otherwise walk all of it).
    """
    explicit = explicit_manifest(manifest, settings, follow_links) if manifest else None
    if not paths and explicit is None:
        raise UsageError("no input paths given")
    targets = [_target(p) for p in paths]
    missing = [arg for arg, kind in targets if kind == "missing"]
    if targets and len(missing) == len(targets):
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return _InputWalk(settings, columns, explicit, follow_links).run(targets)


def _target(arg: str) -> tuple[str, str]:
    """``(arg, kind)``: kind is ``dir``, ``file``, ``glob`` or ``missing``."""
    if os.path.lexists(arg):
        return arg, "dir" if os.path.isdir(arg) else "file"
    if _GLOB_MAGIC.search(arg) and next(_Glob(arg).matches(), None) is not None:
        return arg, "glob"
    return arg, "missing"


def _classify(name: str) -> tuple[str | None, SkipReason | None, str]:
    """``(format, None, "")`` for an input file, or ``(None, reason, detail)``."""
    inner = name[:-3] if name.lower().endswith(".gz") else name
    ext = os.path.splitext(inner)[1].lower()
    if name.startswith("."):
        return None, "not-an-article", "hidden file"
    if name.lower() == MANIFEST_NAME:
        return None, "not-an-article", "a manifest"
    if ext == ".dtd":
        return None, "not-an-article", "an SGML document type definition"
    if _NOT_ARTICLES.match(inner):
        return None, "not-an-article", "documentation, not an article"
    fmt = (
        ARTICLE_FORMATS.get(ext)
        or DUMP_FORMATS.get(ext)
        or SGML_FORMATS.get(ext)
        or ARCHIVE_FORMATS.get(ext)
    )
    if fmt is None:
        known = ", ".join([*ARTICLE_FORMATS, *DUMP_FORMATS, *SGML_FORMATS, *ARCHIVE_FORMATS])
        return (
            None,
            "unsupported",
            f"{ext or 'no extension'}; readable: {known} and their .gz forms",
        )
    return fmt, None, ""


class _Glob:
    """A glob (``*``, ``?``, ``[...]``, ``**``) walked from its fixed base folder, sorted."""

    def __init__(self, pattern: str) -> None:
        parts = os.path.abspath(pattern).split(os.sep)
        fixed = next(i for i, p in enumerate(parts) if _GLOB_MAGIC.search(p))
        self.base = os.sep.join(parts[:fixed]) or os.sep
        self.parts = parts[fixed:]
        self.deep = "**" in self.parts
        self.regex = re.compile(_glob_regex(self.parts))

    def wants(self, rel: str) -> bool:
        return self.regex.fullmatch(rel) is not None

    def may_hold(self, rel: str) -> bool:
        """Whether a folder at ``rel`` could hold matches (prunes the walk of ``a/*/b``)."""
        return self.deep or rel.count("/") + 1 < len(self.parts)

    def matches(self) -> Iterator[str]:
        """Matching paths, in no particular order (only to test that any exist)."""
        stack, seen = [(self.base, "")], set()
        while stack:
            folder, rel = stack.pop()
            try:
                st = os.stat(folder)
                names = os.listdir(folder)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in seen:  # a symlink loop
                continue
            seen.add((st.st_dev, st.st_ino))
            for name in names:
                sub = f"{rel}/{name}" if rel else name
                if self.wants(sub):
                    yield os.path.join(folder, name)
                elif self.may_hold(sub) and os.path.isdir(os.path.join(folder, name)):
                    stack.append((os.path.join(folder, name), sub))


def _glob_regex(parts: list[str]) -> str:
    out: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:.*/)?")
            continue
        out.append(_glob_part(part) + ("" if last else "/"))
    return "".join(out)


def _glob_part(part: str) -> str:
    """One path component of a glob as a regex; like the shell, wildcards skip dot-files."""
    out, i = [] if part.startswith(".") else [r"(?!\.)"], 0
    while i < len(part):
        c = part[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and (end := part.find("]", i + 2)) != -1:
            body = part[i + 1 : end]
            out.append(
                "[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]"
            )
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@dataclass(slots=True)
class _Frame:
    """A folder being walked: its remaining entries, its manifest, its glob filter."""

    path: str
    rel: str
    names: Iterator[str]
    manifest: Manifest | None = None
    glob: _Glob | None = None  # None: every file below is wanted
    sgml: bool = False  # the folder holds SGML collections: its text files document them


class _InputWalk:
    def __init__(
        self,
        settings: Settings,
        columns: DumpColumns,
        explicit: Manifest | None,
        follow_links: bool = False,
    ):
        self.settings, self.columns, self.explicit = settings, columns, explicit
        self.follow_links = follow_links
        self.scopes: list[Manifest] = [explicit] if explicit else []
        self.seen_dirs: set[tuple[int, int]] = set()
        self.roots: list[str] = []  # real paths of the folders walked: links may not leave them

    def run(self, targets: list[tuple[str, str]]) -> Iterator[Input | Rejected]:
        if self.explicit:
            yield from self.explicit.bad
        if not targets and self.explicit:
            root = os.path.basename(os.path.dirname(self.explicit.path))
            rows = self.explicit.rows
            for path in sorted(rows, key=lambda p: rows[p][0]):
                if os.path.lexists(path):  # missing ones are reported, with their row, below
                    rel = os.path.relpath(path, os.path.dirname(self.explicit.path))
                    yield from self._file(path, root, rel=rel.replace(os.sep, "/"))
        self.roots = [
            os.path.realpath(_Glob(arg).base if kind == "glob" else arg)
            for arg, kind in targets
            if kind in ("dir", "glob")
        ]
        if self.explicit:
            self.roots.append(os.path.realpath(os.path.dirname(self.explicit.path)))
        for arg, kind in targets:
            full = os.path.abspath(arg)
            if kind == "missing":
                yield Rejected(escape_path(full), "not-found", "no such file or folder")
            elif kind == "file":
                yield from self._file(full, os.path.basename(os.path.dirname(full)))
            elif kind == "dir":
                yield from self._folder(full, os.path.basename(full) or full, None)
            else:
                glob = _Glob(arg)
                yield from self._folder(glob.base, os.path.basename(glob.base) or glob.base, glob)
        if self.explicit:
            yield from self.explicit.missing()

    def _folder(self, top: str, root: str, glob: _Glob | None) -> Iterator[Input | Rejected]:
        """Depth-first, entries sorted by name, with an explicit stack (folders nest deep)."""
        stack: list[_Frame] = []
        yield from self._enter(top, "", stack, glob)
        while stack:
            frame = stack[-1]
            name = next(frame.names, None)
            if name is None:
                stack.pop()
                if frame.manifest is not None:
                    self.scopes.remove(frame.manifest)
                    yield from frame.manifest.missing()
                continue
            path = os.path.join(frame.path, name)
            rel = f"{frame.rel}/{name}" if frame.rel else name
            yield from self._entry(path, rel, frame, stack, root)

    def _entry(
        self, path: str, rel: str, frame: _Frame, stack: list[_Frame], root: str
    ) -> Iterator[Input | Rejected]:
        glob = frame.glob
        wanted = glob is None or glob.wants(rel)
        try:
            st = os.stat(path)
        except OSError as exc:
            if wanted:
                skip = os_skip(exc, path)
                yield Rejected(escape_path(path), skip.reason, skip.detail)
            return
        if not self.follow_links and os.path.islink(path):
            real = os.path.realpath(path)
            if not inside(real, self.roots):
                if wanted or stat.S_ISDIR(st.st_mode):
                    yield Rejected(
                        escape_path(path),
                        "outside-root",
                        f"symbolic link to {escape_path(real)}, outside the input folders "
                        "(--follow-links reads it)",
                    )
                return
        if stat.S_ISDIR(st.st_mode):
            hidden = os.path.basename(path).startswith(".")
            if wanted or (glob is not None and not hidden and glob.may_hold(rel)):
                yield from self._subfolder(path, rel, st, stack, None if wanted else glob)
        elif not wanted:
            return
        elif stat.S_ISREG(st.st_mode):
            yield from self._file(path, root, st, beside_sgml=frame.sgml, rel=rel)
        else:
            yield Rejected(escape_path(path), "not-a-file", file_kind(st.st_mode))

    def _subfolder(
        self, path: str, rel: str, st: os.stat_result, stack: list[_Frame], glob: _Glob | None
    ) -> Iterator[Input | Rejected]:
        if os.path.basename(path).startswith("."):
            yield Rejected(escape_path(path), "not-an-article", "hidden folder, not walked")
        elif (st.st_dev, st.st_ino) in self.seen_dirs:
            target = os.path.realpath(path)
            yield Rejected(
                escape_path(path), "symlink-loop", f"leads back to {escape_path(target)}"
            )
        else:
            yield from self._enter(path, rel, stack, glob)

    def _enter(
        self, path: str, rel: str, stack: list[_Frame], glob: _Glob | None
    ) -> Iterator[Input | Rejected]:
        try:
            st = os.stat(path)
            names = sorted(os.listdir(path))
        except OSError as exc:
            skip = os_skip(exc, path)
            yield Rejected(escape_path(path), skip.reason, f"folder not walked: {skip.detail}")
            return
        self.seen_dirs.add((st.st_dev, st.st_ino))
        sgml = any(_classify(name)[0] == "sgml" for name in names)
        frame = _Frame(path, rel, iter(names), glob=glob, sgml=sgml)
        if self.explicit is None and MANIFEST_NAME in names:
            manifest_path = os.path.join(path, MANIFEST_NAME)
            try:
                frame.manifest = read_manifest(manifest_path, self.settings, self.follow_links)[0]
            except (Skip, OSError, UnicodeError) as exc:
                skip = as_skip(exc, manifest_path)
                yield Rejected(
                    escape_path(manifest_path), skip.reason, f"manifest not used: {skip.detail}"
                )
            if frame.manifest is not None:
                self.scopes.append(frame.manifest)
                yield from frame.manifest.bad
        stack.append(frame)

    def _file(
        self,
        path: str,
        root: str,
        st: os.stat_result | None = None,
        *,
        beside_sgml: bool = False,
        rel: str | None = None,
    ) -> Iterator[Input | Rejected]:
        key = escape_path(rel or os.path.basename(path))
        fmt, reason, detail = _classify(os.path.basename(path))
        if beside_sgml and fmt == "txt":  # Reuters-21578's README, category lists, DTD notes
            fmt, reason = None, "not-an-article"
            detail = "documentation of the SGML collection beside it"
        if self.explicit is not None and path == self.explicit.path:
            fmt, reason, detail = None, "not-an-article", "the manifest"
        if fmt is None:
            assert reason is not None
            yield Rejected(escape_path(path), reason, detail)
            return
        if st is None:  # a file argument, or a file a manifest lists
            try:
                st = os.stat(path)
            except OSError as exc:
                skip = os_skip(exc, path)
                yield Rejected(escape_path(path), skip.reason, skip.detail)
                return
            if not stat.S_ISREG(st.st_mode):
                yield Rejected(escape_path(path), "not-a-file", file_kind(st.st_mode))
                return
        if fmt in ("csv", "jsonl"):
            yield from self._dump(path, fmt, root, st.st_mtime, key)
            return
        if fmt == "sgml":
            yield from self._sgml(path, root, st.st_mtime, key)
            return
        if fmt == "warc":
            from .warc import warc_inputs

            yield from warc_inputs(path, root, self.settings, key)
            return
        meta = self._meta(path)
        yield Input(
            escape_path(path), fmt, path, root, meta, mtime=st.st_mtime, size=st.st_size, key=key
        )

    def _meta(self, path: str) -> dict[str, str]:
        for manifest in reversed(self.scopes):
            meta = manifest.take(path)
            if meta is not None:
                return meta
        return {}

    def _sgml(self, path: str, root: str, mtime: float, key: str) -> Iterator[Input | Rejected]:
        """One input per ``<REUTERS>`` record, ``path#newid=N``: the collection's own ids."""
        from .sgml import ENCODING

        shown = escape_path(path)
        try:
            text = read_input(path, self.settings).decode(ENCODING)
        except (Skip, OSError) as exc:
            skip = as_skip(exc, path)
            yield Rejected(shown, skip.reason, skip.detail)
            return
        found = False
        for record in records(text):
            found = True
            meta = {k: v for k, v in (("title", record.title), ("date", record.date)) if v}
            labels = (("reuters_topics", record.topics), ("reuters_places", record.places))
            yield Input(
                f"{shown}#newid={record.newid}",
                "sgml",
                None,
                root,
                meta,
                text=record.sgml,
                mtime=mtime,
                encoding=ENCODING,
                labels=labels,
                key=f"{key}#newid={record.newid}",
            )
        if not found:
            yield Rejected(shown, "not-an-article", "no <REUTERS> records in this SGML file")

    def _dump(
        self, path: str, fmt: str, root: str, mtime: float, key: str
    ) -> Iterator[Input | Rejected]:
        shown, n = escape_path(path), 0
        try:
            with text_lines(path, self.settings) as (lines, label, codec):
                header, rows = dump_rows(lines, fmt, codec)
                if header is not None and self.columns.text not in header:
                    columns = ", ".join(header) or "none"
                    yield Rejected(shown, "no-text", f"no {self.columns.text!r} column ({columns})")
                    return
                if header is not None:  # once for the dump, not once a row
                    cols = self.columns
                    mapped = {cols.text, cols.title, cols.date, cols.url, cols.source, cols.author}
                    check_field_names(h for h in header if h not in mapped)
                for n, row in rows:
                    where = f"{shown}#row={n}"
                    if isinstance(row, str):
                        yield Rejected(where, "bad-row", row)
                    else:
                        row_key = f"{key}#row={n}"
                        yield self._dump_row(where, fmt, row, root, mtime, label, row_key)
        except (Skip, OSError, UnicodeError) as exc:
            skip = as_skip(exc, path)
            after = f" (after row {n})" if n else ""
            yield Rejected(shown, skip.reason, skip.detail + after)

    def _dump_row(
        self,
        where: str,
        fmt: str,
        row: dict[str, str],
        root: str,
        mtime: float,
        encoding: str,
        key: str = "",
    ) -> Input | Rejected:
        cols = self.columns
        if cols.text not in row:
            return Rejected(where, "bad-row", f"no {cols.text!r} field")
        mapped = {"title": cols.title, "date": cols.date, "url": cols.url}
        mapped |= {"source": cols.source, "author": cols.author}
        used = {cols.text, *mapped.values()}
        meta = {name: row[col].strip() for name, col in mapped.items() if row.get(col, "").strip()}
        meta |= {k: v for k, v in row.items() if k not in used and v.strip()}
        return Input(
            where,
            fmt,
            None,
            root,
            meta,
            text=row[cols.text],
            mtime=mtime,
            encoding=encoding,
            key=key,
        )

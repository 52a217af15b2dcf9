"""Manifests: a ``manifest.csv`` in an input folder, or one named with ``--manifest``, giving
the metadata (url, date, source, title, author, the researcher's own columns) of the files it
lists.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import Skip, UsageError
from ..settings import Settings
from .dumps import dump_rows, text_lines
from .inputs import MAPPED_META, Rejected, escape_path, inside
from .reading import check_field_names


@dataclass(slots=True)
class Manifest:
    """Per-file metadata from a manifest CSV, keyed by the file's absolute path."""

    path: str
    rows: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    bad: list[Rejected] = field(default_factory=list)

    def take(self, path: str) -> dict[str, str] | None:
        row = self.rows.pop(path, None)
        return row[1] if row else None

    def missing(self) -> Iterator[Rejected]:
        """Rows never matched to a walked file whose file does not exist."""
        for path, (n, _) in sorted(self.rows.items(), key=lambda item: item[1][0]):
            if not os.path.lexists(path):
                where = f"listed in {escape_path(self.path)} (row {n})"
                yield Rejected(escape_path(path), "not-found", f"{where} but missing")
        self.rows.clear()


def read_manifest(
    path: str, settings: Settings, follow_links: bool = False, *, anywhere: bool = False
) -> tuple[Manifest | None, list[str]]:
    """The manifest at ``path`` (``None`` if it has no ``path`` column) and its columns.

    Rows leading outside the manifest's folder are rejected as ``outside-root``, unless
    ``anywhere`` (a manifest the user named with ``--manifest`` may list files anywhere).
    May raise Skip (or OSError) if the file cannot be read.
    """
    folder = os.path.dirname(path)
    real_folder = os.path.realpath(folder)
    manifest = Manifest(path)
    with text_lines(path, settings) as (lines, _, codec):
        header, rows = dump_rows(lines, "csv", codec)
        key = next((h for h in header or [] if h.lower() == "path"), None)
        if key is None:
            return None, header or []
        check_field_names(h for h in header or [] if h != key and h.lower() not in MAPPED_META)
        for n, row in rows:
            if isinstance(row, str):
                manifest.bad.append(Rejected(f"{escape_path(path)}#row={n}", "bad-row", row))
                continue
            rel = row[key].strip()
            target = os.path.normpath(os.path.join(folder, rel))
            if not rel:
                detail = "empty path"
            elif not anywhere and (
                not inside(target, [folder])
                or not (follow_links or inside(os.path.realpath(target), [real_folder]))
            ):
                # ../../etc/passwd, /etc/passwd, or a link out: reported, never read
                where = f"{escape_path(path)}#row={n}"
                shown = escape_path(rel)
                manifest.bad.append(
                    Rejected(where, "outside-root", f"{shown} is outside the manifest's folder")
                )
                continue
            elif target in manifest.rows:
                detail = f"{rel} is listed twice (first at row {manifest.rows[target][0]})"
            else:
                manifest.rows[target] = (n, _manifest_meta(row))
                continue
            manifest.bad.append(Rejected(f"{escape_path(path)}#row={n}", "bad-row", detail))
    return manifest, header or []


def _manifest_meta(row: dict[str, str]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for key, value in row.items():
        name = key.strip().lower()
        if name != "path" and value.strip():
            meta[name if name in MAPPED_META else key.strip()] = value.strip()
    return meta


def explicit_manifest(path: str, settings: Settings, follow_links: bool) -> Manifest:
    try:
        manifest, header = read_manifest(
            os.path.abspath(path), settings, follow_links, anywhere=True
        )
    except Skip as exc:
        raise UsageError(f"cannot use manifest {path}: {exc.reason} ({exc.detail})") from None
    except (OSError, UnicodeError) as exc:
        raise UsageError(f"cannot use manifest {path}: {exc}") from None
    if manifest is None:
        columns = ", ".join(header) or "none"
        raise UsageError(f"manifest {path} has no 'path' column (its columns: {columns})")
    return manifest

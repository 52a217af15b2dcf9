"""What the analysis tools share: the scope of a question (source, dates) and narrow reads.

Every tool reads only the columns it needs from one snapshot of the corpus (the part files
committed when it started), so an ingest running alongside never gives it half a batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

from .. import store
from ..errors import UsageError
from ..storage import CorpusPath

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as pads

# Columns an export or a notebook gets unless it asks for others: everything a researcher reads,
# without the large provenance columns (raw_text, removed, tag_evidence).
DEFAULT_COLUMNS: tuple[str, ...] = (
    "doc_id",
    "source",
    "url",
    "title",
    "published_at",
    "published_offset",
    "date_source",
    "language",
    "kind",
    "word_count",
    "authors",
    "topics",
    "places",
    "countries",
    "people",
    "organisations",
    "duplicate_of",
    "near_duplicate_of",
    "near_duplicate_similarity",
    "fields",
    "text",
)


# Part files read ahead, in threads, while the current one is scanned.
READ_AHEAD = 2


@dataclass(frozen=True, slots=True)
class Scope:
    """Which articles a question is about: one ``source`` and/or a date range (both inclusive).

    Dates are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as in ``search --from/--to``; a date range
    leaves undated articles out.

    >>> Scope(date_to="2016-04").bounds()
    (None, datetime.datetime(2016, 5, 1, 0, 0, tzinfo=datetime.timezone.utc))
    """

    source: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    # leave out articles linked as duplicates or near-duplicates: each story counts once
    no_duplicates: bool = False
    # the researcher's fields the articles must have, ``(name, value)`` (``--field label=fake``),
    # resolved to the articles that have them by :func:`with_fields`
    fields: tuple[tuple[str, str], ...] = ()
    ids: frozenset[str] | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """``(start, end)`` in UTC, the end exclusive; ``None`` where open."""
        from ..index.query import date_filter

        try:
            span = date_filter(self.date_from, self.date_to)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if span is None:
            return None, None
        return _midnight(span.start), _midnight(span.end)

    def expression(self) -> pc.Expression | None:
        """The pyarrow filter for this scope, or ``None`` for the whole corpus."""
        import pyarrow.compute as pc

        parts: list[pc.Expression] = []
        if self.source is not None:
            parts.append(pc.field("source") == self.source)
        start, end = self.bounds()
        if start is not None:
            parts.append(local_published() >= start)
        if end is not None:
            parts.append(local_published() < end)
        if self.no_duplicates:
            parts.append(pc.field("duplicate_of").is_null())
            parts.append(pc.field("near_duplicate_of").is_null())
        if self.ids is not None:
            parts.append(pc.field("doc_id").isin(sorted(self.ids)))
        if not parts:
            return None
        expr = parts[0]
        for part in parts[1:]:
            expr = expr & part
        return expr

    def columns(self) -> list[str]:
        """The columns :meth:`expression` reads."""
        dated = self.date_from is not None or self.date_to is not None
        columns = ["source"] if self.source is not None else []
        columns += ["published_at", "published_offset"] if dated else []
        columns += ["duplicate_of", "near_duplicate_of"] if self.no_duplicates else []
        return columns + (["doc_id"] if self.ids is not None else [])

    def describe(self) -> dict[str, str]:
        """The non-empty parts, for export metadata and chart titles."""
        named = {"source": self.source, "from": self.date_from, "to": self.date_to}
        if self.no_duplicates:
            named["duplicates"] = "left out"
        named |= {name: value for name, value in self.fields}
        return {k: v for k, v in named.items() if v is not None}


def with_fields(corpus: str | CorpusPath, scope: Scope, pairs: Sequence[str]) -> Scope:
    """``scope`` narrowed to the articles whose fields have the values ``pairs`` (``NAME=VALUE``,
    all of them; a value matched whole and in any case, as ``label:fake`` in a query).

    >>> with_fields("corpus", Scope(), ["label=fake"]).describe()  # doctest: +SKIP
    {'label': 'fake'}
    """
    import dataclasses

    from ..index import fields as own

    if not pairs:
        return scope
    known = own.user_fields(corpus)
    wanted: list[tuple[str, str]] = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().lower()
        if not sep or not value.strip():
            raise UsageError(f"--field needs NAME=VALUE, not {pair!r}")
        if name not in known:
            raise UsageError(
                f"unknown field {name!r}; this corpus's fields: {', '.join(known) or 'none'}"
            )
        wanted.append((name, value.strip()))
    table = snapshot(corpus).to_table(columns=["doc_id", "fields"])
    ids = set()
    for doc_id, mapping in zip(
        table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True
    ):
        values = {k: {own.index_term(k, v) for v in vs or []} for k, vs in mapping or []}
        if all(own.index_term(n, v) in values.get(n, ()) for n, v in wanted):
            ids.add(str(doc_id))
    return dataclasses.replace(scope, fields=tuple(wanted), ids=frozenset(ids))


def local_published() -> pc.Expression:
    """``published_at`` shifted by ``published_offset``: the wall clock the source printed,
    labelled UTC, so that its day is the day as printed (a missing offset counts as 0).

    Date ranges, timelines and exports take the day from this, never from the UTC instant:
    ``2023-11-08T23:28-04:00`` is stored as 9 November 03:28 UTC and counts on 8 November.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    offset: Any = pc.field("published_offset").cast(pa.int64())  # the stubs know no Expression
    shift: Any = pc.multiply(pc.coalesce(offset, pa.scalar(0, pa.int64())), 60_000_000)
    local: pc.Expression = pc.add(pc.field("published_at").cast(pa.int64()), shift).cast(
        pa.timestamp("us", tz="UTC")
    )
    return local


def in_printed_zone(published: datetime, offset: int | None) -> datetime:
    """``published`` (UTC) in the zone the source printed, for display and export.

    >>> in_printed_zone(datetime(2023, 11, 9, 3, 28, tzinfo=UTC), -240).isoformat()
    '2023-11-08T23:28:00-04:00'
    """
    if not offset:
        return published
    return published.astimezone(timezone(timedelta(minutes=offset)))


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def snapshot(corpus: str | CorpusPath) -> pads.Dataset:
    """The corpus as committed now; raises :class:`CorpusError` naming how to make one."""
    return store.open_dataset(corpus)


def read_columns(
    dataset: pads.Dataset, columns: Sequence[str], scope: Scope | None = None
) -> pa.Table:
    """``columns`` of every article in ``scope``."""
    expr = scope.expression() if scope is not None else None
    return dataset.to_table(columns=list(columns), filter=expr)


@dataclass(frozen=True, slots=True, order=True)
class Place:
    """Where an article is stored: a part file, and the row group in it (``ROW_GROUP_ROWS`` rows)."""

    part: str
    row_group: int


def locate(
    dataset: pads.Dataset, ids: Sequence[str], scope: Scope | None = None
) -> dict[str, Place]:
    """``doc_id -> Place`` for those of ``ids`` in the corpus and in ``scope``.

    Reads ``doc_id`` (and the scope's columns) only: cheap however large the texts are.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    expr = pc.field("doc_id").isin(pa.array(list(dict.fromkeys(ids)), pa.string()))
    if scope is not None and (extra := scope.expression()) is not None:
        expr = expr & extra
    columns = list(dict.fromkeys(["doc_id", *(scope.columns() if scope is not None else [])]))
    places: dict[str, Place] = {}
    for fragment in dataset.get_fragments():
        table = fragment.to_table(columns=columns)
        rows = table.append_column("__row", pa.array(np.arange(table.num_rows))).filter(expr)
        if not rows.num_rows:
            continue
        fragment.ensure_complete_metadata()
        ends = np.cumsum([group.num_rows for group in fragment.row_groups])
        groups = np.searchsorted(ends, rows.column("__row").to_numpy(), side="right")
        for doc_id, group in zip(rows.column("doc_id").to_pylist(), groups.tolist(), strict=True):
            places[str(doc_id)] = Place(_fragment_uri(fragment), int(group))
    return places


def _fragment_uri(fragment: Any) -> str:
    """A fragment's file as ``pyarrow.parquet`` opens it: a local path, or a URI naming its
    object store (a corpus in ``s3://``)."""
    import pyarrow.fs as pafs

    fs = fragment.filesystem
    if fs is None or isinstance(fs, pafs.LocalFileSystem):
        return str(fragment.path)
    return f"{fs.type_name}://{fragment.path}"


def tables_by_part(
    dataset: pads.Dataset, ids: Sequence[str], columns: Sequence[str], scope: Scope | None = None
) -> Iterator[pa.Table]:
    """The rows of ``ids`` (in the corpus and in ``scope``) as one table per part file.

    Only the row groups holding the ids are read, each once, for ``columns`` only; memory stays
    at a few part files' worth of hits.
    """
    units: dict[tuple[str, tuple[int, ...]], list[str]] = {}
    by_part: dict[str, list[tuple[int, str]]] = {}
    for doc_id, place in locate(dataset, ids, scope).items():
        by_part.setdefault(place.part, []).append((place.row_group, doc_id))
    for part, found in by_part.items():
        units[(part, tuple(sorted({group for group, _ in found})))] = [d for _, d in found]
    for _, table in _read_units(units, columns):
        yield table


def rows_in_order(
    dataset: pads.Dataset,
    ids: Sequence[str],
    columns: Sequence[str],
    scope: Scope | None = None,
    *,
    lazy: bool = True,
) -> Iterator[dict[str, Any]]:
    """The rows of ``ids`` (in the corpus and in ``scope``) in the order of ``ids``.

    ``lazy``: a row group is read when the first id it holds comes up, with every other id it
    holds, so a caller that stops early reads only the row groups it reached, and none twice.
    Otherwise every row is read first, a part file at a time (fewer, larger reads: faster when
    the caller wants them all, but holding them all in memory).
    """
    if not lazy:
        found: dict[str, dict[str, Any]] = {}
        for table in tables_by_part(dataset, ids, columns, scope):
            found.update((row["doc_id"], row) for row in table.to_pylist())
        yield from (found.pop(doc_id) for doc_id in dict.fromkeys(ids) if doc_id in found)
        return
    where = locate(dataset, ids, scope)
    wanted = [doc_id for doc_id in dict.fromkeys(ids) if doc_id in where]
    units: dict[tuple[str, tuple[int, ...]], list[str]] = {}
    for doc_id in wanted:  # in the order their first id needs them
        place = where[doc_id]
        units.setdefault((place.part, (place.row_group,)), []).append(doc_id)
    tables = _read_units(units, columns)
    ready: dict[str, dict[str, Any]] = {}
    for doc_id in wanted:
        if doc_id not in ready:
            _, table = next(tables)
            ready.update((row["doc_id"], row) for row in table.to_pylist())
        yield ready.pop(doc_id)


Unit = tuple[str, tuple[int, ...]]  # a part file and some of its row groups


def _read_units(
    units: dict[Unit, list[str]], columns: Sequence[str]
) -> Iterator[tuple[Unit, pa.Table]]:
    """``(unit, rows of its ids)`` in the order of ``units``, the next units read meanwhile.

    Decompressing the text column is most of the cost; pyarrow does it without the GIL, so
    reading ahead in threads uses the other cores while the caller scans the current unit.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    order = iter(units.items())
    pending: list[tuple[Unit, Future[pa.Table]]] = []
    with ThreadPoolExecutor(max_workers=READ_AHEAD) as pool:
        try:
            while True:
                while len(pending) < READ_AHEAD and (item := next(order, None)) is not None:
                    unit, unit_ids = item
                    pending.append((unit, pool.submit(_read_unit, unit, unit_ids, columns)))
                if not pending:
                    return
                unit, future = pending.pop(0)
                yield unit, future.result()
        finally:  # the caller stopped early: units not started yet are not read
            for _, future in pending:
                future.cancel()


def _read_unit(unit: Unit, ids: Sequence[str], columns: Sequence[str]) -> pa.Table:
    """The rows of ``ids`` in some row groups of one part file, ``columns`` (and doc_id) only."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    part, groups = unit
    cols = list(columns) if "doc_id" in columns else ["doc_id", *columns]
    with pq.ParquetFile(part) as pf:
        table = pf.read_row_groups(list(groups), columns=cols)
    return table.filter(
        pc.is_in(table.column("doc_id"), value_set=pa.array(list(ids), pa.string()))
    )


def group_members(
    dataset: pads.Dataset, corpus: str | CorpusPath, name: str, scope: Scope | None = None
) -> dict[str, set[str]]:
    """``value -> doc_ids`` of the articles in ``scope`` for each value of field ``name``: a
    built-in groupable field (``source``, ``topic``, ``language``…) or one of the corpus's own
    (an article with several values is in each group). Values in order, most articles first."""
    from ..index import fields

    builtin = {f.name: f for f in fields.BUILTIN if f.group}
    own = fields.user_fields(corpus)
    if name not in builtin and name not in own:
        known = ", ".join([*builtin, *own])
        raise UsageError(f"cannot group by {name!r}; fields: {known}")
    column = builtin[name].column if name in builtin else "fields"
    assert column is not None
    table = read_columns(dataset, ["doc_id", column], scope)
    groups: dict[str, set[str]] = {}
    for doc_id, value in zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True):
        if column == "fields":
            values = dict(value or []).get(name) or []
        else:
            values = value if isinstance(value, list) else [value]
        for v in values:
            if v is not None and str(v).strip():
                groups.setdefault(str(v), set()).add(str(doc_id))
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def check_columns(columns: Sequence[str]) -> list[str]:
    """``columns`` if all are stored columns; else a :class:`UsageError` listing the valid ones."""
    from ..article import STORED_FIELDS

    unknown = [c for c in columns if c not in STORED_FIELDS]
    if unknown:
        raise UsageError(
            f"unknown column(s) {', '.join(unknown)}; columns: {', '.join(STORED_FIELDS)}"
        )
    return list(columns)

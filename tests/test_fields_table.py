"""The field table (index/fields.py): what derives from its rows, and a researcher's field row
registered at run time being searchable, facetable and exported on both engines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import newsarchive
from newsarchive import store
from newsarchive.analysis.export import export
from newsarchive.analysis.hits import query_matcher
from newsarchive.errors import QuerySyntaxError, UsageError
from newsarchive.index import fields, search, update_index
from newsarchive.index import query as q
from newsarchive.index.compiler import text_leaves
from newsarchive.index.engines import ENGINES

TEXTS = {
    "a.txt": ("2019-03-01", "Sport", "Cup final\n\nThe cup final drew a record crowd on Saturday."),
    "b.txt": ("2019-03-02", "sport", "League news\n\nThe league voted on a new cup format."),
    "c.txt": ("2019-03-03", "City Desk", "Council vote\n\nThe council voted on the budget."),
}


def test_the_query_language_facets_and_tag_columns_come_from_the_table() -> None:
    assert q.FIELDS == (
        "title", "text", "source", "topic", "place", "country", "person", "org", "kind",
        "language", "date",
    )  # fmt: skip
    assert fields.FieldTable().facets == [
        "source", "topic", "place", "country", "person", "org", "kind", "language", "month",
        "year",
    ]  # fmt: skip
    assert fields.tag_columns() == ("topics", "places", "countries", "people", "organisations")
    assert [(f.name, f.boost) for f in fields.default_fields()] == [("title", 2.0), ("text", 1.0)]
    assert q.FIELD_ALIASES["lang"] == "language"
    own = fields.with_own(["desk"])
    assert own.query_names[-2:] == ["date", "desk"]
    assert own.facet("people") == "person"
    with pytest.raises(UsageError, match="unknown facet 'colour'; facets: source, topic"):
        own.facet("colour")


def test_text_leaves_read_the_tree_once_for_snippets_and_concordances() -> None:
    tree = q.parse('"junior doctors" OR title:strik* NOT topic:sport date:2016 pay')
    assert text_leaves(tree) == [
        q.Phrase(("junior", "doctors")),
        q.Prefix("strik"),
        q.Term("pay"),
    ]
    assert query_matcher("strike NOT pay").findall("strike pay", "en") == ["strike"]


@pytest.fixture(scope="module", params=sorted(ENGINES))
def unregistered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus whose articles hold a ``desk`` value in their own fields, indexed by one engine,
    with the field not yet registered."""
    root = tmp_path_factory.mktemp(f"table-{request.param}")
    folder = root / "in"
    folder.mkdir()
    rows = ["path,date,desk"]
    for name, (day, desk, text) in TEXTS.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
        rows.append(f"{name},{day},{desk}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    newsarchive.ingest([folder], corpus=root / "corpus", index=False, jobs=1)
    update_index(root / "corpus", root / "indexes", engine=request.param)
    (root / "corpus" / store.STATE_DIR / fields.STATE_FILE).unlink()  # as before registering
    return root


def test_a_registered_field_row_is_searchable_facetable_and_exported(
    unregistered: Path, tmp_path: Path
) -> None:
    corpus, index_dir = unregistered / "corpus", unregistered / "indexes"
    with pytest.raises(QuerySyntaxError, match="unknown field 'desk:'"):
        search("desk:sport", corpus=corpus, index_dir=index_dir)
    table = fields.register(corpus, fields.own_field("desk"))
    assert table.facets[-1] == "desk" and table.own == ["desk"]
    found = search("desk:sport", corpus=corpus, index_dir=index_dir, limit=None)
    assert sorted(h.title or "" for h in found.hits) == ["Cup final", "League news"]
    assert search("cup AND desk:spo*", corpus=corpus, index_dir=index_dir).total == 2
    assert search("* NOT desk:sport", corpus=corpus, index_dir=index_dir).total == 1
    everything = search("*", corpus=corpus, index_dir=index_dir, limit=0)
    assert everything.facet("desk") == [("City Desk", 1), ("Sport", 1), ("sport", 1)]
    out = tmp_path / "desk.csv"
    export(out, corpus=corpus, index_dir=index_dir, query="desk:sport", columns=["title", "fields"])
    assert sorted(out.read_text(encoding="utf-8").splitlines()) == [
        "Cup final,Sport",
        "League news,sport",
        "title,desk",
    ]
    assert json.loads((corpus / store.STATE_DIR / fields.STATE_FILE).read_text()) == ["desk"]


def test_only_own_field_rows_register_at_run_time(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="only a field of the 'fields' column"):
        fields.register(tmp_path, fields.FieldSpec("desk", "source", "value"))
    with pytest.raises(UsageError, match="clashes with the built-in field 'topic'"):
        fields.register(tmp_path, fields.own_field("topic"))

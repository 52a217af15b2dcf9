"""Reuters-21578-style SGML: records split, bodies unwrapped, labels as fields, docs not articles."""

from __future__ import annotations

from pathlib import Path

import newsarchive
from newsarchive import store
from newsarchive.pipeline.sgml import article_text, records, unwrap_wire

# Two records written in the distribution's layout (made up, not Reuters text): a story with a
# wrapped body, and a brief with no body.
SGM = """<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" NEWID="11">
<DATE> 4-MAR-1987 10:20:30.40</DATE>
<TOPICS><D>grain</D><D>wheat</D></TOPICS>
<PLACES><D>canada</D></PLACES>
<PEOPLE></PEOPLE>
<TEXT>&#2;
<TITLE>PRAIRIE WHEAT STOCKS FALL</TITLE>
<DATELINE>    WINNIPEG, March 4 - </DATELINE><BODY>Wheat stocks on the prairies fell
sharply in February, the grain board &lt;CGB> said in its
monthly report.
    Farmers held 12.5 mln tonnes, down from 14.1 mln.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" LEWISSPLIT="TEST" NEWID="12">
<DATE> 4-MAR-1987 10:21:00.00&#5;&#5;&#5;RM</DATE>
<TOPICS></TOPICS>
<PLACES><D>usa</D><D>japan</D></PLACES>
<TEXT TYPE="BRIEF">&#2;
******<TITLE>TRADE TALKS TO RESUME NEXT WEEK
</TITLE>Blah blah blah.
&#3;

</TEXT>
</REUTERS>
"""


def test_records_carry_the_distributions_metadata() -> None:
    found = [(r.newid, r.date, r.title, r.topics, r.places) for r in records(SGM)]
    assert found == [
        ("11", "4-MAR-1987 10:20:30.40", "PRAIRIE WHEAT STOCKS FALL", ("grain", "wheat"), ("canada",)),
        ("12", "4-MAR-1987 10:21:00.00", "TRADE TALKS TO RESUME NEXT WEEK", (), ("usa", "japan")),
    ]  # fmt: skip


def test_article_text_unwraps_the_body_and_drops_the_sign_off() -> None:
    story, brief = (article_text(r.sgml) for r in records(SGM))
    assert story == (
        "PRAIRIE WHEAT STOCKS FALL\n\n"
        "WINNIPEG, March 4 - Wheat stocks on the prairies fell sharply in February, the grain "
        "board <CGB> said in its monthly report.\n\n"
        "Farmers held 12.5 mln tonnes, down from 14.1 mln."
    )
    assert brief == "TRADE TALKS TO RESUME NEXT WEEK\n\nBlah blah blah."


def test_unwrap_wire_keeps_indented_lines_as_paragraphs() -> None:
    assert unwrap_wire("a b\nc\n   d e\n f") == "a b c\n\nd e f"


def test_ingest_reads_sgm_and_reports_its_documentation(tmp_path: Path) -> None:
    folder = tmp_path / "reuters"
    folder.mkdir()
    (folder / "reut2-000.sgm").write_bytes(SGM.encode("latin-1"))
    (folder / "all-topics-strings.lc.txt").write_text("grain\nwheat\n", encoding="utf-8")
    (folder / "lewis.dtd").write_text("<!ELEMENT LEWIS - - (REUTERS*)>\n", encoding="utf-8")
    report = newsarchive.ingest([folder], corpus=tmp_path / "corpus", index=False, jobs=1)
    assert (report.ingested, report.ignored, report.exit_code) == (2, 2, 0)
    assert sorted((r.source_path.rsplit("/", 1)[1], r.detail) for r in report.skipped) == [
        ("all-topics-strings.lc.txt", "documentation of the SGML collection beside it"),
        ("lewis.dtd", "an SGML document type definition"),
    ]
    table = store.read_corpus(
        tmp_path / "corpus",
        columns=["source_path", "title", "published_at", "date_source", "fields", "raw_text"],
    )
    rows = sorted(table.to_pylist(), key=lambda r: r["source_path"])
    assert [r["source_path"].rsplit("/", 1)[1] for r in rows] == [
        "reut2-000.sgm#newid=11",
        "reut2-000.sgm#newid=12",
    ]
    assert [r["published_at"].isoformat() for r in rows] == [
        "1987-03-04T10:20:30+00:00",
        "1987-03-04T10:21:00+00:00",
    ]
    assert [r["date_source"] for r in rows] == ["manifest", "manifest"]
    assert [dict(r["fields"]) for r in rows] == [
        {"reuters_places": ["canada"], "reuters_topics": ["grain", "wheat"]},
        {"reuters_places": ["usa", "japan"]},
    ]
    assert rows[0]["raw_text"].startswith('<REUTERS TOPICS="YES"')  # the record, verbatim

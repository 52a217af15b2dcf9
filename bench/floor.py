"""The floor for ingest: the least any ingest of these files must do (run by hand, by bench_floor.py).

    python bench/floor.py FOLDER OUT

Reads every ``*.txt`` under FOLDER (UTF-8, title = first line), writes them as one Parquet file
``OUT/articles.parquet`` (path, title, text) and builds a bare tantivy index of title and text
in ``OUT/index`` with tantivy's default tokenizer. No cleaning, dating, tagging or language:
what ``newsarchive ingest`` costs above this is the price of its stages.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import tantivy


def main() -> None:
    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    paths, titles, texts = [], [], []
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_bytes().decode("utf-8", "replace")
        title, _, _ = text.partition("\n")
        paths.append(str(path))
        titles.append(title)
        texts.append(text)
    table = pa.table({"path": paths, "title": titles, "text": texts})
    pq.write_table(table, out / "articles.parquet", compression="zstd")
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("path", stored=True, tokenizer_name="raw")
    builder.add_text_field("title")
    builder.add_text_field("text")
    (out / "index").mkdir(exist_ok=True)
    index = tantivy.Index(builder.build(), path=str(out / "index"))
    writer = index.writer()
    for path_, title, text in zip(paths, titles, texts, strict=True):
        writer.add_document(tantivy.Document(path=path_, title=title, text=text))
    writer.commit()
    writer.wait_merging_threads()
    print(len(paths))


if __name__ == "__main__":
    main()

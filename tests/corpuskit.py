"""Typed reads of a stored corpus for the tests."""

from __future__ import annotations

from pathlib import Path

from newsarchive import store


def text_column(corpus: Path, name: str) -> list[str]:
    """Every value of the text column ``name``, in stored order; each must be present."""
    values = store.read_corpus(corpus, columns=[name]).column(name).to_pylist()
    assert all(isinstance(v, str) for v in values), values
    return [v for v in values if isinstance(v, str)]

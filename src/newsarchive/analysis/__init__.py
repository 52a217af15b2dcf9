"""The researcher's tools over a corpus: one module per question, each a plain function.

``kwic`` (concordance), ``timeline`` (attention over time) with ``plot`` (charts), ``stats`` (the
corpus profile), ``keyness`` (top words), ``show`` (one article, with its evidence), ``export``
(jsonl, csv, parquet) and ``tei`` (TEI XML). ``common`` holds what they share: the scope of a
question and narrow corpus reads; ``hits`` is the one place they ask the search engine for hits.
The CLI (``newsarchive.cli.analysis``) and the notebook class (``newsarchive.corpus.Corpus``)
are thin layers over these functions. Nothing is imported here, so importing the package is free.
"""

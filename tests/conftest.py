"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest

from test_corpus_api import Fixture, build_corpus
from testkit import Cli


@pytest.fixture(scope="session")
def cli() -> Cli:
    """The command line, run in-process (it keeps no state, so one serves every test)."""
    return Cli()


@pytest.fixture(scope="module")
def fx(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    """The six-article corpus of test_corpus_api, stored and indexed, one per test module
    (a module that needs another corpus defines its own ``fx``)."""
    return build_corpus(tmp_path_factory.mktemp(request.module.__name__.removeprefix("test_")))

"""Doctests of the small pure modules keep their docs honest."""

import doctest
import importlib

import pytest

MODULES = ["htkg.config", "htkg.formats", "htkg.iris", "htkg.dataset.queries", "htkg.publish.queries_rdf",
           "htkg.store.bind", "htkg.store.remote", "htkg.store.bounded"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0, f"{name} has no doctests"
    assert result.failed == 0

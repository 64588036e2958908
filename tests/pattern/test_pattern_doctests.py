"""Run the doctests of beatforge.pattern (every operator documents itself with an example)."""

import doctest
import importlib
import pkgutil

import pytest

import beatforge.errors
import beatforge.pattern
import beatforge.show
import beatforge.song

MODULES = [beatforge.errors, beatforge.song, beatforge.show] + [
    importlib.import_module(f"beatforge.pattern.{info.name}")
    for info in pkgutil.iter_modules(beatforge.pattern.__path__)
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_doctests(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

"""``frozen_imports``: the collector is off inside, what was created there is frozen after."""

from __future__ import annotations

import gc

import pytest

from emgkit.cli._args import frozen_imports


@pytest.fixture(autouse=True)
def _collector_restored():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_collector_off_inside_and_objects_frozen_after():
    gc.enable()
    before = gc.get_freeze_count()
    with frozen_imports():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]  # tracked containers, as module objects are
    assert gc.isenabled()
    # every tracked object alive at the end of the block is now in the permanent generation
    assert gc.get_freeze_count() >= before + len(made)
    assert all(gc.is_tracked(x) for x in made)


def test_collector_back_on_after_an_error():
    gc.enable()
    before = gc.get_freeze_count()
    with pytest.raises(ImportError), frozen_imports():
        import emgkit_no_such_module  # noqa: F401
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before

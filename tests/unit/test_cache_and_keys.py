"""The worker's LRU model cache, artifact keys and atomic writes (no torch needed)."""

from __future__ import annotations

import itertools

import pytest

from addon.core.atomic import write_atomic
from addon.core.keys import artifact_key, slug
from addon.runtime.cache import ModelCache


def make_cache(budget: int):
    released = []
    cache = ModelCache(budget, size_of=lambda model: model["size"], release=released.append)
    clock = itertools.count().__next__
    return cache, released, clock


def test_warm_models_are_reused_and_lru_is_evicted_over_budget():
    cache, released, clock = make_cache(budget=10)
    a = cache.get("a", lambda: {"name": "a", "size": 4}, clock)
    assert cache.get("a", lambda: pytest.fail("reloaded a warm model"), clock) is a
    cache.get("b", lambda: {"name": "b", "size": 4}, clock)
    cache.get("a", lambda: pytest.fail("reloaded"), clock)  # a is now the most recent
    cache.get("c", lambda: {"name": "c", "size": 4}, clock)  # 12 > 10: evict b (least recent)
    assert cache.keys == ["a", "c"] and [m["name"] for m in released] == ["b"]
    assert (cache.stats.loads, cache.stats.hits, cache.stats.evictions) == (3, 2, 1)


def test_a_model_bigger_than_the_budget_still_runs_alone():
    cache, released, clock = make_cache(budget=5)
    cache.get("small", lambda: {"name": "small", "size": 2}, clock)
    cache.get("huge", lambda: {"name": "huge", "size": 50}, clock)
    assert cache.keys == ["huge"] and [m["name"] for m in released] == ["small"]


def test_explicit_unload():
    cache, _, clock = make_cache(budget=100)
    for name in "abc":
        cache.get(name, lambda name=name: {"name": name, "size": 1}, clock)
    assert cache.unload("b") == ["b"] and cache.unload("missing") == []
    assert cache.unload() == ["a", "c"] and cache.used_bytes == 0 and cache.stats.unloads == 3


def test_slug_and_key_are_stable_and_safe():
    assert slug("A red fox, in the SNOW!") == "a-red-fox-in-the-snow"
    assert slug("🎬 שלום") == "untitled"
    assert slug("../../etc/passwd") == "etc-passwd"
    assert artifact_key("sd15", {"seed": 1}) == artifact_key("sd15", {"seed": 1})
    assert artifact_key("sd15", {"seed": 1}) != artifact_key("sd15", {"seed": 2})


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path):
    target = tmp_path / "out" / "a.png"
    write_atomic(target, lambda temp: temp.write_bytes(b"first"))
    with pytest.raises(RuntimeError):
        write_atomic(target, lambda temp: (temp.write_bytes(b"half"), (_ for _ in ()).throw(RuntimeError())))
    assert target.read_bytes() == b"first"
    assert [p.name for p in target.parent.iterdir()] == ["a.png"]

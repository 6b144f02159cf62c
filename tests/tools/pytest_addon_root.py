"""pytest plugin: collect the repo root as a plain folder, not as a Python package.

The repo root is the extension itself, so it has an ``__init__.py`` that imports bpy.
pytest would import it as a package before running any test, which breaks the pure-core
tests (no bpy there) and would register nothing useful anyway.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector):
    if (path / "blender_manifest.toml").is_file():
        return pytest.Dir.from_parent(parent, path=path)
    return None

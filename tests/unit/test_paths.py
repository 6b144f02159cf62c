"""Media folder resolution and path containment (pure core, no bpy)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from addon.core.paths import (
    StoryloomPathError,
    contained_path,
    ensure_writable_folder,
    resolve_media_folder,
)


def test_core_is_pure():
    assert "bpy" not in sys.modules and "torch" not in sys.modules


def test_blend_relative_folder_sits_beside_the_saved_file(tmp_path):
    resolved = resolve_media_folder("//storyloom/", str(tmp_path / "shots" / "sh010.blend"))
    assert resolved.path == tmp_path / "shots" / "storyloom"
    assert resolved.warnings == []


def test_unsaved_file_falls_back_to_temp_with_a_warning(tmp_path):
    resolved = resolve_media_folder("//storyloom/", "", temp_root=str(tmp_path))
    assert resolved.path == tmp_path / "storyloom-unsaved" / "storyloom"
    [warning] = resolved.warnings
    assert "not saved" in warning and "Save the .blend" in warning
    assert not resolved.path.exists()  # resolving never writes


def test_empty_setting_means_the_default(tmp_path):
    assert resolve_media_folder("  ", str(tmp_path / "a.blend")).path == tmp_path / "storyloom"


def test_absolute_and_home_folders(tmp_path, monkeypatch):
    assert resolve_media_folder(str(tmp_path / "m") + "/", "").path == tmp_path / "m"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_media_folder("~/media", "").path == tmp_path / "media"


def test_plain_relative_folder_is_refused():
    with pytest.raises(StoryloomPathError, match="start it with //"):
        resolve_media_folder("media/", "/x/a.blend")


def test_ensure_writable_creates_the_folder(tmp_path):
    folder = ensure_writable_folder(tmp_path / "a" / "b")
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_ensure_writable_names_the_problem_and_writes_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoryloomPathError, match=r"Cannot create the media folder .*file/media"):
        ensure_writable_folder(blocker / "media")
    with pytest.raises(StoryloomPathError, match="is a file, not a folder"):
        ensure_writable_folder(blocker)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux procfs")
def test_a_folder_no_one_can_write_is_refused():
    # /proc/self is a folder that refuses new files to every user, root included (a chmod'ed
    # folder would not stop root, and CI runs as root).
    folder = Path("/proc/self")
    with pytest.raises(StoryloomPathError, match=r"The media folder /proc/self is not writable \("):
        ensure_writable_folder(folder)


def test_a_read_only_folder_is_refused_for_its_owner(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root: permissions do not bind; /proc/self covers it above
            assert ensure_writable_folder(folder) == folder
        else:
            with pytest.raises(StoryloomPathError, match="not writable"):
                ensure_writable_folder(folder)
        assert list(folder.iterdir()) == []  # the probe never stays behind
    finally:
        folder.chmod(0o700)


def test_contained_path_accepts_inside_and_refuses_escapes(tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    assert contained_path(root, "shots/sh010/frame_0001.png") == root / "shots/sh010/frame_0001.png"
    for bad in ("../outside.png", "shots/../../x", "/etc/passwd"):
        with pytest.raises(StoryloomPathError):
            contained_path(root, bad)
    (root / "link").symlink_to(tmp_path)  # a symlink that leads out is an escape too
    with pytest.raises(StoryloomPathError, match="outside the media folder"):
        contained_path(root, Path("link") / "secret.txt")

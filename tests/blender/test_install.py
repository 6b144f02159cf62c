"""The zip Blender's tool builds: valid, lean, installable, and reachable once enabled."""

from __future__ import annotations

import zipfile

import bpy

from tests.tools import extension

SHIPPED_TOP_LEVEL = {"blender_manifest.toml", "__init__.py", "addon", "operators", "panels"}


def test_zip_validates_and_ships_only_the_extension(extension_zip):
    extension.validate(extension_zip)
    names = zipfile.ZipFile(extension_zip).namelist()
    assert {name.split("/")[0] for name in names} == SHIPPED_TOP_LEVEL
    for name in names:
        assert "__pycache__" not in name and not name.endswith(".pyc"), name
        assert not name.startswith(("tests/", "bench/", ".ci/", ".venvs/", "dist/")), name
        assert name not in ("Makefile", "pyproject.toml", ".gitignore"), name


def test_installed_where_a_user_install_puts_it(storyloom):
    installed = extension.REPO  # the source
    user_dir = bpy.utils.user_resource("EXTENSIONS")
    assert storyloom.__file__.startswith(user_dir)
    assert not storyloom.__file__.startswith(str(installed))
    assert storyloom.__name__ == "bl_ext.user_default.storyloom"


def test_operators_panels_and_cli_command_are_registered(storyloom):
    assert hasattr(bpy.ops.storyloom, "doctor")
    assert bpy.ops.storyloom.doctor.poll()
    assert hasattr(bpy.types, "STORYLOOM_OT_doctor")
    assert hasattr(bpy.types, "VIEW3D_PT_storyloom")
    cli = storyloom.addon.cli
    assert type(cli._cli_handle).__name__ == "PyCapsule"


def test_preferences_defaults(storyloom):
    preferences = bpy.context.preferences.addons[storyloom.__name__].preferences
    assert preferences.media_folder == "//storyloom/"
    assert preferences.runtime_python == ""
    assert preferences.device == "auto"
    assert {item.identifier for item in preferences.bl_rna.properties["device"].enum_items} == {
        "auto",
        "cuda",
        "mps",
        "cpu",
    }

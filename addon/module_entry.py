"""Run the Storyloom CLI with Blender as a Python module (``pip install bpy``).

``blender -c storyloom`` needs a Blender executable; the bpy module has none. This launcher
imports bpy, enables the installed extension exactly as Blender would, and calls the same
``main`` that ``blender -c storyloom`` calls. One extra command, ``install ZIP``, installs the
extension zip into the user's extensions first (``BLENDER_USER_RESOURCES`` picks where).

    python -m addon.cli install dist/storyloom-0.1.0.zip
    python -m addon.cli doctor
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

EXTENSION_ID = "storyloom"


def _installed_module_name() -> str | None:
    import addon_utils

    for module in addon_utils.modules(refresh=True):
        name = module.__name__
        if name.startswith("bl_ext.") and name.rpartition(".")[2] == EXTENSION_ID:
            return name
    return None


def install(zip_path: str) -> int:
    import bpy

    path = Path(zip_path)
    if not path.is_file():
        print(
            f"storyloom: error: no such extension zip: {zip_path} (run `make build` first)", file=sys.stderr
        )
        return 1
    result = bpy.ops.extensions.package_install_files(
        filepath=str(path.resolve()), repo="user_default", enable_on_install=True
    )
    if "FINISHED" not in result or _installed_module_name() is None:
        print(f"storyloom: error: Blender did not install {zip_path}", file=sys.stderr)
        return 1
    bpy.ops.wm.save_userpref()
    print(f"Installed {path.name} into {bpy.utils.user_resource('EXTENSIONS')}")
    return 0


def run(argv: list[str]) -> int:
    import addon_utils
    import bpy

    if argv[:1] == ["install"]:
        if len(argv) != 2:
            print("usage: python -m addon.cli install ZIP", file=sys.stderr)
            return 2
        return install(argv[1])
    name = _installed_module_name()
    if name is None:
        print(
            "storyloom: error: the Storyloom extension is not installed for this Blender "
            f"(extensions folder: {bpy.utils.user_resource('EXTENSIONS')}). "
            "Install it first: python -m addon.cli install dist/storyloom-<version>.zip",
            file=sys.stderr,
        )
        return 1
    if name not in bpy.context.preferences.addons:
        addon_utils.enable(name, default_set=True, handle_error=None)
    return importlib.import_module(f"{name}.addon.cli").main(argv)

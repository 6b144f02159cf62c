"""Build and validate the extension zip with Blender's own extension tool.

``blender --command extension build`` runs ``blender_ext.py``; the bpy module ships the same
script, so the zip is made the way Blender makes it, without a Blender executable.

    python tests/tools/extension.py build [--output-dir dist]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ADDON_MODULE = "bl_ext.user_default.storyloom"  # where Install from Disk puts it


def manifest() -> dict:
    with (REPO / "blender_manifest.toml").open("rb") as file:
        return tomllib.load(file)


def blender_ext_script() -> Path:
    """Locate blender_ext.py inside the installed bpy module, without importing bpy."""
    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("bpy is not installed in this Python: run this from a bpy venv (make venvs)")
    bpy_dir = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(bpy_dir.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if not found:
        raise SystemExit(f"blender_ext.py not found under {bpy_dir}")
    return found[-1]


def _blender_ext(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(blender_ext_script()), *args], capture_output=True, text=True)


def validate(zip_path: Path) -> None:
    result = _blender_ext("validate", str(zip_path))
    if result.returncode != 0:
        raise RuntimeError(f"blender_ext validate failed:\n{result.stdout}{result.stderr}")


def build(output_dir: Path) -> Path:
    """Build ``<output_dir>/storyloom-<version>.zip`` from the repo and validate it."""
    output_dir.mkdir(parents=True, exist_ok=True)
    data = manifest()
    zip_path = output_dir / f"{data['id']}-{data['version']}.zip"
    zip_path.unlink(missing_ok=True)
    result = _blender_ext("build", "--source-dir", str(REPO), "--output-filepath", str(zip_path))
    if result.returncode != 0 or not zip_path.is_file():
        raise RuntimeError(f"blender_ext build failed:\n{result.stdout}{result.stderr}")
    validate(zip_path)
    return zip_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--output-dir", type=Path, default=REPO / "dist")
    args = parser.parse_args()
    zip_path = build(args.output_dir)
    print(f"built and validated {zip_path.relative_to(REPO) if zip_path.is_relative_to(REPO) else zip_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

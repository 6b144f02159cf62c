"""Benchmark: the 3D staging against the old storyboard cards, per stage, for one 30-second 1080p
film (target for the default path, staging + stills: total <= 60 s on 2 cores).

    make bench      (or: STORYLOOM_RUNTIME_PYTHON=... python bench/staging.py [--every-frame|--scale-only])

Three builds of the same brief side by side: ``cards`` (flat storyboard cards, the old default),
``stage`` (3D blocking, one Workbench still per shot: the default) and, with ``--every-frame``,
``frames`` (every frame of the staging rendered: true parallax; slow, so not in ``make bench``).
A fourth column rebuilds the staged film after moving one camera: only that shot renders.
First, the stage's build time beside an empty scene and beside one with 10,000 objects.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BRIEF = "Create a cinematic 30-sec brand film with dramatic lighting and voiceover."  # as film_stages.py


def build(python: str, folder: Path, previz: str, every_frame: bool = False, plan: dict | None = None):
    """One build's report; the scene stays loaded (the rebuild column reuses it)."""
    import bpy

    from addon.blender.film import FilmBuild, FilmRequest, run_to_end
    from addon.runtime.client import WorkerClient

    request = FilmRequest(brief=BRIEF, output=folder / "film.mp4", previz=previz, stage_frames=every_frame)
    request.plan = plan
    client = WorkerClient(python, folder / "worker.log", env={"HF_HUB_OFFLINE": "1"})
    client.start()
    try:
        started = time.perf_counter()
        report = run_to_end(FilmBuild(bpy.context.scene, request, client, folder / "media"))
        report.stages["wall"] = time.perf_counter() - started
    finally:
        client.shutdown()
    return report


def staging_beside_a_big_scene(objects: int = 10_000) -> tuple[float, float]:
    """Seconds to stage (build the stage, no render) a film scene that is empty vs one holding
    ``objects`` of the artist's own: the stage is a scene of its own, so it should not grow."""
    import bpy

    from addon.blender import stage_build
    from addon.core.director import make_plan

    plan = make_plan(BRIEF)
    timings = []
    for count in (0, objects):
        bpy.ops.wm.read_homefile(use_empty=True)
        scene, mesh = bpy.context.scene, bpy.data.meshes.new("rock")
        for index in range(count):
            scene.collection.objects.link(bpy.data.objects.new(f"rock{index}", mesh))
        started = time.perf_counter()
        stage_build.build(scene, plan)
        timings.append(time.perf_counter() - started)
    return timings[0], timings[1]


def main() -> int:
    python = os.environ.get("STORYLOOM_RUNTIME_PYTHON", sys.executable)
    every_frame = "--every-frame" in sys.argv
    import bpy

    from addon import props
    from addon.core import plan as plan_io

    if not hasattr(bpy.types.Scene, "storyloom_film"):
        props.register()
    empty, big = staging_beside_a_big_scene()
    print(f"stage build beside an empty scene vs one with 10,000 objects: {empty:.3f} s vs {big:.3f} s")
    if "--scale-only" in sys.argv:
        return 0
    columns: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as temp:
        tmp = Path(temp)
        for name, previz, frames in (
            ("cards", "cards", False),
            ("stage", "stage", False),
            ("frames", "stage", True),
        ):
            if frames and not every_frame:
                continue
            bpy.ops.wm.read_homefile(use_empty=True)
            folder = tmp / name
            folder.mkdir()
            report = build(python, folder, previz, frames)
            columns[name] = report.stages
            print(f"{name}: {report.duration:.2f} s film, {len(report.shots)} shots")
            if name == "stage":  # move one camera, rebuild the same plan
                stage = bpy.context.scene["storyloom_stage_scene"]
                stage.objects["Storyloom sh020"].location.x += 0.4
                plan = plan_io.from_json(bpy.context.scene["storyloom_plan"])
                again = build(python, folder, "stage", plan=plan)
                columns["rebuild"] = again.stages
                print(f"rebuild after moving sh020's camera rendered: {again.staging['rendered']}")
    stages = list(dict.fromkeys(stage for stages in columns.values() for stage in stages))
    names = list(columns)
    print(f"\n30 s 1080p film, seconds per stage (2 cores); brief: {BRIEF}")
    print(f"{'stage':<14}" + "".join(f"{name:>10}" for name in names))
    for stage in stages:
        print(f"{stage:<14}" + "".join(f"{columns[name].get(stage, 0.0):>10.2f}" for name in names))
    total = {name: sum(v for k, v in columns[name].items() if k != "wall") for name in names}
    print(f"{'total':<14}" + "".join(f"{total[name]:>10.2f}" for name in names))
    ratio = total["stage"] / total["cards"]
    print(
        f"\nstaging + stills vs cards: {ratio:.2f}x; "
        f"default path total {total['stage']:.1f} s (target <= 60 s)"
    )
    if "frames" in total:
        print(f"every frame vs stills: {total['frames'] / total['stage']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

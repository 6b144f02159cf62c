"""Benchmark: a 30-second 1080p film from brief to MP4, time per stage (target total <= 60 s),
plain (cuts only) and with the sync layer (captions, sound cues, transitions) side by side.

    make bench      (or: STORYLOOM_RUNTIME_PYTHON=... python bench/film_stages.py)

Also measures the choice behind previz video: a camera move as animated strip transforms over
one still (what Storyloom does) against the same move written out as frames and rendered as
an image sequence, for the same 120 frames.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BRIEF = "Create a cinematic 30-sec brand film with dramatic lighting and voiceover."


def plain_plan() -> dict:
    """The same film without the sync layer's additions: cuts, no sound cues (captions off)."""
    from addon.core.director import make_plan

    plan = make_plan(BRIEF)
    for index, shot in enumerate(plan["shots"]):
        shot.update(transition="fade" if index == 0 else "cut", sfx=[])
        shot.pop("j_cut", None)
    return plan


def film_stages(python: str, tmp: Path, sync_layer: bool = True) -> dict:
    """Time per stage of one build; ``sync_layer`` False builds the plain film (see plain_plan)."""
    import bpy

    from addon import props
    from addon.blender.film import FilmBuild, FilmRequest, run_to_end
    from addon.runtime.client import WorkerClient

    if not hasattr(bpy.types.Scene, "storyloom_film"):
        props.register()  # the scene's plan and shot list live in Storyloom's properties
    bpy.ops.wm.read_homefile(use_empty=True)
    folder = tmp / ("sync" if sync_layer else "plain")
    folder.mkdir()
    request = FilmRequest(brief=BRIEF, output=folder / "film.mp4")
    if not sync_layer:
        request.plan, request.captions = plain_plan(), "off"
    client = WorkerClient(python, folder / "worker.log", env={"HF_HUB_OFFLINE": "1"})
    client.start()
    try:
        started = time.perf_counter()
        report = run_to_end(FilmBuild(bpy.context.scene, request, client, folder / "media"))
        report.stages["wall"] = time.perf_counter() - started
    finally:
        client.shutdown()
    return report.stages


FRAMES_SCRIPT = r"""
import sys, time
import numpy as np
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from addon.runtime.backends.previz_card import encode_png, render_card
out = Path(sys.argv[2]); out.mkdir(parents=True, exist_ok=True)
card = render_card(1920, 1080, ["#0b132b", "#3a506b", "#f4a259"], 1, "Bench", "a push-in over a still")
started = time.perf_counter()
for i in range(120):  # push-in: crop a shrinking window, scale it back to 1080p (nearest)
    scale = 1 + 0.12 * i / 119
    h, w = int(1080 / scale), int(1920 / scale)
    y, x = (1080 - h) // 2, (1920 - w) // 2
    rows = (np.arange(1080) * h // 1080) + y
    cols = (np.arange(1920) * w // 1920) + x
    (out / f"f_{i:04d}.png").write_bytes(encode_png(card[rows][:, cols]))
print(time.perf_counter() - started)
"""


def camera_move_choice(python: str, tmp: Path) -> tuple[float, float, float]:
    """(seconds to write frames, seconds to render them, seconds to render transforms)."""
    import bpy

    from addon.blender import compat, delivery
    from addon.core.presets import get_preset
    from addon.runtime.backends.previz_card import encode_png, render_card

    write = float(
        subprocess.run(
            [python, "-c", FRAMES_SCRIPT, str(REPO), str(tmp / "frames")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    still = tmp / "still.png"
    still.write_bytes(
        encode_png(render_card(1920, 1080, ["#0b132b", "#3a506b", "#f4a259"], 1, "Bench", "still"))
    )

    def render(setup) -> float:
        bpy.ops.wm.read_homefile(use_empty=True)
        scene = bpy.context.scene
        delivery.configure(scene, get_preset("youtube"))
        scene.frame_start, scene.frame_end = 1, 120
        setup(scene)
        started = time.perf_counter()
        delivery.render_video(scene, tmp / "move.mp4")
        return time.perf_counter() - started

    def frames(scene) -> None:
        strip = compat.strips(scene).new_image("seq", str(tmp / "frames" / "f_0000.png"), 1, 1)
        for i in range(1, 120):
            strip.elements.append(f"f_{i:04d}.png")

    def transforms(scene) -> None:
        strip = compat.strips(scene).new_image("still", str(still), 1, 1)
        strip.frame_final_duration = 120
        for frame, scale in ((1, 1.0), (120, 1.12)):
            strip.transform.scale_x = strip.transform.scale_y = scale
            strip.transform.keyframe_insert("scale_x", frame=frame)
            strip.transform.keyframe_insert("scale_y", frame=frame)

    return write, render(frames), render(transforms)


def main() -> int:
    python = os.environ.get("STORYLOOM_RUNTIME_PYTHON", str(REPO / ".venvs/runtime/bin/python"))
    with tempfile.TemporaryDirectory(prefix="storyloom-bench-") as tmp:
        tmp = Path(tmp)
        plain = film_stages(python, tmp, sync_layer=False)
        stages = film_stages(python, tmp)
        write, render_frames, render_transforms = camera_move_choice(python, tmp)
    wall, plain_wall = stages.pop("wall"), plain.pop("wall")
    print(f"\nStoryloom film benchmark: 30 s brief -> 1080p24 H.264 MP4, {os.cpu_count()} cores")
    print("plain: cuts, no captions or sound cues; sync layer: captions, cues, dips, as planned\n")
    print(f"{'stage':<12}{'plain s':>10}{'sync s':>10}{'added s':>10}{'share':>8}")
    for stage, seconds in stages.items():
        before = plain.get(stage, 0.0)
        print(f"{stage:<12}{before:>10.2f}{seconds:>10.2f}{seconds - before:>+10.2f}{seconds / wall:>8.0%}")
    print(f"{'total':<12}{plain_wall:>10.2f}{wall:>10.2f}{wall - plain_wall:>+10.2f}{'':>8}   target <= 60 s")
    print("\npreviz camera move, 120 frames at 1080p:")
    print(f"{'':<36}{'frames':>10}{'transforms':>12}{'ratio':>8}")
    frames_total = write + render_frames
    print(
        f"{'write frames + render (s)':<36}{frames_total:>10.2f}{render_transforms:>12.2f}"
        f"{frames_total / render_transforms:>7.1f}x"
    )
    print(f"{'  of which writing PNG frames (s)':<36}{write:>10.2f}{0.0:>12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: a 30-second 1080p film from brief to MP4, time per stage (target total <= 60 s).

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


def film_stages(python: str, tmp: Path) -> dict:
    import bpy

    from addon import props
    from addon.blender.film import FilmBuild, FilmRequest, run_to_end
    from addon.runtime.client import WorkerClient

    props.register()  # the scene's plan and shot list live in Storyloom's properties

    client = WorkerClient(python, tmp / "worker.log", env={"HF_HUB_OFFLINE": "1"})
    client.start()
    try:
        started = time.perf_counter()
        report = run_to_end(
            FilmBuild(
                bpy.context.scene, FilmRequest(brief=BRIEF, output=tmp / "film.mp4"), client, tmp / "media"
            )
        )
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
        stages = film_stages(python, tmp)
        write, render_frames, render_transforms = camera_move_choice(python, tmp)
    wall = stages.pop("wall")
    print(f"\nStoryloom film benchmark: 30 s brief -> 1080p24 H.264 MP4, {os.cpu_count()} cores\n")
    print(f"{'stage':<12}{'seconds':>10}{'share':>8}")
    for stage, seconds in stages.items():
        print(f"{stage:<12}{seconds:>10.2f}{seconds / wall:>8.0%}")
    print(f"{'total':<12}{wall:>10.2f}{'':>8}   target <= 60 s")
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

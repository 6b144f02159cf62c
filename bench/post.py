"""Benchmark: the post layer's engines at 1080p and what each post or delivery option adds to a
30-second film, on this machine's cores.

    make bench      (or: STORYLOOM_RUNTIME_PYTHON=... python bench/post.py [--engines-only])

Part 1 runs in the runtime Python (where OpenCV is): frames per second of each interpolation
method, of upscaling (tiled and untiled) and of deflicker and colour match, at 1080p; then the
seconds each would add to a 30 s film made of 16 fps 832x480 clips (Wan 2.1's size), the case
the film's post stage exists for. Part 2 builds the same 30 s film (previz cards) with one
option on at a time and prints the seconds each adds to the build, side by side.
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

BRIEF = "Create a cinematic 30-sec brand film with dramatic lighting and voiceover."  # as film_stages.py


class _Quiet:
    def progress(self, *args, **kwargs) -> None:
        pass

    def artifact(self, *args, **kwargs) -> None:
        pass

    def check_cancelled(self) -> None:
        pass


def _clip(folder: Path, count: int, width: int, height: int) -> list[str]:
    """A panning textured clip with a crossing square and a flicker: the shape of generated video."""
    import cv2
    import numpy as np

    from addon.runtime.backends.post_frames import write_frame

    rng = np.random.default_rng(0)
    backdrop = cv2.GaussianBlur(rng.random((height + 64, width + 256, 3)).astype(np.float32), (0, 0), 3)
    backdrop = (backdrop - backdrop.min()) / (backdrop.max() - backdrop.min())
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        frame = backdrop[32 : 32 + height, 2 * index % 256 : 2 * index % 256 + width].copy()
        x = 40 + 7 * index % (width - 120)
        frame[height // 3 : height // 3 + 80, x : x + 80] = (0.9, 0.4, 0.2)
        frame *= np.float32(1 + 0.05 * np.sin(index))
        paths.append(str(write_frame(folder / f"frame_{index + 1:04d}.png", np.clip(frame, 0, 1))))
    return paths


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def engines() -> int:
    """Part 1, in the runtime Python."""
    from addon.runtime.backends.colour_match import colour_match
    from addon.runtime.backends.deflicker import deflicker
    from addon.runtime.backends.interpolate import interpolate
    from addon.runtime.backends.upscale import upscale

    quiet = _Quiet()
    with tempfile.TemporaryDirectory() as temp:
        tmp = Path(temp)
        hd = _clip(tmp / "hd", 13, 1920, 1080)
        quarter = _clip(tmp / "quarter", 7, 480, 270)
        print(f"post engines on {os.cpu_count()} cores, 1080p (frames made per second):")
        for method in ("repeat", "blend", "flow"):
            job = {"frames": hd, "source_fps": 12, "target_fps": 24, "method": method}
            job["output_dir"] = str(tmp / f"i-{method}")
            seconds = _timed(lambda job=job: interpolate(job, quiet))
            print(f"  interpolate {method:<7} 12 -> 24 fps      {26 / seconds:6.2f} fps")
        for tile in (512, 4096):
            job = {"frames": quarter, "factor": 4, "tile": tile, "output_dir": str(tmp / f"u-{tile}")}
            seconds = _timed(lambda job=job: upscale(job, quiet))
            label = "untiled" if tile >= 1920 else f"tiles {tile}"
            print(f"  upscale 4x 480x270->1080p ({label:<9}) {len(quarter) / seconds:6.2f} fps")
        seconds = _timed(lambda: deflicker({"frames": hd, "output_dir": str(tmp / "d")}, quiet))
        print(f"  deflicker                        {len(hd) / seconds:6.2f} fps")
        job = {"shots": [{"frames": hd, "output_dir": str(tmp / "c")}], "reference_frame": hd[0]}
        seconds = _timed(lambda: colour_match(job, quiet))
        print(f"  colour match                     {len(hd) / seconds:6.2f} fps")

        print("\nadded to a 30 s film of 16 fps 832x480 clips (480 frames made, 720 delivered at 24 fps):")
        wan = _clip(tmp / "wan", 480, 832, 480)
        rows = {
            "deflicker": lambda: deflicker({"frames": wan, "output_dir": str(tmp / "wd")}, quiet),
            "colour match": lambda: colour_match(
                {"shots": [{"frames": wan, "output_dir": str(tmp / "wc")}], "reference_frame": wan[0]}, quiet
            ),
        }
        for method in ("blend", "flow"):
            job = {"frames": wan, "source_fps": 16, "target_fps": 24, "method": method}
            rows[f"fps fit {method}"] = lambda job=job, method=method: interpolate(
                {**job, "output_dir": str(tmp / f"w-{method}")}, quiet
            )
        rows["upscale to cover 1080p"] = lambda: upscale(
            {"frames": wan[:240], "cover": [1920, 1080], "output_dir": str(tmp / "wu")}, quiet
        )
        for name, run in rows.items():
            seconds = _timed(run) * (3 if name.startswith("upscale") else 1)  # 240 of 720 frames timed
            print(f"  {name:<24} {seconds:7.1f} s")
    return 0


def film(python: str, folder: Path, **options):
    import bpy

    from addon.blender.film import FilmBuild, FilmRequest, run_to_end
    from addon.runtime.client import WorkerClient

    bpy.ops.wm.read_homefile(use_empty=True)
    request = FilmRequest(brief=BRIEF, output=folder / "film.mp4", previz="cards", poster=False)
    for name, value in options.items():
        setattr(request, name, value)
    client = WorkerClient(python, folder / "worker.log", env={"HF_HUB_OFFLINE": "1"})
    client.start()
    try:
        started = time.perf_counter()
        run_to_end(FilmBuild(bpy.context.scene, request, client, folder / "media"))
        return time.perf_counter() - started
    finally:
        client.shutdown()


def main() -> int:
    python = os.environ.get("STORYLOOM_RUNTIME_PYTHON", sys.executable)
    subprocess.run(
        [python, __file__, "--engines"], check=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    if "--engines-only" in sys.argv:
        return 0
    import bpy

    from addon import props
    from addon.blender.film_post import PostSettings

    if not hasattr(bpy.types.Scene, "storyloom_film"):
        props.register()
    options = {
        "baseline": {},
        "colour match": {"post": PostSettings(match_colour="first")},
        "poster": {"poster": True},
        "mp3 + stems": {"mp3": True, "stems": True},
        "exr frames": {"deliver": ["exr"]},
        "square (pad, flow)": {"deliver": ["square"]},
    }
    seconds = {}
    with tempfile.TemporaryDirectory() as temp:
        for index, (name, settings) in enumerate(options.items()):
            folder = Path(temp) / str(index)
            folder.mkdir()
            seconds[name] = film(python, folder, **settings)
    base = seconds["baseline"]
    print(f"\n30 s 1080p24 film (previz cards), build seconds with one option on ({os.cpu_count()} cores):")
    print(f"{'option':<22}{'build s':>10}{'added s':>10}{'x base':>9}")
    for name, value in seconds.items():
        print(f"{name:<22}{value:>10.1f}{value - base:>10.1f}{value / base:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(engines() if "--engines" in sys.argv else main())

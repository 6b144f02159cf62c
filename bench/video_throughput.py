"""Benchmark: generated video, landed, against independent references.

    make bench            (or: STORYLOOM_RUNTIME_PYTHON=... python bench/video_throughput.py)

Run with Blender's Python (bpy); the model side runs in the runtime venv. Prints side by side,
min / median / max over runs interleaved A/B/A/B:
  1. frames landed per second for a 1080p sequence: the worker's frame writer (PIL on a small
     thread pool, temp folder, one rename) plus the timeline strip with its fps fit, vs Blender's
     own PNG writer (bpy Image.save_render: its image library, not PIL) writing the same pixels
     at Blender's default compression, the zlib level the worker uses; the bench checks that
     both wrote the same pictures (to 1/255) and prints their sizes; target >= 0.9x
  2. seconds per shot, tiny LTX-Video: a bare pipeline call writing its PNGs (a long-lived
     process, timed around the call and the writes) vs the same shot through Storyloom
     (client -> worker -> frames -> done, timed by the client); target <= 1.03x (medians)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from addon.core.models import load_registry  # noqa: E402
from addon.runtime.backends.video import FRAME_WRITERS, PNG_COMPRESS_LEVEL  # noqa: E402
from addon.runtime.client import WorkerClient  # noqa: E402
from addon.runtime.tracker import JobTracker  # noqa: E402
from bench.common import Reference, spread_text  # noqa: E402

# The same synthetic 1080p frames on both sides (a gradient, a wave and noise: PNG works for it).
FRAMES = r"""
import numpy as np
def synthetic_frames(count):
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:1080, 0:1920] / 1080.0
    return [np.clip(np.dstack([x * 0.5 + i / count, y, 0.5 + 0.1 * np.sin(x * 9 + i)])
            + rng.normal(0, 0.02, (1080, 1920, 3)), 0, 1).astype(np.float32) for i in range(count)]
"""

# Storyloom's side, in the runtime Python: the worker's own frame writer, on request.
WRITER = (
    FRAMES
    + r"""
import json, sys, time
from pathlib import Path
from PIL import Image
sys.path.insert(0, sys.argv[1])
from addon.core.atomic import atomic_folder
from addon.runtime.backends.video import write_frames
frames = synthetic_frames(int(sys.argv[2]))
print("@@", json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    command, *paths = line.split()
    if command == "same":  # do two sequences hold the same pixels (up to 8-bit rounding)?
        a, b = (sorted(Path(p).glob("*.png")) for p in paths)
        same = len(a) == len(b) == len(frames) and all(
            np.abs(np.asarray(Image.open(x).convert("RGB"), np.int16)
                   - np.asarray(Image.open(y).convert("RGB"), np.int16)).max() <= 1
            for x, y in zip(a, b))
        print("@@", json.dumps({"same": same, "bytes": [sum(p.stat().st_size for p in s) for s in (a, b)]}),
              flush=True)
        continue
    started = time.perf_counter()
    with atomic_folder(Path(paths[0])) as temp:
        write_frames(frames, [temp / f"frame_{i + 1:04d}.png" for i in range(len(frames))], "PNG")
    print("@@", json.dumps({"seconds": time.perf_counter() - started}), flush=True)
"""
)

BARE = r"""
import json, sys, time
from pathlib import Path
import numpy as np, torch
from PIL import Image
from diffusers import LTXPipeline
folder, out = sys.argv[1], Path(sys.argv[2])
pipe = LTXPipeline.from_pretrained(folder, dtype=torch.float32, use_safetensors=True, local_files_only=True)
pipe.set_progress_bar_config(disable=True)
print("@@", json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    started = time.perf_counter()
    frames = pipe(prompt="a kite over the dunes", width=64, height=64, num_frames=33,
                  num_inference_steps=20, guidance_scale=3.0, frame_rate=24, max_sequence_length=128,
                  generator=torch.Generator("cpu").manual_seed(int(line)), output_type="np",
                  callback_on_step_end=lambda p, i, t, kw: kw).frames[0]
    for i, f in enumerate(frames):
        pixels = np.round(np.clip(f, 0, 1) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(out / f"{i}.png", format="PNG")
    print("@@", json.dumps({"seconds": time.perf_counter() - started}), flush=True)
"""

SPEC = (
    'id = "bench-ltx"\nfamily = "ltx-video"\nsource = "tiny-ltx"\n[defaults]\nfps = 24\nframe_step = 8\n'
    "frame_offset = 1\nmax_frames = 257\nsize_multiple = 32\nimage_input = true\n"
)
# Blender's PNG compression is a percentage; its image library maps it to a zlib level
# (percent / 11): its default, 15 %, is level 1, the level the worker writes at. Sizes are printed.
BLENDER_PNG_COMPRESSION = 15


class BlenderWriter:
    """Blender's own PNG writer: a byte image filled through the Python API, saved with save_render."""

    def __init__(self, frames: list) -> None:
        import bpy
        import numpy as np

        bpy.ops.wm.read_homefile(use_empty=True)
        self.scene = bpy.context.scene
        view = self.scene.view_settings
        view.view_transform, view.look, view.exposure, view.gamma = "Standard", "None", 0.0, 1.0
        settings = self.scene.render.image_settings
        settings.file_format, settings.color_mode, settings.color_depth = "PNG", "RGB", "8"
        settings.compression = BLENDER_PNG_COMPRESSION
        height, width = frames[0].shape[:2]
        self.image = bpy.data.images.new("bench", width, height, alpha=False, float_buffer=False)
        self.frames = frames
        self.alpha = np.ones((height, width, 1), np.float32)

    def write(self, folder: Path) -> float:
        import numpy as np

        folder.mkdir(parents=True)
        started = time.perf_counter()
        for i, frame in enumerate(self.frames):
            # Blender rows run bottom-up; it rounds floats to 8 bits itself.
            self.image.pixels.foreach_set(np.concatenate([frame, self.alpha], axis=2)[::-1].ravel())
            self.image.save_render(str(folder / f"frame_{i + 1:04d}.png"), scene=self.scene)
        return time.perf_counter() - started


def land_strip(folder: Path, count: int) -> float:
    """Seconds to put ``count`` frames on the timeline as a retimed strip (16 fps clip, 24 fps scene)."""
    import bpy

    from addon.blender import video_strips

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    names = [f"frame_{i + 1:04d}.png" for i in range(count)]
    started = time.perf_counter()
    video_strips.land_video(scene, folder, names, 24.0, 1, "bench", {"model": "bench"})
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of frame writing")
    parser.add_argument("--runs", type=int, default=7, help="interleaved shots each side")
    args = parser.parse_args()
    python = os.environ.get("STORYLOOM_RUNTIME_PYTHON", str(REPO / ".venvs/runtime/bin/python"))
    env = dict(os.environ, HF_HUB_OFFLINE="1")

    with tempfile.TemporaryDirectory(prefix="storyloom-bench-video-") as tmp:
        tmp = Path(tmp)
        namespace: dict = {}
        exec(FRAMES, namespace)
        blender = BlenderWriter(namespace["synthetic_frames"](args.frames))
        writer = Reference(python, WRITER, [str(REPO), str(args.frames)], env, tmp / "writer.log")
        blender_seconds, ours_seconds = [], []
        for index in range(args.rounds):
            blender_seconds.append(blender.write(tmp / f"blender-{index}"))
            ours_seconds.append(writer.ask(f"land {tmp / f'landed-{index}'}")["seconds"])
        check = writer.ask(f"same {tmp / 'blender-0'} {tmp / 'landed-0'}")
        writer.close()
        del blender
        if not check["same"]:
            raise SystemExit("Blender's frames and the worker's frames differ: the comparison is void")
        strip_seconds = land_strip(tmp / "landed-0", args.frames)

        models = tmp / "models"
        subprocess.run(
            [python, str(REPO / "tests/tools/tiny_video_models.py"), str(models), "ltx"],
            check=True,
            capture_output=True,
            env=env,
        )
        (models / "bench-ltx.toml").write_text(SPEC)
        (tmp / "bare").mkdir()
        bare = Reference(python, BARE, [str(models / "tiny-ltx"), str(tmp / "bare")], env, tmp / "bare.log")
        spec = load_registry(models)["bench-ltx"]
        client = WorkerClient(python, tmp / "worker.log", env={"HF_HUB_OFFLINE": "1"})
        client.start()

        def shot(seed: int) -> float:
            job = {
                "task": "video",
                "spec": spec.to_dict(),
                "models_folder": str(models),
                "device": "cpu",
                "memory_mode": "speed",
                "output_dir": str(tmp / f"shot-{seed}"),
                "params": {
                    "prompt": "a kite over the dunes",
                    "negative_prompt": "",
                    "seed": seed,
                    "width": 64,
                    "height": 64,
                    "frames": 33,
                    "steps": 20,
                    "guidance": 3.0,
                },
            }
            started = time.perf_counter()
            state = JobTracker(client, client.submit(job)).wait(300)
            assert state.status == "done", state.message
            return time.perf_counter() - started

        bare.ask("0")  # both sides warm before timing
        shot(0)
        bare_times, ours = [], []
        for seed in range(1, args.runs + 1):
            bare_times.append(bare.ask(str(seed))["seconds"])
            ours.append(shot(seed))
        bare.close()
        client.shutdown()

    blender_fps = [args.frames / seconds for seconds in blender_seconds]
    landed_fps = [args.frames / (seconds + strip_seconds) for seconds in ours_seconds]
    bare_median, ours_median = statistics.median(bare_times), statistics.median(ours)
    blender_bytes, ours_bytes = check["bytes"]
    print(
        f"\nStoryloom video benchmark: {args.frames} frames at 1920x1080, {args.rounds} rounds; "
        f"tiny LTX 64x64x33, 20 steps, {args.runs} shots each; interleaved A/B, "
        f"CPU ({os.cpu_count()} cores)\n"
    )
    print(f"{'(min / median / max)':<40}{'reference':>27}{'Storyloom':>27}{'ratio':>9}")
    print(
        f"{'1080p frames landed per second':<40}{spread_text(blender_fps, digits=2):>27}"
        f"{spread_text(landed_fps, digits=2):>27}"
        f"{statistics.median(landed_fps) / statistics.median(blender_fps):>8.3f}x   target >= 0.9x"
    )
    print(
        f"{f'  PNG MB per frame ({BLENDER_PNG_COMPRESSION} % / lvl {PNG_COMPRESS_LEVEL})':<40}"
        f"{blender_bytes / args.frames / 1e6:>27.2f}"
        f"{ours_bytes / args.frames / 1e6:>27.2f}"
    )
    print(f"{'  of which: timeline strip (ms)':<40}{'':>27}{strip_seconds * 1000:>27.2f}")
    writers = min(args.frames, FRAME_WRITERS, os.cpu_count() or 1)
    print(f"{'  writer threads (Blender / worker)':<40}{1:>27}{writers:>27}")
    print(
        f"{'seconds per shot (warm), bare LTX call':<40}{spread_text(bare_times):>27}{spread_text(ours):>27}"
        f"{ours_median / bare_median:>8.3f}x   target <= 1.03x (medians)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

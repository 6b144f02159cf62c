"""Benchmark: generated video, landed, against the raw work it cannot avoid.

    make bench            (or: STORYLOOM_RUNTIME_PYTHON=... python bench/video_throughput.py)

Run with Blender's Python (bpy); the model side runs in the runtime venv. Prints side by side:
  1. frames landed per second for a 1080p sequence: the worker's frame writer (temp folder,
     PNG per frame, one rename) plus the timeline strip with its fps fit, vs plain PNG writes
     of the same frames with PIL outside Blender; target >= 0.9x
  2. median seconds per shot, tiny LTX-Video: a bare pipeline call writing its PNGs vs the
     same shot through Storyloom (client -> worker -> frames -> done); target <= 1.03x
"""

from __future__ import annotations

import argparse
import json
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
from addon.runtime.client import WorkerClient  # noqa: E402
from addon.runtime.tracker import JobTracker  # noqa: E402

# Writes the same 1080p frames twice in the runtime Python: plain PIL, then the worker's writer.
WRITE = r"""
import json, sys, time
from pathlib import Path
import numpy as np
from PIL import Image
sys.path.insert(0, sys.argv[1])
from addon.core.atomic import atomic_folder
from addon.runtime.backends.video import _write_frame
count, out = int(sys.argv[2]), Path(sys.argv[3])
rng = np.random.default_rng(0)
y, x = np.mgrid[0:1080, 0:1920] / 1080.0
frames = [np.clip(np.dstack([x * 0.5 + i / count, y, 0.5 + 0.1 * np.sin(x * 9 + i)])
          + rng.normal(0, 0.02, (1080, 1920, 3)), 0, 1).astype(np.float32) for i in range(count)]
raw = out / "raw"; raw.mkdir()
started = time.perf_counter()
for i, f in enumerate(frames):
    pixels = np.round(np.clip(f, 0, 1) * 255).astype(np.uint8)
    Image.fromarray(pixels, "RGB").save(raw / f"frame_{i + 1:04d}.png", format="PNG")
raw_seconds = time.perf_counter() - started
started = time.perf_counter()
with atomic_folder(out / "landed") as temp:
    for i, f in enumerate(frames):
        _write_frame(f, temp / f"frame_{i + 1:04d}.png", "PNG")
ours_seconds = time.perf_counter() - started
print(json.dumps({"raw": raw_seconds, "ours": ours_seconds}))
"""

BARE = r"""
import json, sys, time
from pathlib import Path
import numpy as np, torch
from PIL import Image
from diffusers import LTXPipeline
folder, runs, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
pipe = LTXPipeline.from_pretrained(folder, dtype=torch.float32, use_safetensors=True, local_files_only=True)
pipe.set_progress_bar_config(disable=True)
times = []
for run in range(runs + 1):
    started = time.perf_counter()
    frames = pipe(prompt="a kite over the dunes", width=64, height=64, num_frames=33,
                  num_inference_steps=20, guidance_scale=3.0, frame_rate=24, max_sequence_length=128,
                  generator=torch.Generator("cpu").manual_seed(run), output_type="np",
                  callback_on_step_end=lambda p, i, t, kw: kw).frames[0]
    for i, f in enumerate(frames):
        pixels = np.round(np.clip(f, 0, 1) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(out / f"{i}.png", format="PNG")
    times.append(time.perf_counter() - started)
print(json.dumps({"times": times[1:]}))
"""

SPEC = (
    'id = "bench-ltx"\nfamily = "ltx-video"\nsource = "tiny-ltx"\n[defaults]\nfps = 24\nframe_step = 8\n'
    "frame_offset = 1\nmax_frames = 257\nsize_multiple = 32\nimage_input = true\n"
)


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
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    python = os.environ.get("STORYLOOM_RUNTIME_PYTHON", str(REPO / ".venvs/runtime/bin/python"))
    env = dict(os.environ, HF_HUB_OFFLINE="1")

    with tempfile.TemporaryDirectory(prefix="storyloom-bench-video-") as tmp:
        tmp = Path(tmp)
        writes = json.loads(
            subprocess.run(
                [python, "-c", WRITE, str(REPO), str(args.frames), str(tmp)],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
        )
        strip_seconds = land_strip(tmp / "landed", args.frames)

        models = tmp / "models"
        subprocess.run(
            [python, str(REPO / "tests/tools/tiny_video_models.py"), str(models), "ltx"],
            check=True,
            capture_output=True,
            env=env,
        )
        (models / "bench-ltx.toml").write_text(SPEC)
        (tmp / "bare").mkdir()
        bare = json.loads(
            subprocess.run(
                [python, "-c", BARE, str(models / "tiny-ltx"), str(args.runs), str(tmp / "bare")],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
        )
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

        shot(0)  # load
        ours = [shot(seed) for seed in range(1, args.runs + 1)]
        client.shutdown()

    raw_fps = args.frames / writes["raw"]
    landed_fps = args.frames / (writes["ours"] + strip_seconds)
    bare_median, ours_median = statistics.median(bare["times"]), statistics.median(ours)
    print(
        f"\nStoryloom video benchmark: {args.frames} frames at 1920x1080; tiny LTX 64x64x33, 20 steps, CPU\n"
    )
    print(f"{'measure':<46}{'raw / bare':>14}{'Storyloom':>12}{'ratio':>9}")
    print(
        f"{'1080p frames landed per second':<46}{raw_fps:>14.2f}{landed_fps:>12.2f}"
        f"{landed_fps / raw_fps:>8.3f}x   target >= 0.9x"
    )
    print(f"{'  of which: timeline strip (ms)':<46}{'':>14}{strip_seconds * 1000:>12.2f}")
    print(
        f"{'median seconds per shot (warm)':<46}{bare_median:>14.4f}{ours_median:>12.4f}"
        f"{ours_median / bare_median:>8.3f}x   target <= 1.03x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the model runtime's cost over a bare diffusers call.

    make bench            (or: STORYLOOM_RUNTIME_PYTHON=... python bench/runtime_overhead.py)

Prints, side by side from one run:
  1. median seconds per image, bare diffusers (in the runtime venv) vs Storyloom (client ->
     worker -> PNG file -> done event), same tiny model and settings; target ratio <= 1.03
  2. cold (worker start + model load + image) vs warm (image only) job
  3. main-thread cost of one modal tick while a job runs (max and p99); target <= 10 ms
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

from addon.core.models import get_spec, load_registry  # noqa: E402
from addon.runtime.client import WorkerClient  # noqa: E402
from addon.runtime.tracker import JobTracker  # noqa: E402

BARE = r"""
import json, sys, time
started = time.perf_counter()
import torch
from diffusers import StableDiffusionPipeline
folder, out = sys.argv[1], sys.argv[5]
runs, width, steps = (int(value) for value in sys.argv[2:5])
pipe = StableDiffusionPipeline.from_pretrained(folder, dtype=torch.float32, use_safetensors=True,
                                               local_files_only=True)
pipe.set_progress_bar_config(disable=True)
load = time.perf_counter() - started
times = []
for run in range(runs + 1):
    started = time.perf_counter()
    image = pipe(prompt="a lighthouse at dusk", width=width, height=width, num_inference_steps=steps,
                 guidance_scale=5.0, generator=torch.Generator("cpu").manual_seed(run),
                 callback_on_step_end=lambda p, i, t, kw: kw).images[0]
    image.save(out, format="PNG")
    times.append(time.perf_counter() - started)
print(json.dumps({"load": load, "times": times[1:]}))
"""


def image_job(spec, models_folder: Path, output: Path, width: int, steps: int, seed: int) -> dict:
    return {
        "task": "text-to-image",
        "spec": spec.to_dict(),
        "params": {
            "prompt": "a lighthouse at dusk",
            "negative_prompt": "",
            "seed": seed,
            "width": width,
            "height": width,
            "steps": steps,
            "guidance": 5.0,
        },
        "output": str(output),
        "models_folder": str(models_folder),
        "allow_online": False,
        "device": "cpu",
        "memory_mode": "speed",
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    python = os.environ.get("STORYLOOM_RUNTIME_PYTHON", str(REPO / ".venvs/runtime/bin/python"))
    env = dict(os.environ, HF_HUB_OFFLINE="1")

    with tempfile.TemporaryDirectory(prefix="storyloom-bench-") as tmp:
        tmp = Path(tmp)
        models = tmp / "models"
        subprocess.run(
            [python, str(REPO / "tests/tools/tiny_models.py"), "sd", str(models / "tiny-sd")],
            check=True,
            capture_output=True,
            env=env,
        )
        spec = get_spec(load_registry(models), "tiny-sd")

        bare = json.loads(
            subprocess.run(
                [
                    python,
                    "-c",
                    BARE,
                    str(models / "tiny-sd"),
                    str(args.runs),
                    str(args.width),
                    str(args.steps),
                    str(tmp / "bare.png"),
                ],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            ).stdout
        )

        client = WorkerClient(python, tmp / "worker.log", env={"HF_HUB_OFFLINE": "1"})
        started = time.perf_counter()
        client.start()
        worker_start = time.perf_counter() - started

        def run_job(seed: int) -> tuple[float, JobTracker]:
            started = time.perf_counter()
            tracker = JobTracker(
                client, client.submit(image_job(spec, models, tmp / "sl.png", args.width, args.steps, seed))
            )
            state = tracker.wait(300)
            assert state.status == "done", state.message
            return time.perf_counter() - started, tracker

        cold, _ = run_job(0)
        warm = [run_job(seed)[0] for seed in range(1, args.runs + 1)]

        # Main-thread cost: tick every 10 ms (the modal timer's job) while a long job runs.
        tracker = JobTracker(
            client, client.submit(image_job(spec, models, tmp / "tick.png", args.width, args.steps * 5, 99))
        )
        ticks = []
        while not tracker.state.finished:
            started = time.perf_counter()
            tracker.tick()
            ticks.append(time.perf_counter() - started)
            time.sleep(0.01)
        client.shutdown()

    bare_median, ours_median = statistics.median(bare["times"]), statistics.median(warm)
    print(
        f"\nStoryloom runtime benchmark: tiny SD, {args.width}x{args.width}, {args.steps} steps, "
        f"{args.runs} runs each, CPU\n"
    )
    print(f"{'measure':<44}{'bare diffusers':>16}{'Storyloom':>14}{'ratio':>9}")
    print(
        f"{'median seconds per image (warm)':<44}{bare_median:>16.4f}{ours_median:>14.4f}"
        f"{ours_median / bare_median:>8.3f}x   target <= 1.03x"
    )
    print(
        f"{'imports + model load seconds (cold)':<44}{bare['load']:>16.4f}{cold - ours_median:>14.4f}"
        f"{(cold - ours_median) / bare['load']:>8.3f}x   (Storyloom: cold job minus a warm one)"
    )
    print(f"\n{'cold job (worker up, load + image)':<44}{cold:>10.4f} s")
    print(f"{'warm job (image only)':<44}{ours_median:>10.4f} s   cold/warm {cold / ours_median:.1f}x")
    print(f"{'worker start (process up, hello received)':<44}{worker_start:>10.4f} s")
    print(f"{'modal tick, main thread: max':<44}{max(ticks) * 1000:>10.3f} ms   target <= 10 ms")
    print(
        f"{'modal tick, main thread: p99':<44}{percentile(ticks, 0.99) * 1000:>10.3f} ms   "
        f"({len(ticks)} ticks)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

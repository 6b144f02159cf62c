"""Benchmark: the model runtime's cost over a bare diffusers call.

    make bench            (or: STORYLOOM_RUNTIME_PYTHON=... python bench/runtime_overhead.py)

Prints, side by side from one run:
  1. seconds per image, bare diffusers (a long-lived process in the runtime venv, timed around
     the pipeline call and the PNG save) vs Storyloom (client -> worker -> PNG file -> done
     event, timed by the client), same tiny model and settings, runs interleaved A/B/A/B;
     min / median / max of each; target: ratio of medians <= 1.03
  2. cold: process start to the first image written, for both (Storyloom: worker start,
     imports, model load and the image; bare: interpreter start, imports, load and the image)
  3. main-thread cost of one modal tick while a job runs (max and p99); target <= 10 ms
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

from addon.core.models import get_spec, load_registry  # noqa: E402
from addon.runtime.client import WorkerClient  # noqa: E402
from addon.runtime.tracker import JobTracker  # noqa: E402
from bench.common import Reference, spread_text  # noqa: E402

BARE = r"""
import json, sys, time
import torch
from diffusers import StableDiffusionPipeline
folder, width, steps, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
pipe = StableDiffusionPipeline.from_pretrained(folder, dtype=torch.float32, use_safetensors=True,
                                               local_files_only=True)
pipe.set_progress_bar_config(disable=True)
print("@@", json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    started = time.perf_counter()
    image = pipe(prompt="a lighthouse at dusk", width=width, height=width, num_inference_steps=steps,
                 guidance_scale=5.0, generator=torch.Generator("cpu").manual_seed(int(line)),
                 callback_on_step_end=lambda p, i, t, kw: kw).images[0]
    image.save(out, format="PNG")
    print("@@", json.dumps({"seconds": time.perf_counter() - started}), flush=True)
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

        # Read the libraries from disk once, untimed, so neither cold start pays for the other's I/O.
        subprocess.run([python, "-c", "import torch, diffusers, transformers"], check=True, env=env)
        # Cold, bare: interpreter start, imports, load, first image.
        started = time.perf_counter()
        bare = Reference(
            python,
            BARE,
            [str(models / "tiny-sd"), str(args.width), str(args.steps), str(tmp / "bare.png")],
            env,
            tmp / "bare.log",
        )
        bare.ask("0")
        bare_cold = time.perf_counter() - started

        # Cold, Storyloom: worker start (process, hello), imports, load, first image.
        client = WorkerClient(python, tmp / "worker.log", env={"HF_HUB_OFFLINE": "1"})
        started = time.perf_counter()
        client.start()
        worker_start = time.perf_counter() - started

        def run_job(seed: int) -> float:
            started = time.perf_counter()
            tracker = JobTracker(
                client, client.submit(image_job(spec, models, tmp / "sl.png", args.width, args.steps, seed))
            )
            state = tracker.wait(300)
            assert state.status == "done", state.message
            return time.perf_counter() - started

        ours_cold = worker_start + run_job(0)

        # Warm, interleaved A/B/A/B: drift in the machine's speed hits both sides alike.
        bare_times, ours = [], []
        for seed in range(1, args.runs + 1):
            bare_times.append(bare.ask(str(seed))["seconds"])
            ours.append(run_job(seed))
        bare.close()

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

    bare_median, ours_median = statistics.median(bare_times), statistics.median(ours)
    print(
        f"\nStoryloom runtime benchmark: tiny SD, {args.width}x{args.width}, {args.steps} steps, "
        f"{args.runs} runs each interleaved A/B, CPU ({os.cpu_count()} cores)\n"
    )
    print(f"{'seconds (min / median / max)':<34}{'bare diffusers':>27}{'Storyloom':>27}{'ratio':>9}")
    print(
        f"{'per image, warm':<34}{spread_text(bare_times):>27}{spread_text(ours):>27}"
        f"{ours_median / bare_median:>8.3f}x   target <= 1.03x (medians)"
    )
    print(
        f"{'cold: process start to 1st image':<34}{bare_cold:>27.4f}{ours_cold:>27.4f}"
        f"{ours_cold / bare_cold:>8.3f}x"
    )
    print(f"\n{'cold job (worker start + load + image)':<44}{ours_cold:>10.4f} s")
    print(f"{'  of which worker start (process up, hello)':<44}{worker_start:>10.4f} s")
    print(
        f"{'warm job (image only), median':<44}{ours_median:>10.4f} s   "
        f"cold/warm {ours_cold / ours_median:.1f}x"
    )
    print(f"{'modal tick, main thread: max':<44}{max(ticks) * 1000:>10.3f} ms   target <= 10 ms")
    print(
        f"{'modal tick, main thread: p99':<44}{percentile(ticks, 0.99) * 1000:>10.3f} ms   "
        f"({len(ticks)} ticks)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

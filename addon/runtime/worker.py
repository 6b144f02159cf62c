"""The model worker: a process of its own, in the runtime Python, that Blender drives.

    python -m addon.runtime.worker [--memory-budget-gb 12]     (PYTHONPATH = extension root)

Requests arrive as protocol lines on stdin; events leave on the real stdout. Anything else a
library prints goes to stderr (Blender writes it to the worker log), so it can never corrupt
the protocol stream. Jobs run one at a time on the main thread; a reader thread takes
requests, so a cancel reaches a running job between two denoising steps.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import queue
import sys
import threading
import time
import traceback
from pathlib import Path

from ..core import protocol
from ..core.models import ModelError, ModelSpec
from ..core.validation import BadInput, check_edit_params, check_image_params
from .backends import JobCancelled, JobContext
from .cache import ModelCache

log = logging.getLogger("storyloom.worker")

_SHUTDOWN = object()

# Tasks that need no model cache: task -> (backends module, function(job, context) -> result).
SIMPLE_TASKS = {
    "download": ("download", "download"),
    "previz-image": ("previz_card", "previz_image"),
    "speech": ("speech_espeak", "speak"),
    "music": ("music_procedural", "music"),
    "loudness": ("loudness", "measure"),
    "master": ("loudness", "master"),
    "sfx": ("sfx_procedural", "sfx"),
    "interpolate": ("interpolate", "interpolate"),
    "upscale": ("upscale", "upscale"),
    "deflicker": ("deflicker", "deflicker"),
    "colour_match": ("colour_match", "colour_match"),
    "probe": ("probe", "probe"),
}


class Worker:
    def __init__(self, out, memory_budget_bytes: int):
        self._out = out
        self._write_lock = threading.Lock()
        self._jobs: queue.Queue = queue.Queue()
        self._cancel_requested: set[str] = set()
        self._running: JobContext | None = None
        self._state_lock = threading.Lock()
        self.jobs_finished = 0
        self.cache = ModelCache(memory_budget_bytes, size_of=_weights_bytes, release=_release)
        self._placements: dict = {}  # cache key -> the Placement its model was loaded with

    # -- output ---------------------------------------------------------------------------
    def emit(self, kind: str, job_id: str = "", **data) -> None:
        line = protocol.encode(kind, job_id, **data)
        with self._write_lock:
            self._out.write(line)
            self._out.flush()

    # -- requests (reader thread) ---------------------------------------------------------
    def handle(self, message: protocol.Message) -> bool:
        """Handle one request; returns False when the worker should stop reading."""
        if message.kind == "submit":
            self.emit("queued", message.job_id, position=self._jobs.qsize())
            self._jobs.put((message.job_id, message.data))
        elif message.kind == "cancel":
            with self._state_lock:
                running = self._running
                if running is not None and running.job_id == message.job_id:
                    running.request_cancel()
                else:
                    self._cancel_requested.add(message.job_id)
        elif message.kind == "unload":
            self._jobs.put((message.job_id, {"task": "unload", **message.data}))
        elif message.kind == "stats":
            self.emit("stats", message.job_id, **self.stats())
        elif message.kind == "shutdown":
            self.stop()
            return False
        return True

    def stop(self) -> None:
        with self._state_lock:
            if self._running is not None:
                self._running.cancelled.set()
        self._jobs.put(_SHUTDOWN)

    def stats(self) -> dict:
        stats = self.cache.stats
        running = self._running
        return {
            "running": running.job_id if running is not None else "",
            "running_step": running.last_step if running is not None else 0,
            "pid": os.getpid(),
            "python": sys.executable,
            "loads": stats.loads,
            "hits": stats.hits,
            "evictions": stats.evictions,
            "unloads": stats.unloads,
            "load_seconds": stats.load_seconds,
            "loaded": self.cache.keys,
            "used_bytes": self.cache.used_bytes,
            "budget_bytes": self.cache.budget_bytes,
            "jobs_finished": self.jobs_finished,
        }

    # -- jobs (main thread) ---------------------------------------------------------------
    def run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _SHUTDOWN:
                return
            job_id, job = item
            with self._state_lock:
                if job_id in self._cancel_requested:
                    self._cancel_requested.discard(job_id)
                    self.emit("cancelled", job_id, while_queued=True)
                    continue
                context = JobContext(job_id=job_id, emit=self.emit)
                self._running = context
            self.emit("started", job_id, task=job.get("task", ""))
            started = time.perf_counter()
            try:
                result = self.run_task(job, context)
            except JobCancelled:
                self.emit("cancelled", job_id, at_step=context.cancel_step)
            except (BadInput, ModelError) as error:
                self.emit(
                    "failed", job_id, error_kind=getattr(error, "kind", "bad_input"), message=str(error)
                )
            except ImportError as error:
                self.emit(
                    "failed",
                    job_id,
                    error_kind="runtime_missing",
                    message=(
                        f"{error.name or error} is not installed in the runtime Python {sys.executable}. "
                        "Run Storyloom > Install Runtime, or point Runtime Python at a venv that has it."
                    ),
                )
            except Exception as error:  # the worker must survive any job
                traceback.print_exc(file=sys.stderr)
                kind = "out_of_memory" if type(error).__name__ == "OutOfMemoryError" else "internal"
                message = f"{type(error).__name__}: {error}"
                if kind == "out_of_memory":
                    message += " Try memory mode 'low', a smaller size, or a smaller model."
                self.emit("failed", job_id, error_kind=kind, message=message)
            else:
                # The job's own time wins over any "seconds" a backend reports in its result.
                self.emit(
                    "done", job_id, **{**(result or {}), "seconds": round(time.perf_counter() - started, 4)}
                )
            finally:
                with self._state_lock:
                    self._running = None
                self.jobs_finished += 1

    def run_task(self, job: dict, context: JobContext) -> dict | None:
        task = job.get("task")
        if task == "text-to-image":
            return self._text_to_image(job, context)
        if task == "image-sequence":
            return self._image_sequence(job, context)
        if task == "video":
            return self._video(job, context)
        if task == "constrained-json":
            return self._constrained_json(job, context)
        if task in ("speech-line", "music-clip", "sfx-clip"):
            from .backends import audio_jobs

            used = []

            def placement_for(spec: ModelSpec):
                placement, _ = self._placement(job, spec, f"{spec.family}:{spec.source}")
                used.append(placement)
                return placement

            run = {
                "speech-line": audio_jobs.speech,
                "music-clip": audio_jobs.music,
                "sfx-clip": audio_jobs.sfx,
            }[task]
            result = run(job, context, self.cache, placement_for)
            return {**result, "placement": used[-1].record()} if used and result is not None else result
        if task == "upscale" and job.get("method") == "diffusion":
            return self._diffusion_upscale(job, context)
        if task in SIMPLE_TASKS:
            module_name, function_name = SIMPLE_TASKS[task]
            module = importlib.import_module(f"{__package__}.backends.{module_name}")
            return getattr(module, function_name)(job, context)
        if task == "unload":
            return {"unloaded": self.cache.unload(job.get("key"))}
        raise BadInput(f"Unknown task '{task}'.")

    def _text_to_image(self, job: dict, context: JobContext) -> dict:
        """Every diffusion image job: text to image, img2img, inpaint, depth-guided, seamless."""
        from .backends import text_to_image as images

        spec = ModelSpec(**job["spec"])
        params = check_image_params(**job["params"])
        edit = check_edit_params(**job.get("edit", {}))
        images.check_mode_supported(spec, edit)
        output = Path(job["output"])
        if edit.mode in ("image", "inpaint") and edit.strength == 0:
            # Strength 0 adds no noise: the answer is the source itself, without a VAE round trip.
            from .backends.image_inputs import copy_as_png

            copy_as_png(edit.source, (params.width, params.height), output)
            context.artifact(output, width=params.width, height=params.height)
            return {"output": str(output), "cache_hit": False, "device": "none", "model_ran": False}
        placement, key = self._placement(job, spec, f"{spec.family}:{spec.source}")
        models_folder = Path(job["models_folder"])
        allow_online = bool(job.get("allow_online", False))
        controlnet = None
        if edit.mode == "depth":
            controlnet = self._controlnet(job, spec, placement, models_folder, allow_online)
        cache_hit = key in self.cache
        pipe = self.cache.get(
            key,
            lambda: images.load_pipeline(spec, placement, models_folder, allow_online),
            clock=time.perf_counter,
        )
        context.check_cancelled()
        pipe = images.pipeline_for_mode(pipe, spec, edit, controlnet)
        images.generate(pipe, spec, params, edit, output, context)
        result = {
            "output": str(output),
            "cache_hit": cache_hit,
            "device": placement.device,
            "placement": placement.record(),
            "model_ran": True,
        }
        if edit.mode == "depth":
            result["control"] = edit.control  # the record of what conditioned the picture
        if edit.maps:
            from .backends.material_maps import write_maps

            maps = write_maps(output, wrap=edit.seamless)
            for role, path in maps.items():
                context.artifact(path, role=role)
            result["maps"] = {role: str(path) for role, path in maps.items()}
        return result

    def _diffusion_upscale(self, job: dict, context: JobContext) -> dict:
        """Stable Diffusion's x4 upscaler, warm in the cache across jobs like every model."""
        from .backends import sd_upscale

        spec = ModelSpec(**job["spec"])
        placement, key = self._placement(job, spec, f"{spec.family}:{spec.source}")
        folder, online = Path(job["models_folder"]), bool(job.get("allow_online", False))
        pipe = self.cache.get(
            key, lambda: sd_upscale.load(spec, placement, folder, online), clock=time.perf_counter
        )
        return {
            **sd_upscale.upscale(pipe, spec, job, context),
            "method": spec.id,
            "placement": placement.record(),
        }

    def _image_sequence(self, job: dict, context: JobContext) -> dict:
        """Image to image on every frame of a rendered sequence, one seed for all (the "AI render").

        Frames are written into a temp folder that becomes the output folder only when every
        frame is done, so a cancel or a failure leaves no partial sequence.
        """
        from dataclasses import replace

        from ..core.atomic import atomic_folder
        from .backends import text_to_image as images

        spec = ModelSpec(**job["spec"])
        params = check_image_params(**job["params"])
        edit = check_edit_params(**{**job.get("edit", {}), "mode": "image", "source": "sequence"})
        images.check_mode_supported(spec, edit)
        sources = [str(path) for path in job["sources"]]
        if not sources:
            raise BadInput("There are no frames to restyle.")
        placement, key = self._placement(job, spec, f"{spec.family}:{spec.source}")
        models_folder = Path(job["models_folder"])
        pipe = self.cache.get(
            key,
            lambda: images.load_pipeline(
                spec, placement, models_folder, bool(job.get("allow_online", False))
            ),
            clock=time.perf_counter,
        )
        pipe = images.pipeline_for_mode(pipe, spec, edit, None)
        output_dir = Path(job["output_dir"])
        names = []
        with atomic_folder(output_dir) as temp:
            for index, source in enumerate(sources):
                context.check_cancelled()
                name = f"frame_{index + 1:04d}.png"
                if edit.strength == 0:  # no noise added: each frame is its render (as for one image)
                    from .backends.image_inputs import copy_as_png

                    copy_as_png(source, (params.width, params.height), temp / name)
                else:
                    frame = replace(edit, source=source)
                    images.generate(pipe, spec, params, frame, temp / name, context.part(index, len(sources)))
                names.append(name)
        context.artifact(output_dir, frames=len(names))
        return {"output_dir": str(output_dir), "frames": names, "placement": placement.record()}

    def _video(self, job: dict, context: JobContext) -> dict:
        """Text or image to video, in chunks when the shot is longer than the model's window."""
        from ..core.video import VideoRules, check_video_params
        from .backends import video

        spec = ModelSpec(**job["spec"])
        rules = VideoRules.from_defaults(spec.defaults)
        params = check_video_params(spec.id, rules, **job["params"], prompt_required=spec.family != "svd")
        image = str(job.get("image") or "")
        video.check_image_need(spec, rules, bool(image))
        placement, key = self._placement(job, spec, f"{spec.family}:{spec.source}")
        models_folder = Path(job["models_folder"])
        allow_online = bool(job.get("allow_online", False))
        cache_hit = key in self.cache
        pipe = self.cache.get(
            key,
            lambda: video.load_video_pipeline(spec, placement, models_folder, allow_online),
            clock=time.perf_counter,
        )
        context.check_cancelled()
        result = video.generate_video(pipe, spec, params, rules, image, Path(job["output_dir"]), context)
        return {**result, "cache_hit": cache_hit, "device": placement.device, "placement": placement.record()}

    def _constrained_json(self, job: dict, context: JobContext) -> dict:
        """An LLM's answer held to a JSON Schema (the director's plan drafts)."""
        from .backends import planner_llm

        spec = ModelSpec(**job["spec"])
        placement, key = self._placement(job, spec, f"llm:{spec.source}")
        models_folder = Path(job["models_folder"])
        loaded = self.cache.get(
            key,
            lambda: planner_llm.load(spec, placement, models_folder, bool(job.get("allow_online", False))),
            clock=time.perf_counter,
        )
        text, stats = planner_llm.constrained_json(
            loaded,
            job["messages"],
            job["schema"],
            int(job.get("seed", 0)),
            int(job.get("max_new_tokens", 4096)),
            float(job.get("time_limit_s", 120.0)),
            context,
        )
        return {"text": text, **stats, "placement": placement.record()}

    def _placement(self, job: dict, spec: ModelSpec, prefix: str):
        """(placement, cache key) for ``spec``: decided now, or as decided when the model was loaded.

        ``auto`` decides from the memory free now; once a model is loaded, the memory it holds
        is not free any more, so a warm model keeps the placement it was loaded with.
        """
        from .devices import DEFAULT_MEMORY_MODE, choose_placement, model_facts

        placement = choose_placement(
            job.get("device", "auto"),
            job.get("memory_mode", DEFAULT_MEMORY_MODE),
            spec.family,
            **model_facts(spec),
        )
        key = f"{prefix}@{placement.key}"
        self._placements = {k: p for k, p in self._placements.items() if k in self.cache}
        if key in self._placements:
            placement = self._placements[key]
            log.info("placement of %s (warm): %s", spec.id, placement.reason)
        else:
            self._placements[key] = placement
            log.info("placement of %s: %s", spec.id, placement.reason)
        return placement, key

    def _controlnet(self, job: dict, spec: ModelSpec, placement, models_folder: Path, allow_online: bool):
        from .backends.text_to_image import load_controlnet

        if "controlnet" not in job:
            raise BadInput("Depth-guided generation needs a ControlNet model (e.g. controlnet-depth-sd15).")
        controlnet_spec = ModelSpec(**job["controlnet"])
        base = controlnet_spec.defaults.get("base_family", "stable-diffusion")
        if base != spec.family:
            raise BadInput(
                f"ControlNet '{controlnet_spec.id}' steers {base} models, but '{spec.id}' is {spec.family}: "
                "pick a matching pair (controlnet-depth-sd15 with SD 1.5, controlnet-depth-sdxl with SDXL)."
            )
        # The ControlNet runs inside the base pipeline: the base model's placement is its own.
        key = f"controlnet:{controlnet_spec.source}@{placement.key}"
        return self.cache.get(
            key,
            lambda: load_controlnet(controlnet_spec, placement, models_folder, allow_online),
            clock=time.perf_counter,
        )


def _weights_bytes(pipe) -> int:
    from .devices import weights_bytes

    return weights_bytes(pipe)


def _release(pipe) -> None:
    from .devices import release

    release(pipe)


def _read_requests(worker: Worker, stream) -> None:
    for raw in stream:
        try:
            message = protocol.decode(raw)
        except protocol.ProtocolError as error:
            log.error("ignored a bad request: %s", error)
            continue
        if not worker.handle(message):
            return
    worker.stop()  # stdin closed: Blender went away, so stop after the running job


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="storyloom-worker")
    parser.add_argument("--memory-budget-gb", type=float, default=float("inf"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    # Keep a private handle on the real stdout for the protocol, then point fd 1 at stderr so
    # stray prints from libraries land in the log instead of the protocol stream.
    protocol_out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    budget = args.memory_budget_gb
    worker = Worker(protocol_out, int(budget * 2**30) if budget != float("inf") else 2**62)
    worker.emit("hello", protocol=protocol.PROTOCOL_VERSION, pid=os.getpid(), python=sys.executable)
    reader = threading.Thread(target=_read_requests, args=(worker, sys.stdin), daemon=True)
    reader.start()
    worker.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

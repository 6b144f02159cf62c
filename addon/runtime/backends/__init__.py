"""Backends: the code that runs one job's task in the worker, one module per model family."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


class JobCancelled(Exception):
    """Raised inside a backend when the job's cancel flag was seen; nothing is landed."""


@dataclass
class JobContext:
    """What a backend may do with its job: report progress and artifacts, notice a cancel."""

    job_id: str
    emit: Callable[..., None]  # emit(kind, job_id, **data)
    cancelled: threading.Event = field(default_factory=threading.Event)
    last_step: int = 0
    cancel_step: int = -1  # the step running when the cancel arrived, for the cancelled event

    def request_cancel(self) -> None:
        self.cancel_step = self.last_step
        self.cancelled.set()

    def progress(self, step: int, total: int, preview: str | None = None) -> None:
        self.last_step = step
        data = {"step": step, "total": total}
        if preview:
            data["preview"] = preview
        self.emit("progress", self.job_id, **data)

    def artifact(self, path: Path, **info) -> None:
        self.emit("artifact", self.job_id, path=str(path), **info)

    def part(self, index: int, count: int) -> JobContext:
        """The context for part ``index`` of ``count`` equal parts (e.g. one frame of a sequence).

        Its progress counts within the whole job; its artifacts stay quiet, because the job
        reports the finished whole; cancel is shared.
        """

        def emit(kind: str, job_id: str, **data) -> None:
            if kind == "artifact":
                return
            if kind == "progress":
                total = data["total"]
                data = {**data, "step": index * total + data["step"], "total": count * total}
                self.last_step = data["step"]
            self.emit(kind, job_id, **data)

        return JobContext(job_id=self.job_id, emit=emit, cancelled=self.cancelled)

    def check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise JobCancelled


def prompt_kwargs(params) -> dict:
    """The arguments every diffusers image and video pipeline takes the same way.

    ``params`` is an ImageParams or a VideoParams (same field names).
    """
    return {
        "prompt": params.prompt,
        "negative_prompt": params.negative_prompt or None,
        "width": params.width,
        "height": params.height,
        "num_inference_steps": params.steps,
        "guidance_scale": params.guidance,
    }


def step_callback(ctx: JobContext, steps: int) -> Callable:
    """The ``callback_on_step_end`` of every diffusers image and video call: progress, then cancel.

    A cancel raises JobCancelled out of the pipeline at the end of the step it arrived in, so
    nothing after that step runs: not the remaining steps and not the VAE decode, which for a
    large picture or a long clip can cost as much as many steps. (Setting ``pipeline._interrupt``
    would skip the steps but still decode, and some pipelines, SVD, never read the flag.)
    Use it inside :func:`cancellable`, which puts the pipeline back in order afterwards.
    """

    def on_step_end(pipeline, step: int, timestep, callback_kwargs: dict) -> dict:
        ctx.progress(step + 1, getattr(pipeline, "_num_timesteps", None) or steps)
        ctx.check_cancelled()
        return callback_kwargs

    return on_step_end


@contextmanager
def cancellable(pipe) -> Iterator[None]:
    """Run a pipeline call whose step callback may raise JobCancelled; leave ``pipe`` reusable.

    A diffusers ``__call__`` ends with ``maybe_free_model_hooks()``, which a raise skips: the
    models would stay where the cancelled step left them (on the GPU under model CPU offload)
    and stateful caches would keep the cancelled run's entries. Run it here instead, as a
    finished call would. Everything else a call sets up (``_interrupt``, timesteps, the
    scheduler's step index, the progress bar) is set afresh by the next call.
    """
    try:
        yield
    except JobCancelled:
        free_hooks = getattr(pipe, "maybe_free_model_hooks", None)
        if free_hooks is not None:
            free_hooks()
        raise

"""Backends: the code that runs one job's task in the worker, one module per model family."""

from __future__ import annotations

import threading
from collections.abc import Callable
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

"""Follow one job's events: the state a modal operator shows and a headless run waits on.

``tick`` never blocks and does bounded work, so it can run on Blender's main thread from a
timer; ``wait`` blocks, for headless runs. Both record the same state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..core.protocol import Message


@dataclass
class JobState:
    job_id: str
    status: str = "submitted"  # queued, started, done, failed, cancelled
    step: int = 0
    total: int = 0
    preview: str = ""
    artifacts: list[str] = field(default_factory=list)
    result: dict = field(default_factory=dict)
    error_kind: str = ""
    message: str = ""
    events: list[str] = field(default_factory=list)  # kinds in arrival order

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    @property
    def fraction(self) -> float:
        return self.step / self.total if self.total else 0.0


class JobTracker:
    def __init__(self, client, job_id: str):
        self.client = client
        self.state = JobState(job_id)

    def _apply(self, message: Message) -> None:
        state = self.state
        state.events.append(message.kind)
        data = message.data
        if message.kind == "progress":
            state.step, state.total = int(data.get("step", 0)), int(data.get("total", 0))
            state.preview = data.get("preview", state.preview)
        elif message.kind == "artifact":
            state.artifacts.append(data["path"])
        elif message.kind in ("queued", "started", "done", "cancelled"):
            state.status = message.kind
            if message.kind in ("done", "cancelled"):
                state.result = data
        elif message.kind == "failed":
            state.status = "failed"
            state.error_kind = data.get("error_kind", "internal")
            state.message = data.get("message", "")
        if state.finished:
            self.client.forget(state.job_id)

    def tick(self, max_events: int = 64, budget_s: float = 0.004) -> JobState:
        """Apply the events that have arrived, within a count and time budget; never waits."""
        deadline = time.perf_counter() + budget_s
        for _ in range(max_events):
            if self.state.finished or time.perf_counter() > deadline:
                break
            message = self.client.next_event(self.state.job_id, timeout=0.0)
            if message is None:
                break
            self._apply(message)
        return self.state

    def wait(
        self, timeout: float | None = None, on_event: Callable[[JobState], None] | None = None
    ) -> JobState:
        """Block until the job finishes (or ``timeout`` passes); ``on_event`` sees each change."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.state.finished:
            remaining = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
            if remaining <= 0:
                break
            message = self.client.next_event(self.state.job_id, timeout=remaining)
            if message is not None:
                self._apply(message)
                if on_event is not None:
                    on_event(self.state)
        return self.state

    def cancel(self) -> None:
        self.client.cancel(self.state.job_id)

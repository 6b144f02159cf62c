"""The pattern every long-running Storyloom operator uses.

Interactive: submit, then a window timer drives :meth:`JobTracker.tick` (bounded work per tick)
while the artist keeps working; progress shows in the status bar, Esc cancels, and results
land on the main thread when the job is done. Headless (``blender -b``, the bpy module): no
event loop runs, so the same operator waits for the job and lands it before returning.

These operators carry no UNDO flag: Blender's redo panel re-runs an UNDO operator when a
property is changed, which would submit the model job again. The landing pushes one undo step
of its own instead, so undo takes back what landed.
"""

from __future__ import annotations

import time
from collections.abc import Generator

import bpy

from ..addon.blender.errors import USER_ERRORS
from ..addon.runtime.tracker import JobState, JobTracker

TIMER_INTERVAL_S = 0.05


def is_own_tick(operator, event: bpy.types.Event) -> bool:
    """Whether a TIMER event is this operator's tick.

    ``bpy.types.Event`` does not say which timer fired (4.5 and 5.0 have no ``event.timer``),
    and every window timer reaches every modal handler: so a tick counts only when at least
    most of an interval has passed since the last one, whatever other timers are running.
    """
    if event.type != "TIMER":
        return False
    now = time.monotonic()
    if now - getattr(operator, "_last_tick", 0.0) < 0.8 * TIMER_INTERVAL_S:
        return False
    operator._last_tick = now
    return True


def push_undo_step(context: bpy.types.Context, message: str) -> bool:
    """Push one undo step named ``message``; False where there is no undo to push to."""
    if context.window is None or not bpy.ops.ed.undo_push.poll():
        return False
    return bpy.ops.ed.undo_push(message=message) == {"FINISHED"}


# Main-thread work an operator does before its job can be submitted (render frames, ...): each
# ``next()`` does one bounded piece and yields (what, step, total); the return value is the job.
Prelude = Generator[tuple[str, int, int], None, JobTracker]


class JobOperatorMixin:
    """Mix into a ``bpy.types.Operator``; implement ``start_job`` and ``land``.

    ``start_job`` checks the input and submits the job (returns its tracker), or, when main-thread
    work must come first, returns a :data:`Prelude`: the modal runs one of its steps per tick,
    then follows the job it returns. Headless, the prelude runs to its end before the wait.
    """

    job_label = "Working"
    undo_on_land = True  # False for operators whose landing changes no undoable data
    headless_timeout: float | None = None  # seconds a headless run waits for the job (None: no limit)

    def start_job(self, context: bpy.types.Context) -> JobTracker | Prelude:
        raise NotImplementedError

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        """Put the results into Blender's data; return the report line."""
        raise NotImplementedError

    # -- operator protocol ------------------------------------------------------------------
    def execute(self, context: bpy.types.Context) -> set[str]:
        self._tracker = self._prelude = None
        try:
            started = self.start_job(context)
        except USER_ERRORS as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        if isinstance(started, JobTracker):
            self._tracker = started
        else:
            self._prelude = started
        if bpy.app.background or context.window is None:
            if self._prelude is not None:
                try:
                    self._run_prelude_headless()
                except USER_ERRORS as error:
                    self.report({"ERROR"}, str(error))
                    return {"CANCELLED"}
            return self._finish(context, self._wait_headless())
        wm = context.window_manager
        self._timer = wm.event_timer_add(TIMER_INTERVAL_S, window=context.window)
        wm.modal_handler_add(self)
        wm.progress_begin(0, 100)
        if self._tracker is not None:
            self._show_progress(context, self._tracker.state)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        if event.type == "ESC" and event.value == "PRESS":
            if self._prelude is not None:  # nothing submitted yet: stop here, undo the prelude's work
                self._prelude.close()
                self._end_modal(context)
                self.report({"WARNING"}, f"{self.job_label}: cancelled; nothing was changed")
                return {"CANCELLED"}
            self._tracker.cancel()
            self.report({"INFO"}, f"{self.job_label}: cancelling...")
            return {"RUNNING_MODAL"}
        if not is_own_tick(self, event):
            return {"PASS_THROUGH"}
        try:
            if self._prelude is not None:
                return self._prelude_tick(context)
            state = self._tracker.tick()
            self._show_progress(context, state)
            if not state.finished:
                return {"PASS_THROUGH"}
            self._end_modal(context)
            return self._finish(context, state)
        except Exception as error:  # a vanished folder, a bug: never leave the timer or the job behind
            self.cancel(context)
            self.report({"ERROR"}, f"{self.job_label} stopped: {type(error).__name__}: {error}")
            return {"CANCELLED"}

    def cancel(self, context: bpy.types.Context) -> None:
        # Blender calls this when the operator is torn down (file load, window close).
        if self._prelude is not None:
            self._prelude.close()
            self._prelude = None
        if self._tracker is not None and not self._tracker.state.finished:
            self._tracker.cancel()
        self._end_modal(context)

    # -- helpers ----------------------------------------------------------------------------
    def _prelude_tick(self, context: bpy.types.Context) -> set[str]:
        """One step of the prelude; when it ends, its job takes over the following ticks."""
        try:
            what, step, total = next(self._prelude)
        except StopIteration as end:
            self._prelude, self._tracker = None, end.value
            self._show_progress(context, self._tracker.state)
            return {"PASS_THROUGH"}
        except USER_ERRORS as error:
            self._prelude = None
            self._end_modal(context)
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        context.window_manager.progress_update(int(100 * step / max(total, 1)))
        if context.workspace is not None:
            context.workspace.status_text_set(
                f"Storyloom: {self.job_label}: {what} {step}/{total} (Esc to cancel)"
            )
        return {"PASS_THROUGH"}

    def _run_prelude_headless(self) -> None:
        while True:
            try:
                what, step, total = next(self._prelude)
            except StopIteration as end:
                self._prelude, self._tracker = None, end.value
                return
            print(f"Storyloom: {self.job_label}: {what} {step}/{total}", flush=True)

    def _wait_headless(self) -> JobState:
        last = [-1]

        def print_progress(state: JobState) -> None:
            if state.total and state.step != last[0]:
                last[0] = state.step
                print(f"Storyloom: {self.job_label} {state.step}/{state.total}", flush=True)

        try:
            state = self._tracker.wait(timeout=self.headless_timeout, on_event=print_progress)
        except KeyboardInterrupt:  # Ctrl+C in a terminal: cancel the job, then stop
            self._tracker.cancel()
            return self._tracker.wait(timeout=30)
        if not state.finished:  # no answer in time: withdraw the job rather than leave it queued
            self._tracker.cancel()
        return state

    def _show_progress(self, context: bpy.types.Context, state: JobState) -> None:
        if state.total:
            text = f"Storyloom: {self.job_label} {state.step}/{state.total} (Esc to cancel)"
        else:
            text = f"Storyloom: {self.job_label}: {state.status} (Esc to cancel)"
        context.window_manager.progress_update(int(100 * state.fraction))
        if context.workspace is not None:
            context.workspace.status_text_set(text)

    def _end_modal(self, context: bpy.types.Context) -> None:
        timer = getattr(self, "_timer", None)
        if timer is not None:
            context.window_manager.event_timer_remove(timer)
            self._timer = None
        context.window_manager.progress_end()
        if context.workspace is not None:
            context.workspace.status_text_set(None)

    def _finish(self, context: bpy.types.Context, state: JobState) -> set[str]:
        if state.status == "done":
            try:
                self.report({"INFO"}, self.land(context, state))
            except USER_ERRORS as error:
                self.report({"ERROR"}, str(error))
                return {"CANCELLED"}
            if self.undo_on_land:
                push_undo_step(context, self.bl_label)
            return {"FINISHED"}
        if state.status == "cancelled":
            self.report({"WARNING"}, f"{self.job_label}: cancelled; nothing was changed")
            return {"CANCELLED"}
        if state.status == "failed":
            self.report({"ERROR"}, state.message or f"{self.job_label} failed ({state.error_kind})")
        else:
            self.report({"ERROR"}, f"{self.job_label}: no answer from the worker (status {state.status})")
        return {"CANCELLED"}

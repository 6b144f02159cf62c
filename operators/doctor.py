"""``storyloom.doctor``: the CLI's doctor, reported in Blender's UI.

Interactive, the runtime probe (which imports torch in the runtime Python) runs as a
subprocess polled from a timer, so Blender stays responsive; Esc kills it. Headless, the
operator probes and reports before it returns, as the CLI does.
"""

from __future__ import annotations

import bpy

from ..addon.blender.doctor import DoctorRun, gather_facts
from ..addon.core.doctor import DoctorFacts, format_report
from .job_base import TIMER_INTERVAL_S, is_own_tick


class STORYLOOM_OT_doctor(bpy.types.Operator):
    """Check paths, the runtime Python, model packages and the device (starts the runtime once)"""

    bl_idname = "storyloom.doctor"
    bl_label = "Storyloom Doctor"
    bl_options = {"REGISTER"}

    probe: bpy.props.BoolProperty(
        name="Probe Runtime",
        description="Start the runtime Python to see which model packages and devices it has",
        default=True,
    )

    def execute(self, context: bpy.types.Context) -> set[str]:
        if bpy.app.background or context.window is None:
            return self._report(context, gather_facts(probe=self.probe))
        self._run = DoctorRun(probe=self.probe)
        if self._run.tick():
            return self._report(context, self._run.facts)
        wm = context.window_manager
        self._timer = wm.event_timer_add(TIMER_INTERVAL_S, window=context.window)
        wm.modal_handler_add(self)
        if context.workspace is not None:
            context.workspace.status_text_set("Storyloom doctor: probing the runtime Python (Esc to cancel)")
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        if event.type == "ESC" and event.value == "PRESS":
            self._run.cancel()
            self._end(context)
            self.report({"WARNING"}, "Storyloom doctor: cancelled")
            return {"CANCELLED"}
        try:
            if not is_own_tick(self, event) or not self._run.tick():
                return {"PASS_THROUGH"}
        except Exception as error:  # a bug: never leave the probe or the timer behind
            self.cancel(context)
            self.report({"ERROR"}, f"Storyloom doctor stopped: {type(error).__name__}: {error}")
            return {"CANCELLED"}
        self._end(context)
        return self._report(context, self._run.facts)

    def cancel(self, context: bpy.types.Context) -> None:
        # Blender tears the operator down (file load, window close): kill the probe.
        self._run.cancel()
        self._end(context)

    def _end(self, context: bpy.types.Context) -> None:
        if getattr(self, "_timer", None) is not None:
            context.window_manager.event_timer_remove(self._timer)
            self._timer = None
        if context.workspace is not None:
            context.workspace.status_text_set(None)

    def _report(self, context: bpy.types.Context, facts: DoctorFacts) -> set[str]:
        report = format_report(facts)
        context.window_manager.storyloom_doctor_report = report
        print(report)
        for warning in facts.warnings:
            self.report({"WARNING"}, warning)
        if facts.problems:
            for problem in facts.problems:
                self.report({"ERROR"}, problem)
            return {"CANCELLED"}
        self.report({"INFO"}, "Storyloom doctor: no problems found")
        return {"FINISHED"}


classes = (STORYLOOM_OT_doctor,)

register, unregister = bpy.utils.register_classes_factory(classes)

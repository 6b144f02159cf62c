"""``storyloom.doctor``: the CLI's doctor, reported in Blender's UI."""

from __future__ import annotations

import bpy

from ..addon.blender.doctor import gather_facts
from ..addon.core.doctor import format_report


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
        facts = gather_facts(probe=self.probe)
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

"""Properties Storyloom adds to Blender's data.

Transient state (the last doctor report) lives on the WindowManager, which is never saved.
"""

from __future__ import annotations

import bpy
from bpy.props import StringProperty


def register() -> None:
    bpy.types.WindowManager.storyloom_doctor_report = StringProperty(
        name="Doctor Report",
        description="Output of the last Storyloom doctor run",
        options={"SKIP_SAVE"},
    )


def unregister() -> None:
    del bpy.types.WindowManager.storyloom_doctor_report

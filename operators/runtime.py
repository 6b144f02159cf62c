"""Operators that manage the model runtime: install it, download models, free memory, logs."""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import EnumProperty, StringProperty

from ..addon.blender import project, worker_session
from ..addon.core.models import get_spec, load_registry
from ..addon.core.runtime_probe import check_runtime_python
from ..addon.core.validation import BadInput
from ..addon.prefs import get_preferences
from ..addon.runtime.installer import REQUIREMENTS, InstallJob
from ..addon.runtime.tracker import JobState, JobTracker
from .job_base import JobOperatorMixin

PROFILE_CHECKS = {
    "full": "torch,diffusers,transformers,espeakng_loader",
    "previz": "numpy,pyloudnorm,espeakng_loader",
}


def install_log_path() -> Path:
    return project.extension_user_dir() / "logs" / "install-runtime.log"


class STORYLOOM_OT_install_runtime(JobOperatorMixin, bpy.types.Operator):
    """Create a separate Python venv for the model worker and install the pinned model stack
    (torch, diffusers, transformers, coqui-tts). Blender's own Python is not touched"""

    bl_idname = "storyloom.install_runtime"
    bl_label = "Install Runtime"
    bl_options = {"REGISTER"}

    job_label = "Installing runtime"
    undo_on_land = False  # preferences are not undo data

    venv_dir: StringProperty(
        name="Venv Folder", subtype="DIR_PATH", description="Empty: in the extension's user folder"
    )
    profile: EnumProperty(
        name="Runtime",
        items=(
            (
                "full",
                "Models",
                "torch, diffusers, transformers, coqui-tts and the previz backends (several GB)",
            ),
            (
                "previz",
                "Previz Only",
                "Storyboards, espeak-ng voice, procedural music, mastering (no torch; small)",
            ),
        ),
        default="full",
    )
    requirements: StringProperty(
        name="Requirements", subtype="FILE_PATH", description="Empty: the profile's pinned stack"
    )
    wheelhouse: StringProperty(
        name="Wheel Folder",
        subtype="DIR_PATH",
        description="Install only from this folder of wheels (no index, no network), e.g. behind a firewall",
    )
    check_modules: StringProperty(
        name="Check Imports",
        default="",
        description="Modules the new runtime must import before it is used. Empty: the profile's",
    )

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        wheelhouse = Path(bpy.path.abspath(self.wheelhouse)) if self.wheelhouse else None
        if wheelhouse is not None and not wheelhouse.is_dir():
            raise BadInput(f"Wheel folder not found: {wheelhouse}")
        if wheelhouse is None and not bpy.app.online_access:
            raise BadInput(
                "Installing the runtime downloads packages, and online access is off. Turn on "
                "Preferences > System > Network > Allow Online Access, or give a wheel folder."
            )
        default = (
            REQUIREMENTS if self.profile == "full" else REQUIREMENTS.with_name("requirements-previz.txt")
        )
        requirements = Path(bpy.path.abspath(self.requirements)) if self.requirements else default
        if not requirements.is_file():
            raise BadInput(f"Requirements file not found: {requirements}")
        venv_dir = (
            Path(bpy.path.abspath(self.venv_dir))
            if self.venv_dir
            else project.extension_user_dir() / "runtime"
        )
        job = InstallJob(
            venv_dir=venv_dir,
            log_path=install_log_path(),
            requirements=requirements,
            find_links=wheelhouse,
            offline=wheelhouse is not None,
            check_modules=tuple(
                m.strip()
                for m in (self.check_modules or PROFILE_CHECKS[self.profile]).split(",")
                if m.strip()
            ),
        )
        return JobTracker(job, job.start())

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        python = state.result["python"]
        get_preferences(context).runtime_python = python
        return f"Runtime installed: {python} (log: {state.result['log']})"


class STORYLOOM_OT_download_model(JobOperatorMixin, bpy.types.Operator):
    """Download a model's safetensors weights from the hub into the models folder"""

    bl_idname = "storyloom.download_model"
    bl_label = "Download Model"
    bl_options = {"REGISTER"}

    job_label = "Downloading model"
    undo_on_land = False  # files on disk only

    model: StringProperty(name="Model", default="sdxl-turbo")

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        models_folder = project.models_folder()
        spec = get_spec(load_registry(models_folder), self.model)
        if not bpy.app.online_access:
            raise BadInput(
                f"Cannot download '{spec.id}': online access is off. Turn on Preferences > System > "
                "Network > Allow Online Access first."
            )
        check_runtime_python(project.runtime_python())
        client = worker_session.get_client()
        job_id = client.submit(
            {
                "task": "download",
                "spec": spec.to_dict(),
                "models_folder": str(models_folder),
                "allow_online": True,
            }
        )
        return JobTracker(client, job_id)

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        return f"Downloaded {self.model} to {state.result.get('folder')}"


class STORYLOOM_OT_unload_models(JobOperatorMixin, bpy.types.Operator):
    """Free the memory of every model the worker keeps warm"""

    bl_idname = "storyloom.unload_models"
    bl_label = "Unload Models"
    bl_options = {"REGISTER"}

    job_label = "Unloading models"
    undo_on_land = False  # the worker's memory only
    headless_timeout = 60.0  # behind a long job, a script gives up rather than hang

    def execute(self, context: bpy.types.Context) -> set[str]:
        client = worker_session.current_client()
        if client is None or not client.alive:
            self.report({"INFO"}, "No model worker is running")
            return {"CANCELLED"}
        # A request queued in the worker like any job (it waits for a running one to finish):
        # interactive, the timer follows it and Blender stays responsive; Esc withdraws it.
        return super().execute(context)

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        client = worker_session.current_client()
        return JobTracker(client, client.unload())

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        return f"Unloaded {len(state.result.get('unloaded', []))} model(s)"


class STORYLOOM_OT_open_worker_log(bpy.types.Operator):
    """Open a Storyloom log in Blender's text editor"""

    bl_idname = "storyloom.open_worker_log"
    bl_label = "Open Log"
    bl_options = {"REGISTER"}

    log: EnumProperty(
        name="Log",
        items=(("worker", "Model Worker", ""), ("install", "Runtime Install", "")),
        default="worker",
    )

    def execute(self, context: bpy.types.Context) -> set[str]:
        path = worker_session.worker_log_path() if self.log == "worker" else install_log_path()
        if not path.is_file():
            self.report({"WARNING"}, f"No log yet: {path}")
            return {"CANCELLED"}
        text = bpy.data.texts.load(str(path))
        self.report({"INFO"}, f"Log loaded as text '{text.name}' ({path})")
        return {"FINISHED"}


classes = (
    STORYLOOM_OT_install_runtime,
    STORYLOOM_OT_download_model,
    STORYLOOM_OT_unload_models,
    STORYLOOM_OT_open_worker_log,
)

register, unregister = bpy.utils.register_classes_factory(classes)

"""Audio operators: a character's line, a music cue, a sound effect, landed as strips at the playhead."""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import FloatProperty, IntProperty, StringProperty

from ..addon.blender import project, sound_strips, worker_session
from ..addon.core.audio import (
    MAX_MUSIC_SECONDS,
    MAX_SFX_SECONDS,
    check_duration,
    check_reference_clip,
    check_speech_text,
)
from ..addon.core.keys import artifact_key, slug
from ..addon.core.models import TASK_AUDIO, TASK_MUSIC, TASK_SPEECH, ModelError, get_spec, load_registry
from ..addon.core.paths import contained_path
from ..addon.core.runtime_probe import check_runtime_python
from ..addon.core.validation import BadInput, check_text
from ..addon.prefs import get_preferences
from ..addon.runtime.tracker import JobState, JobTracker
from .job_base import JobOperatorMixin


def _submit(context, spec, models_folder: Path, job: dict) -> JobTracker:
    prefs = get_preferences(context)
    check_runtime_python(project.runtime_python())
    job |= {
        "spec": spec.to_dict(),
        "models_folder": str(models_folder),
        "allow_online": bool(bpy.app.online_access),
        "device": prefs.device,
        "memory_mode": prefs.memory_mode,
    }
    client = worker_session.get_client()
    return JobTracker(client, client.submit(job))


def _spec_for(model: str, tasks: set[str], what: str):
    models_folder = project.models_folder()
    spec = get_spec(load_registry(models_folder), model)
    if spec.task not in tasks:
        raise ModelError(f"Model '{spec.id}' does not make {what} (task: {spec.task}).", kind="bad_input")
    return spec, models_folder


class STORYLOOM_OT_generate_speech(JobOperatorMixin, bpy.types.Operator):
    """Speak a line in a character's voice; lands on the Dialogue channel with word timings beside the WAV"""

    bl_idname = "storyloom.generate_speech"
    bl_label = "Generate Speech"
    bl_options = {"REGISTER"}  # the landing pushes the undo step

    job_label = "Speaking"

    text: StringProperty(name="Line", description="What the character says")
    character: StringProperty(
        name="Character", description="A row of the voice table (empty: the active one)"
    )

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        return context.window_manager.invoke_props_dialog(self, width=420)

    def _voice(self, scene):
        voices = scene.storyloom_voices
        if self.character:
            voice = voices.get(self.character)
            if voice is None:
                known = ", ".join(v.name for v in voices) or "none yet"
                raise BadInput(f"No voice for character '{self.character}' (voices: {known}).")
            return voice
        if not voices:
            return None  # the zero-download default
        return voices[min(scene.storyloom_voice_index, len(voices) - 1)]

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        scene = context.scene
        text = check_speech_text(self.text)
        voice = self._voice(scene)
        spec, models_folder = _spec_for(voice.model if voice else "espeak", {TASK_SPEECH}, "speech")
        reference = ""
        if voice is not None and voice.reference_clip:
            reference = str(check_reference_clip(bpy.path.abspath(voice.reference_clip)))
        seed = voice.seed if voice else 0
        media = project.media_folder(create=True).path
        settings = (voice.voice, voice.speed, voice.language, voice.style) if voice else ("en", 1.0, "en", "")
        # Everything that changes the audio names the file, the reference clip by its bytes.
        key = artifact_key(spec.id, spec.source, text, seed, *settings, files=(reference,))
        output = contained_path(media, f"audio/speech/{slug(text)}-{key}.wav")
        self._start = scene.frame_current
        self._record = {
            "kind": "speech",
            "text": text,
            "model": spec.id,
            "seed": seed,
            "character": voice.name if voice else "Narrator",
        }
        job = {
            "task": "speech-line",
            "text": text,
            "seed": seed,
            "output": str(output),
            "reference": reference,
        }
        if voice is not None:
            job |= {
                "voice": voice.voice,
                "speed": voice.speed,
                "language": voice.language,
                "style": voice.style,
            }
        return _submit(context, spec, models_folder, job)

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        result = state.result
        record = {**self._record, "timings": result["timings"]}
        label = f"{self._record['character']}: {self._record['text']}"
        strip = sound_strips.land_sound(
            context.scene, Path(result["output"]), "dialogue", self._start, label, record
        )
        return f"Spoke {result['duration']:.2f} s as {strip.name} on channel {strip.channel}"


class STORYLOOM_OT_generate_music(JobOperatorMixin, bpy.types.Operator):
    """Generate a music cue; lands on the Music channel with its beat grid beside the WAV"""

    bl_idname = "storyloom.generate_music"
    bl_label = "Generate Music"
    bl_options = {"REGISTER"}  # the landing pushes the undo step

    job_label = "Composing"

    prompt: StringProperty(name="Prompt", description="Genre, mood, instruments")
    model: StringProperty(name="Model", default="procedural-music")
    duration: FloatProperty(
        name="Duration", default=10.0, soft_min=1.0, soft_max=120.0, subtype="TIME_ABSOLUTE"
    )
    seed: IntProperty(name="Seed", default=0, soft_min=0)
    bpm: FloatProperty(name="BPM", default=100.0, description="Tempo (the procedural composer)")

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        return context.window_manager.invoke_props_dialog(self, width=420)

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        scene = context.scene
        spec, models_folder = _spec_for(self.model, {TASK_MUSIC, TASK_AUDIO}, "music")
        seconds = check_duration(self.duration, "music", MAX_MUSIC_SECONDS)
        prompt = check_text(self.prompt, "music prompt", required=spec.family != "procedural")
        media = project.media_folder(create=True).path
        key = artifact_key(spec.id, spec.source, prompt, seconds, self.seed, self.bpm)
        output = contained_path(media, f"audio/music/{slug(prompt or spec.id)}-{key}.wav")
        self._start = scene.frame_current
        self._record = {"kind": "music", "prompt": prompt, "model": spec.id, "seed": self.seed}
        job = {"task": "music-clip", "prompt": prompt, "duration": seconds, "seed": self.seed}
        job |= {"bpm": self.bpm, "output": str(output)}
        return _submit(context, spec, models_folder, job)

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        result = state.result
        record = {**self._record, "beats": result["beats"], "bpm": result["bpm"]}
        label = f"Music: {self._record['prompt'] or self._record['model']}"
        strip = sound_strips.land_sound(
            context.scene, Path(result["output"]), "music", self._start, label, record
        )
        return f"Composed {result['duration']:.1f} s at {result['bpm']:.0f} BPM: {strip.name}"


class STORYLOOM_OT_generate_sfx(JobOperatorMixin, bpy.types.Operator):
    """Generate a sound effect at the playhead (SFX channel)"""

    bl_idname = "storyloom.generate_sfx"
    bl_label = "Generate Sound Effect"
    bl_options = {"REGISTER"}  # the landing pushes the undo step

    job_label = "Making a sound"

    prompt: StringProperty(name="Prompt", description="The sound: 'a heavy wooden door slams'")
    model: StringProperty(name="Model", default="stable-audio-open")
    duration: FloatProperty(
        name="Duration", default=3.0, soft_min=0.1, soft_max=47.0, subtype="TIME_ABSOLUTE"
    )
    seed: IntProperty(name="Seed", default=0, soft_min=0)

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        return context.window_manager.invoke_props_dialog(self, width=420)

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        spec, models_folder = _spec_for(self.model, {TASK_AUDIO}, "sound effects")
        seconds = check_duration(self.duration, "sound effect", MAX_SFX_SECONDS)
        prompt = check_text(self.prompt, "sound prompt", required=True)
        media = project.media_folder(create=True).path
        key = artifact_key(spec.id, spec.source, prompt, seconds, self.seed)
        output = contained_path(media, f"audio/sfx/{slug(prompt)}-{key}.wav")
        self._start = context.scene.frame_current
        self._record = {"kind": "sfx", "prompt": prompt, "model": spec.id, "seed": self.seed}
        job = {
            "task": "sfx-clip",
            "prompt": prompt,
            "duration": seconds,
            "seed": self.seed,
            "output": str(output),
        }
        return _submit(context, spec, models_folder, job)

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        result = state.result
        label = f"SFX: {self._record['prompt']}"
        strip = sound_strips.land_sound(
            context.scene, Path(result["output"]), "sfx", self._start, label, self._record
        )
        return f"Made {result['duration']:.2f} s of '{self._record['prompt']}': {strip.name}"


class STORYLOOM_OT_voice_add(bpy.types.Operator):
    """Add a character voice to the scene's voice table"""

    bl_idname = "storyloom.voice_add"
    bl_label = "Add Voice"
    bl_options = {"REGISTER", "UNDO"}

    name: StringProperty(name="Character", default="Narrator")

    def execute(self, context: bpy.types.Context) -> set[str]:
        voices = context.scene.storyloom_voices
        voice = voices.add()
        voice.name = self.name if self.name not in voices.keys()[:-1] else f"{self.name} {len(voices)}"
        context.scene.storyloom_voice_index = len(voices) - 1
        return {"FINISHED"}


class STORYLOOM_OT_voice_remove(bpy.types.Operator):
    """Remove the active character voice"""

    bl_idname = "storyloom.voice_remove"
    bl_label = "Remove Voice"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return len(context.scene.storyloom_voices) > 0

    def execute(self, context: bpy.types.Context) -> set[str]:
        scene = context.scene
        scene.storyloom_voices.remove(scene.storyloom_voice_index)
        scene.storyloom_voice_index = max(0, scene.storyloom_voice_index - 1)
        return {"FINISHED"}


classes = (
    STORYLOOM_OT_generate_speech,
    STORYLOOM_OT_generate_music,
    STORYLOOM_OT_generate_sfx,
    STORYLOOM_OT_voice_add,
    STORYLOOM_OT_voice_remove,
)

register, unregister = bpy.utils.register_classes_factory(classes)

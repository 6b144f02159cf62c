"""Brief to film: plan, generate, sync on the VSE, grade, master, deliver.

The build is a generator of small steps. Headless runs drive it to the end; the modal operator
advances it one step per timer tick, so Blender stays responsive between steps and Esc can stop
it between any two. Model work (cards, speech, music, loudness) runs in the worker; landing,
layout, grading and rendering run here, on Blender's main thread.
"""

from __future__ import annotations

import copy
import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from ..core import director
from ..core import plan as plan_io
from ..core.atomic import write_atomic
from ..core.keys import slug
from ..core.models import ModelSpec, load_registry, weights_present
from ..core.paths import StoryloomPathError, contained_path
from ..core.plan import shot_seed
from ..core.presets import get_preset
from ..core.sync import SyncSettings, duck_keyframes, time_shots
from ..core.validation import BadInput
from ..core.video import VideoRules
from ..runtime.tracker import JobTracker
from . import delivery, film_jobs, look, planning, shot_list, timeline
from .planning import PlannerChoice
from .sound_io import wav_seconds

BACKENDS = {
    "director": "rules (offline)",
    "images": "previz storyboard cards",
    "video": "camera moves as animated strip transforms",
    "speech": "espeak-ng",
    "music": "procedural composer",
    "post": "compositor look group",
}


@dataclass
class FilmRequest:
    brief: str
    output: Path
    preset: str | None = None
    title: str | None = None
    look: str | None = None  # override the style bible's grade
    denoise: bool = False
    glare: bool = False
    wav: bool = True
    png_sequence: Path | None = None
    duck_db: float = 12.0
    duck_attack: float = 0.15
    duck_release: float = 0.4
    music_level: float = 0.6
    # A text-to-image model spec for the shots' pictures (None: previz storyboard cards).
    image_model: ModelSpec | None = None
    # A text-to-video model spec for moving shots, used when its weights are here (else previz).
    video_model: ModelSpec | None = None
    planner: PlannerChoice = field(default_factory=PlannerChoice)
    # Build from this plan (the scene's, after edits or revisions) instead of planning anew.
    plan: dict | None = None
    models_folder: Path | None = None
    allow_online: bool = False
    device: str = "auto"
    memory_mode: str = "balanced"


@dataclass
class FilmReport:
    output: Path
    plan: dict = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)
    shots: list[dict] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    lufs_before: float = 0.0
    lufs_target: float = 0.0
    lufs_after: float = 0.0
    peak_dbfs: float = 0.0
    duration: float = 0.0
    frames: int = 0
    warnings: list[str] = field(default_factory=list)
    regenerated: list[str] = field(default_factory=list)  # shots whose media this build made

    backends: dict[str, str] = field(default_factory=lambda: dict(BACKENDS))

    def to_dict(self) -> dict:
        return {
            "output": str(self.output),
            "title": self.plan.get("film", {}).get("title"),
            "preset": self.plan.get("film", {}).get("preset"),
            "duration": self.duration,
            "frames": self.frames,
            "stages_seconds": self.stages,
            "total_seconds": round(sum(self.stages.values()), 3),
            "shots": self.shots,
            "backends": self.backends,
            "files": self.files,
            "loudness": {
                "measured_lufs": self.lufs_before,
                "target_lufs": self.lufs_target,
                "delivered_lufs": self.lufs_after,
                "peak_dbfs": self.peak_dbfs,
            },
            "warnings": self.warnings,
            "regenerated": self.regenerated,
        }

    def text(self) -> str:
        lines = [
            f"Storyloom film: {self.output}",
            f"  {len(self.shots)} shots, {self.duration:.3f} s ({self.frames} frames)",
        ]
        for shot in self.shots:
            lines.append(
                f"  {shot['id']}  {shot['start']:7.3f}-{shot['end']:7.3f} s  {shot['camera']:<9} "
                f"{shot['line'][:60]}"
            )
        lines.append(
            f"  loudness: {self.lufs_before:.1f} LUFS mixed -> {self.lufs_after:.1f} LUFS delivered "
            f"(target {self.lufs_target:.0f}), peak {self.peak_dbfs:.1f} dBFS"
        )
        lines.append(
            "  stages: "
            + ", ".join(f"{k} {v:.2f}s" for k, v in self.stages.items())
            + f"; total {sum(self.stages.values()):.2f}s"
        )
        lines.append("  backends: " + "; ".join(f"{k}: {v}" for k, v in self.backends.items()))
        lines += [f"  file: {f}" for f in self.files]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def check_output(path: Path, extension: str) -> Path:
    """Refuse an output path before any work: missing folder, unwritable folder, wrong type."""
    path = Path(path).expanduser().resolve()
    if path.suffix.lower() != extension:
        raise BadInput(f"The output {path.name} must end in {extension} for this preset.")
    if not path.parent.is_dir():
        raise StoryloomPathError(
            f"The output folder {path.parent} does not exist: create it or choose another."
        )
    probe = path.parent / f".storyloom-write-test-{time.time_ns()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise StoryloomPathError(
            f"The output folder {path.parent} is not writable ({error.strerror})."
        ) from None
    return path


class FilmBuild:
    """One brief-to-film build. Iterate :meth:`steps`; each item is (stage, fraction done)."""

    def __init__(self, scene: bpy.types.Scene, request: FilmRequest, client, media_root: Path):
        self.scene = scene
        self.request = request
        self.client = client
        self.media_root = media_root
        self.preset = get_preset(request.preset) if request.preset else None
        self.cancelled = False
        self._trackers: list[JobTracker] = []
        self.report = FilmReport(output=Path(request.output))
        if request.image_model is not None:
            self.report.backends["images"] = (
                f"{request.image_model.id} ({request.image_model.family}, diffusers)"
            )
        self.video_model = None
        spec = request.video_model
        if spec is not None and weights_present(spec, request.models_folder or Path()):
            self.video_model = spec
            self.report.backends["video"] = f"{spec.id} ({spec.family}, diffusers)"
        elif spec is not None:
            self.report.backends["video"] = "previz stills (video model weights missing)"
            self.report.warnings.append(
                f"Video model '{spec.id}' has no weights on this machine ({spec.source}): "
                "the shots are previz stills with camera moves instead."
            )

    def cancel(self) -> None:
        self.cancelled = True
        for tracker in self._trackers:
            tracker.cancel()

    # -- worker jobs ------------------------------------------------------------------------
    def _submit(self, job: dict) -> JobTracker:
        tracker = JobTracker(self.client, self.client.submit(job))
        self._trackers.append(tracker)
        return tracker

    def _wait(self, trackers: list[JobTracker], stage: str, fraction: float) -> Iterator[tuple[str, float]]:
        while not all(t.tick().finished for t in trackers):
            if self.cancelled:
                return
            yield stage, fraction
            time.sleep(0.005)
        failed = [t.state for t in trackers if t.state.status != "done"]
        if failed and not self.cancelled:
            raise RuntimeError(f"{stage} failed: {failed[0].message or failed[0].status}")

    def _timed(self, stage: str, started: float) -> None:
        self.report.stages[stage] = round(time.perf_counter() - started, 3)

    def _plan(self) -> Iterator[tuple[str, float]]:
        """The plan from the chosen director (a generator: a local LLM runs in the worker)."""
        request, report = self.request, self.report
        choice = request.planner
        if request.plan is not None:
            report.backends["director"] = "the scene's plan"
            return plan_io.validate(copy.deepcopy(request.plan))
        if choice.kind == "rules":
            report.backends["director"] = "rules"
            return director.make_plan(request.brief, preset=request.preset, title=request.title)
        warnings: list[str] = []
        options = {
            "models_folder": str(request.models_folder),
            "allow_online": request.allow_online,
            "device": request.device,
            "memory_mode": request.memory_mode,
        }
        folder = request.models_folder or Path()
        for plan in planning.plan_steps(
            choice, request.brief, request.preset, folder, lambda: self.client, options, warnings
        ):
            if plan is None:
                if self.cancelled:
                    return None
                yield "plan", 0.02
                time.sleep(0.005)
                continue
            report.warnings.extend(warnings)
            who = choice.model if choice.kind == "local" else f"{choice.model} at {choice.url}"
            report.backends["director"] = "rules (fallback)" if warnings else f"{choice.kind} LLM {who}"
            if request.title:
                plan["film"]["title"] = request.title[:120]
            return plan
        return None

    # -- the build --------------------------------------------------------------------------
    def steps(self) -> Iterator[tuple[str, float]]:
        request, report = self.request, self.report
        started = time.perf_counter()
        plan = yield from self._plan()
        if plan is None:
            return
        if request.look:
            plan["style"]["grade"] = request.look
        preset = get_preset(plan["film"]["preset"])
        report.output = check_output(request.output, preset.extension)
        # Warnings found before the plan (media folder, missing video weights) are kept.
        report.plan, report.lufs_target = plan, preset.lufs
        report.warnings = [*report.warnings, *plan["warnings"]]
        folder = contained_path(self.media_root, f"films/{slug(plan['film']['title'])}")
        folder.mkdir(parents=True, exist_ok=True)
        self.scene["storyloom_plan"] = plan_io.to_json(plan)
        self.scene["storyloom_dirty_shots"] = "[]"  # a fresh build makes every shot
        shot_list.load_shots(self.scene)
        report.files.append(str(plan_io.save(plan, folder / "plan.json")))
        self._timed("plan", started)
        yield "plan", 0.05

        started = time.perf_counter()
        film, style = plan["film"], plan["style"]
        # Each shot's media is named by what made it: a shot whose prompt, seed, model or line did
        # not change finds its files from the last build and is not made again.
        shots = plan["shots"]
        runtime = film_jobs.Runtime(
            request.models_folder, request.allow_online, request.device, request.memory_mode
        )
        registry = load_registry(request.models_folder) if any("path" in shot for shot in shots) else {}
        models = [
            film_jobs.shot_models(
                shot, request.image_model, self.video_model, registry, request.models_folder
            )
            for shot in shots
        ]
        wanted = {
            "cards": [film_jobs.picture_job(plan, i, image, runtime) for i, (image, _) in enumerate(models)],
            "voice": [film_jobs.voice_job(plan, i) for i in range(len(shots))],
            "video": [
                film_jobs.video_job(plan, i, video, runtime) if video else None
                for i, (_, video) in enumerate(models)
            ],
        }
        suffixes = {"cards": ".png", "voice": ".wav", "video": ""}
        paths = {
            kind: [
                film_jobs.keyed(folder / kind, shot["id"], job, suffixes[kind]) if job else None
                for shot, job in zip(shots, jobs, strict=True)
            ]
            for kind, jobs in wanted.items()
        }
        missing = {
            kind: [path is not None and not path.exists() for path in kinds] for kind, kinds in paths.items()
        }
        report.regenerated = [
            shot["id"] for index, shot in enumerate(shots) if any(m[index] for m in missing.values())
        ]
        key = {"cards": "output", "voice": "output", "video": "output_dir"}
        submitted = {
            kind: [
                self._submit({**job, key[kind]: str(path)})
                for job, path, absent in zip(wanted[kind], paths[kind], missing[kind], strict=True)
                if absent
            ]
            for kind in wanted
        }
        cards, voices, clips = paths["cards"], paths["voice"], paths["video"]
        card_jobs, speech_jobs, video_jobs = submitted["cards"], submitted["voice"], submitted["video"]
        clip_fps = [VideoRules.from_defaults(video.defaults).fps if video else 0.0 for _, video in models]
        yield from self._wait(card_jobs, "images", 0.15)
        if self.cancelled:
            return
        self._timed("images", started)
        if video_jobs:
            started = time.perf_counter()
            yield from self._wait(video_jobs, "video", 0.3)
            if self.cancelled:
                return
            self._timed("video", started)

        started = time.perf_counter()
        graded = [folder / "graded" / f"{shot['id']}.png" for shot in plan["shots"]]
        group = look.build_look_group(style["grade"], denoise=request.denoise, glare=request.glare)
        for index, (source, target) in enumerate(zip(cards, graded, strict=True)):
            look.grade_stills(self.scene, [source], [target], group)
            yield "grade", 0.15 + 0.2 * (index + 1) / len(cards)
            if self.cancelled:
                return
        self._timed("grade", started)

        started = time.perf_counter()
        yield from self._wait(speech_jobs, "speech", 0.4)
        if self.cancelled:
            return
        durations = [wav_seconds(path) for path in voices]
        needed = sum(durations) + len(durations) * (SyncSettings().lead_in + SyncSettings().lead_out)
        total_estimate = max(film["target_duration"], needed) + 2.0
        beats = [i * 60.0 / style["bpm"] for i in range(int(total_estimate * style["bpm"] / 60) + 1)]
        timings = time_shots(durations, film["target_duration"], film["fps"], beats)
        total_seconds = timings[-1].end_frame / film["fps"]
        music = self._submit(
            {
                "task": "music",
                "output": str(folder / "music.wav"),
                "duration": total_seconds,
                "bpm": style["bpm"],
                "key": style["key"],
                "mode": style["mode"],
                "energy": style["energy"],
                "seed": plan["characters"][0]["seed"],
            }
        )
        yield from self._wait([music], "music", 0.5)
        if self.cancelled:
            return
        self._timed("audio", started)

        started = time.perf_counter()
        voice_spans = [(t.voice_start, t.voice_end) for t in timings]
        keys = duck_keyframes(
            voice_spans, request.music_level, request.duck_db, request.duck_attack, request.duck_release
        )
        media = [
            timeline.ShotMedia(picture, voice, " ".join(line["text"] for line in shot["lines"]))
            for shot, picture, voice in zip(plan["shots"], graded, voices, strict=True)
        ]
        for media_item, clip, model_fps, timing in zip(media, clips, clip_fps, timings, strict=True):
            if clip is not None:
                media_item.frames = film_jobs.clip_frames(clip, model_fps, film["fps"], timing.frames)
        summary = timeline.layout(self.scene, plan, timings, media, folder / "music.wav", keys)
        delivery.configure(self.scene, preset)
        report.frames, report.duration = summary["frames"], summary["frames"] / film["fps"]
        report.shots = [
            {
                "id": shot["id"],
                "start": t.start_frame / film["fps"],
                "end": t.end_frame / film["fps"],
                "voice_start": t.voice_start,
                "voice_end": t.voice_end,
                "camera": shot["camera"],
                "line": media_item.subtitle,
                "prompt": shot["prompt"],
                "seed": shot_seed(plan, index),
                "made_with": next((spec.id for spec in models[index] if spec is not None), "previz"),
                "path": shot.get("path", "previz"),
            }
            for index, (shot, t, media_item) in enumerate(zip(plan["shots"], timings, media, strict=True))
        ]
        self._timed("layout", started)
        yield "layout", 0.6

        started = time.perf_counter()
        mix = delivery.mixdown(self.scene, folder / "mix.wav")
        master_wav = folder / "master.wav"
        mastered = self._submit(
            {
                "task": "master",
                "path": str(mix),
                "output": str(master_wav),
                "target_lufs": preset.lufs,
                "ceiling_db": -1.0,
            }
        )
        yield from self._wait([mastered], "master", 0.65)
        if self.cancelled:
            return
        result = mastered.state.result
        report.lufs_before, report.lufs_after, report.peak_dbfs = (
            result["lufs_before"],
            result["lufs"],
            result["peak_dbfs"],
        )
        self._timed("master", started)
        yield "master", 0.7

        started = time.perf_counter()
        with timeline.master_audio(self.scene, master_wav):
            delivery.render_video(self.scene, report.output)
        report.files.insert(0, str(report.output))
        self._timed("render", started)
        yield "render", 0.9

        started = time.perf_counter()
        if request.wav:
            wav = report.output.with_suffix(".wav")
            write_atomic(wav, lambda temp: shutil.copyfile(master_wav, temp))
            report.files.append(str(wav))
        if request.png_sequence is not None:
            report.files.append(str(delivery.render_png_sequence(self.scene, Path(request.png_sequence))))
        report_path = report.output.with_suffix(".report.json")
        report_path.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        report.files.append(str(report_path))
        self._timed("outputs", started)
        yield "done", 1.0


def run_to_end(build: FilmBuild, on_step=None) -> FilmReport:
    """Drive a build to completion (headless)."""
    last = None
    for stage, fraction in build.steps():
        if on_step is not None and stage != last:
            on_step(stage, fraction)
        last = stage
    return build.report

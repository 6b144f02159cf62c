"""Brief to film: plan, generate, sync on the VSE, grade, master, deliver.

The build is a generator of small steps. Headless runs drive it to the end; the modal operator
advances it one step per timer tick, so Blender stays responsive between steps and Esc can stop
it between any two. Model work (cards, speech, music, loudness) runs in the worker; landing,
layout and grading run here, one shot per step; the final render runs here headless and in a
second Blender when the artist's window is open (``background_render``).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import bpy

from ..core import director
from ..core import plan as plan_io
from ..core.keys import slug
from ..core.models import load_registry, weights_present
from ..core.paths import contained_path
from ..core.presets import get_preset
from ..core.runtime_probe import PREVIZ_MODULES, check_runtime_modules, modules_for
from ..core.sound_design import check_transitions
from ..core.staging import PREVIZ
from ..core.sync import duck_keyframes, time_shots
from ..core.validation import BadInput
from ..runtime.tracker import JobTracker
from . import (
    artist_layout,
    background_render,
    delivery,
    film_deliver,
    film_jobs,
    film_post,
    film_stage,
    film_sync,
    look,
    planning,
    shot_list,
    timeline,
    transitions,
)
from .film_report import FilmReport, add_job_records, shot_records
from .film_request import FilmRequest, check_output


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
        self.job_results: dict[Path, dict] = {}
        self.film_frames: list[Path] | None = None  # the edit as PNG frames, for other deliverables
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

        self.sfx_model = None
        sfx = request.sfx_model
        if sfx is not None and weights_present(sfx, request.models_folder or Path()):
            self.sfx_model = sfx
        self.report.backends["sfx"] = f"{sfx.id} ({sfx.family})" if self.sfx_model else "procedural library"

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

    def _render_in_background(self, master_wav: Path) -> Iterator[tuple[str, float]]:
        """The render in a second Blender, polled once per tick (the UI never waits on it)."""
        steps = background_render.render_steps(self.scene, self.report.output)
        try:
            with timeline.master_audio(self.scene, master_wav):
                fraction = next(steps)  # saves the edit's copy (with the master mix) and starts it
            while True:
                yield "render", 0.7 + 0.2 * fraction
                if self.cancelled:
                    return
                fraction = next(steps)
        except StopIteration:
            return
        finally:
            steps.close()  # a cancel stops the child and removes its partial file

    # -- the build --------------------------------------------------------------------------
    def steps(self) -> Iterator[tuple[str, float]]:
        """The whole build, as (stage, fraction done) steps; stops after any step once cancelled."""
        started = time.perf_counter()
        plan = yield from self._plan()
        if plan is None:
            return
        self._prepare(plan)
        self._timed("plan", started)
        yield "plan", 0.05
        stages = (
            self._make_media,
            self._post,
            self._grade,
            self._speech_and_music,
            self._staged_timeline,
            self._layout,
            self._master,
        )
        for stage in (*stages, self._render, self._write_outputs):
            yield from stage()
            if self.cancelled:
                return

    def _prepare(self, plan: dict) -> None:
        """Everything that can refuse the plan, before any file is written; then the plan itself."""
        request, report = self.request, self.report
        if request.look:
            plan["style"]["grade"] = request.look
        self.plan, self.preset = plan, get_preset(plan["film"]["preset"])
        # The delivery preset decides the frame: a plan edited to another preset (or to sizes of
        # its own) is laid out, painted and filled at the size it will be delivered at.
        frame = {"width": self.preset.width, "height": self.preset.height, "fps": self.preset.fps}
        if any(plan["film"][key] != value for key, value in frame.items()):
            plan["film"] |= {**frame, "aspect": self.preset.aspect}
        report.output = check_output(request.output, self.preset.extension)
        self.extras = film_deliver.check_extras(
            self.preset, request.deliver, request.aspect_fit, report.output
        )
        request.post = replace(request.post.check(request.models_folder), device=request.device)
        plan["warnings"] = [*plan.get("warnings", []), *check_transitions(plan["shots"])]
        self.caption_rules, self.burn_captions = film_sync.caption_rules(
            plan["film"]["preset"], request.captions
        )
        # Warnings found before the plan (media folder, missing video weights) are kept.
        report.plan, report.lufs_target = plan, self.preset.lufs
        report.true_peak_target = self.preset.true_peak
        report.warnings = [*report.warnings, *plan["warnings"]]
        runtime = film_jobs.Runtime(
            request.models_folder, request.allow_online, request.device, request.memory_mode
        )
        registry = load_registry(request.models_folder)
        # A style a voice cannot do, a missing voice model or reference clip stops the build here.
        voices = film_jobs.voices_for(plan, request.voices, registry, request.models_folder)
        self.folder = contained_path(self.media_root, f"films/{slug(plan['film']['title'])}")
        self.staged = self._stage(plan)
        staged_inputs, self.depth_sizes = film_stage.staged_inputs(
            self.staged, plan, registry, request.image_model, request.models_folder
        )
        self.media = film_jobs.shot_media(
            plan,
            self.folder,
            request.image_model,
            self.video_model,
            registry,
            voices,
            runtime,
            staged_inputs,
        )
        planned_here = request.plan is None and request.planner.kind != "rules"
        if request.runtime_python and planned_here:  # an LLM's plan names models not checked yet
            families = {spec.family for pair in self.media.models for spec in pair if spec is not None}
            families |= {spec.family for _, spec in voices.values()}
            needed = [*PREVIZ_MODULES, *(m for family in families for m in modules_for(family))]
            check_runtime_modules(request.runtime_python, needed, "this film")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.scene["storyloom_plan"] = plan_io.to_json(plan)
        self.scene["storyloom_dirty_shots"] = "[]"  # a fresh build makes every shot
        shot_list.load_shots(self.scene)
        report.files.append(str(plan_io.save(plan, self.folder / "plan.json")))
        report.warnings.extend(self.media.warnings)
        unrendered = (
            {shot.shot for shot in self.staged.shots if not shot.still.exists()} if self.staged else set()
        )
        report.regenerated = [
            shot["id"]
            for shot in plan["shots"]
            if shot["id"] in unrendered or shot["id"] in self.media.regenerated
        ]
        if self.staged is not None:
            report.warnings.extend(self.staged.warnings)
            staging = f"{self.staged.record()['source']}, {request.render_engine}"
            if request.image_model is None:
                report.backends["images"] = f"staged previz ({staging})"
            else:
                report.backends["images"] += f", steered by the staging ({staging})"

    def _stage(self, plan: dict) -> film_stage.FilmStage | None:
        """The plan staged in 3D (or fitted to the scene's camera markers); None for cards."""
        request = self.request
        if request.previz not in PREVIZ:
            raise BadInput(f"Unknown previz {request.previz!r}; known: {', '.join(PREVIZ)}.")
        if request.previz == "cards":
            if request.stage_frames:
                raise BadInput("Every-frame staging renders the 3D blocking: it cannot go with previz cards.")
            return None
        started = time.perf_counter()
        staged = film_stage.prepare(self.scene, plan, self.folder, request.render_engine)
        self._timed("stage_build", started)
        return staged

    def _staged_timeline(self) -> Iterator[tuple[str, float]]:
        """Markers and camera moves on the film's timing; with ``stage_frames``, every frame."""
        if self.staged is None:
            return
        started = time.perf_counter()
        self.report.sync["markers"] = film_stage.bind(self.staged, self.plan, self.timings, moves=True)
        if self.request.stage_frames:
            spans = transitions.picture_spans(self.plan["shots"], self.timings, self.plan["film"]["fps"])
            for _ in film_stage.frame_steps(self.staged, spans, self.folder):
                yield "stage frames", 0.55
                if self.cancelled:
                    return
        self._timed("stage_frames" if self.request.stage_frames else "stage_bind", started)

    def _make_media(self) -> Iterator[tuple[str, float]]:
        """The lines go to the worker first; the staged stills render here meanwhile; then the
        pictures (which may start from the stills), then the clips (which may start from those)."""
        jobs = self.media.jobs
        self.submitted = {"voice": [self._submit(job) for job, _ in jobs["voice"]]}
        if self.staged is not None:
            started = time.perf_counter()
            for _ in film_stage.render_steps(self.staged, self.depth_sizes):
                yield "staging", 0.1
                if self.cancelled:
                    return
            self._timed("staging", started)
        started = time.perf_counter()
        self.submitted["cards"] = [self._submit(job) for job, _ in jobs["cards"]]
        yield from self._wait(self.submitted["cards"], "images", 0.15)
        if self.cancelled:
            return
        self._timed("images", started)
        self.submitted["video"] = [self._submit(job) for job, _ in jobs["video"]]
        if self.submitted["video"]:
            started = time.perf_counter()
            yield from self._wait(self.submitted["video"], "video", 0.3)
            self._timed("video", started)
        self.job_results = {  # what the worker says it made, by output: the report's job records
            Path(job.get("output") or job["output_dir"]): tracker.state.result or {}
            for kind in ("cards", "video")
            for (job, _), tracker in zip(jobs[kind], self.submitted[kind], strict=True)
        }

    def _post(self) -> Iterator[tuple[str, float]]:
        """Deflicker, colour match, frame-rate fit and upscale (film_post), before the grade."""
        yield from film_post.post_steps(self)

    def _grade(self) -> Iterator[tuple[str, float]]:
        """Each shot's still through the look group, one per tick."""
        started = time.perf_counter()
        cards = [pictures.still for pictures in self.pictures]
        self.graded = [self.folder / "graded" / f"{shot['id']}.png" for shot in self.plan["shots"]]
        request = self.request
        group = look.build_look_group(
            self.plan["style"]["grade"], denoise=request.denoise, glare=request.glare
        )
        for index, (source, target) in enumerate(zip(cards, self.graded, strict=True)):
            look.grade_stills(self.scene, [source], [target], group)
            yield "grade", 0.15 + 0.2 * (index + 1) / len(cards)
            if self.cancelled:
                return
        self._timed("grade", started)

    def _speech_and_music(self) -> Iterator[tuple[str, float]]:
        """The lines' lengths time the shots; then the score and the sound cues are made to it."""
        started = time.perf_counter()
        yield from self._wait(self.submitted["voice"], "speech", 0.4)
        if self.cancelled:
            return
        film, style, shots = self.plan["film"], self.plan["style"], self.plan["shots"]
        self.lines = [film_sync.line_media(spoken) for spoken in self.media.lines]
        speech = [
            timeline.space_lines(shot_lines, shot.get("line_gap", timeline.LINE_GAP))
            for shot, shot_lines in zip(shots, self.lines, strict=True)
        ]
        self.timings, overruns = time_shots(
            speech,
            [shot["duration_hint"] for shot in shots],
            film["fps"],
            j_cuts=[shot.get("j_cut", 0.0) for shot in shots],
            l_cuts=[shot.get("l_cut", 0.0) for shot in shots],
            gaps=[shot.get("line_gap", timeline.LINE_GAP) for shot in shots],
        )
        if self.staged is not None and self.staged.fixed_cuts:  # the artist's markers are the cuts
            self.timings, overruns = artist_layout.timings(self.staged.layout, film["fps"], speech)
        for index in overruns:
            self.report.warnings.append(
                f"Shot {shots[index]['id']}'s lines need {self.timings[index].frames / film['fps']:.2f} s, "
                f"longer than its {shots[index]['duration_hint']:g} s: it runs long rather than cut a line."
            )
        runtime = film_jobs.Runtime(
            self.request.models_folder,
            self.request.allow_online,
            self.request.device,
            self.request.memory_mode,
        )
        self.sound_jobs, notes = film_sync.sound_jobs(
            self.plan, self.timings, self.folder, self.sfx_model, runtime
        )
        self.report.warnings.extend(notes)
        waiting = [
            self._submit({**job, "output": str(path)})
            for _, job, path in self.sound_jobs
            if not path.exists()
        ]
        if not style.get("music", True):  # the brief said "no music"
            self.report.backends["music"] = "none (the brief asked for no music)"
        else:
            waiting.append(self._submit(self._music_job()))
        yield from self._wait(waiting, "music and sound", 0.5)
        self._timed("audio", started)

    def _music_job(self) -> dict:
        film, style = self.plan["film"], self.plan["style"]
        return {
            "task": "music",
            "output": str(self.folder / "music.wav"),
            "duration": self.timings[-1].end_frame / film["fps"],
            "bpm": style["bpm"],
            "key": style["key"],
            "mode": style["mode"],
            "energy": style["energy"],
            "seed": self.plan["characters"][0]["seed"],
        }

    def _layout(self) -> Iterator[tuple[str, float]]:
        started = time.perf_counter()
        request, plan, timings = self.request, self.plan, self.timings
        fps = plan["film"]["fps"]
        voice_spans = [
            (timing.voice_start + line.offset, timing.voice_start + line.offset + line.duration)
            for timing, shot_lines in zip(timings, self.lines, strict=True)
            for line in shot_lines
        ]
        keys = duck_keyframes(
            voice_spans, request.music_level, request.duck_db, request.duck_attack, request.duck_release
        )
        shot_media = [
            timeline.ShotMedia(picture, shot_lines, " ".join(line["text"] for line in shot["lines"]))
            for shot, picture, shot_lines in zip(plan["shots"], self.graded, self.lines, strict=True)
        ]
        spans = transitions.picture_spans(plan["shots"], timings, fps)
        for item, pictures, span in zip(shot_media, self.pictures, spans, strict=True):
            if pictures.clip is not None:
                item.frames = film_jobs.clip_frames(pictures.clip, pictures.clip_fps, fps, span.frames)
        staged_shots = self.staged.shots if self.staged is not None else [None] * len(shot_media)
        for item, staged in zip(shot_media, staged_shots, strict=True):
            if staged is not None and staged.frames and item.frames is None:
                item.frames = staged.frames  # the staging's own frames: true parallax
        music = self.folder / "music.wav" if plan["style"].get("music", True) else None
        extras = self._extras()
        summary = timeline.layout(self.scene, plan, timings, shot_media, music, keys, request.fit, extras)
        delivery.configure(self.scene, self.preset)
        self.report.frames, self.report.duration = summary["frames"], summary["frames"] / fps
        self.report.shots = shot_records(plan, timings, shot_media, self.media.models)
        add_job_records(self.report, self.media, self.job_results, self.staged)
        self.report.sync["transitions"] = summary["transitions"]
        self.report.sync["sounds"] = film_sync.sound_records(extras.sounds, fps)
        self._timed("layout", started)
        if request.lip_sync:
            started = time.perf_counter()
            stage = self.staged.stage.scene if self.staged and self.staged.stage else None
            rigs, warnings = film_sync.lip_sync_rigs(self.scene, plan, stage)
            self.report.sync["lip_sync"] = rigs
            self.report.warnings.extend(warnings)
            self._timed("lip_sync", started)
        yield "layout", 0.6

    def _extras(self) -> timeline.EditExtras:
        """Captions and sound cues for the edit (captions timed in their own report stage)."""
        started = time.perf_counter()
        self.captions = []
        if self.request.captions != "off":
            self.captions, warnings = film_sync.caption_cues(
                self.plan, self.timings, self.lines, self.caption_rules
            )
            self.report.warnings.extend(warnings)
        self.report.sync["captions"] = {
            "cues": len(self.captions),
            "burned_in": self.burn_captions and bool(self.captions),
            "rules": self.plan["film"]["preset"],
        }
        self._timed("captions", started)
        return timeline.EditExtras(
            captions=self.captions,
            caption_rules=self.caption_rules if self.burn_captions else None,
            sounds=[(cue, path) for cue, _, path in self.sound_jobs],
        )

    def _master(self) -> Iterator[tuple[str, float]]:
        yield from film_deliver.master_steps(self)

    def _render(self) -> Iterator[tuple[str, float]]:
        started = time.perf_counter()
        if self.request.render_in_background and self.preset.kind == "video":
            yield from self._render_in_background(self.master_wav)
            if self.cancelled:
                return
        elif self.preset.kind == "frames":  # EXR or PNG frames: the master WAV goes beside them
            delivery.render_frames(self.scene, self.report.output)
        else:
            with timeline.master_audio(self.scene, self.master_wav):
                delivery.render_video(self.scene, self.report.output)
        self.report.files.insert(0, str(self.report.output))
        self._timed("render", started)
        yield "render", 0.9

    def _write_outputs(self) -> Iterator[tuple[str, float]]:
        yield from film_deliver.output_steps(self)


def run_to_end(build: FilmBuild, on_step=None) -> FilmReport:
    """Drive a build to completion (headless)."""
    last = None
    for stage, fraction in build.steps():
        if on_step is not None and stage != last:
            on_step(stage, fraction)
        last = stage
    return build.report

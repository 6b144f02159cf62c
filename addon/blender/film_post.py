"""A film's post stage: its generated pictures and clips made ready for the timeline.

In order, each step a set of worker jobs (so the UI stays live and Esc stops them):
deflicker the clips, match every shot's colour to a reference before the look grade, fit each
clip to the film's frame rate (repeat, blend or optical flow), and upscale pictures the model
made smaller than the delivery frame. Every step writes new files keyed by its input and
settings, never over its input, so a rebuild with the same settings reuses them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.keys import artifact_key
from ..core.post import check_fps_fit, interpolator_path, numbered_frames
from ..core.validation import BadInput

MATCH_MODES = ("off", "first")  # or a frame file: the reference picture


@dataclass(frozen=True)
class PostSettings:
    fps_fit: str = "flow"  # how clips reach the film's rate (core.post.FPS_FITS)
    deflicker: bool = False  # per-frame gain against the brightness breathing of video models
    match_colour: str = "off"  # "first" shot, a frame file, or "off"
    upscale: bool = True  # pictures smaller than the frame are upscaled before the VSE fits them

    interpolator: str = ""  # the learned fit's weights (default: the models folder's RIFE file)
    upscaler: str = ""  # a learned upscaler's .safetensors ("": Lanczos)
    device: str = "auto"  # where learned post models run (the preferences' device)

    def check(self, models_folder: Path | None) -> PostSettings:
        """These settings, refused early when wrong; the learned fit's weights found."""
        check_fps_fit(self.fps_fit)
        if self.match_colour not in MATCH_MODES and not Path(self.match_colour).is_file():
            raise BadInput(
                f"The colour reference {self.match_colour!r} is not a picture file: "
                f"give a frame to match to, or one of {', '.join(MATCH_MODES)}."
            )
        if self.upscaler and not Path(self.upscaler).is_file():
            raise BadInput(f"The upscaler {self.upscaler} does not exist: give its .safetensors file.")
        if self.fps_fit == "model":
            return replace(
                self, interpolator=str(interpolator_path(models_folder or Path(), self.interpolator))
            )
        return self

    def fit_job(self, frames: list, source_fps: float, target_fps: float, output_dir: Path) -> dict:
        """An interpolation job in this fit (the learned one names its weights)."""
        job = {
            "task": "interpolate",
            "frames": [str(frame) for frame in frames],
            "source_fps": source_fps,
            "target_fps": target_fps,
            "method": self.fps_fit,
            "output_dir": str(output_dir),
        }
        if self.upscaler and not Path(self.upscaler).is_file():
            raise BadInput(f"The upscaler {self.upscaler} does not exist: give its .safetensors file.")
        if self.fps_fit == "model":
            job |= {"model_path": self.interpolator, "device": self.device}
        return job


def frames_of(folder: Path) -> list[Path]:
    return numbered_frames(folder)


def _keyed(folder: Path, shot: str, step: str, *parts: object) -> Path:
    return folder / "post" / f"{shot}-{step}-{artifact_key(step, *parts)}"


@dataclass
class ShotPictures:
    """One shot's picture (a still) and clip (a folder of frames, or None), as post changes them."""

    shot: str
    still: Path
    clip: Path | None
    clip_fps: float


def deflicker_jobs(shots: list[ShotPictures], folder: Path) -> list[tuple[ShotPictures, dict]]:
    jobs = []
    for item in shots:
        if item.clip is None or len(frames_of(item.clip)) < 2:
            continue
        output = _keyed(folder, item.shot, "deflicker", str(item.clip))
        jobs.append(
            (
                item,
                {
                    "task": "deflicker",
                    "frames": [str(f) for f in frames_of(item.clip)],
                    "output_dir": str(output),
                },
            )
        )
    return jobs


def colour_job(shots: list[ShotPictures], folder: Path, reference: str) -> dict:
    """One job for the whole film: every still and clip matched to the same reference."""
    entries = []
    for item in shots:
        entries.append(
            {
                "frames": [str(item.still)],
                "output_dir": str(_keyed(folder, item.shot, "colour", str(item.still), reference)),
            }
        )
        if item.clip is not None:
            entries.append(
                {
                    "frames": [str(f) for f in frames_of(item.clip)],
                    "output_dir": str(_keyed(folder, item.shot, "colour-clip", str(item.clip), reference)),
                }
            )
    job = {"task": "colour_match", "shots": entries}
    if reference != "first":
        job["reference_frame"] = reference
    return job


def apply_colour(shots: list[ShotPictures], result: dict) -> list[dict]:
    """Point each shot at its matched files; the per-shot CIEDE2000 record for the report."""
    outputs = iter(zip(result["shots"], result["delta_e_before"], result["delta_e_after"], strict=True))
    records = []
    for item in shots:
        matched, before, after = next(outputs)
        item.still = Path(matched["output_dir"]) / matched["frames"][0]
        record = {"shot": item.shot, "delta_e_before": round(before, 2), "delta_e_after": round(after, 2)}
        if item.clip is not None:
            matched_clip, _, clip_after = next(outputs)
            item.clip = Path(matched_clip["output_dir"])
            record["clip_delta_e_after"] = round(clip_after, 2)
        records.append(record)
    return records


def fit_jobs(
    shots: list[ShotPictures], folder: Path, fps: float, settings: PostSettings
) -> list[tuple[ShotPictures, dict]]:
    """Interpolation jobs for clips slower than the film (a faster clip drops frames: no job)."""
    if settings.fps_fit == "repeat":
        return []
    jobs = []
    for item in shots:
        count = len(frames_of(item.clip)) if item.clip is not None else 0
        if count < 2 or not 1 < fps / item.clip_fps <= 8:
            continue
        output = _keyed(folder, item.shot, f"fit-{settings.fps_fit}", str(item.clip), item.clip_fps, fps)
        jobs.append((item, settings.fit_job(frames_of(item.clip), item.clip_fps, fps, output)))
    return jobs


def upscale_jobs(
    shots: list[ShotPictures], folder: Path, size: tuple[int, int], upscaler: str = "", device: str = "auto"
) -> list[tuple[ShotPictures, str, dict]]:
    """Upscale jobs (``cover`` the frame) for every still and clip; the worker skips big ones."""
    method = {"method": "model", "model_path": upscaler, "device": device} if upscaler else {}
    jobs = []
    for item in shots:
        still = _keyed(folder, item.shot, "upscale", str(item.still), *size, upscaler).with_suffix(".png")
        job = {
            "task": "upscale",
            "image": str(item.still),
            "cover": list(size),
            "output": str(still),
            **method,
        }
        jobs.append((item, "still", job))
        if item.clip is not None:
            output = _keyed(folder, item.shot, "upscale-clip", str(item.clip), *size, upscaler)
            job = {
                "task": "upscale",
                "frames": [str(f) for f in frames_of(item.clip)],
                "cover": list(size),
                "output_dir": str(output),
                **method,
            }
            jobs.append((item, "clip", job))
    return jobs


def is_done(job: dict) -> bool:
    """A keyed output already on disk: the same input and settings made it before."""
    if "output_dir" in job:
        return Path(job["output_dir"]).is_dir()
    return Path(job["output"]).is_file()


def post_steps(build) -> Iterator[tuple[str, float]]:
    """The post stage of a :class:`~.film.FilmBuild`: sets ``build.pictures`` and the report's
    ``post`` record (what each step did, CIEDE2000 before and after, flicker, fits)."""
    settings: PostSettings = build.request.post
    media, folder, film = build.media, build.folder, build.plan["film"]
    shots = [
        ShotPictures(shot["id"], still, clip, fps)
        for shot, still, clip, fps in zip(
            build.plan["shots"], media.cards, media.clips, media.clip_fps, strict=True
        )
    ]
    build.pictures, record = shots, {"fps_fit": settings.fps_fit}
    if settings.deflicker:
        jobs = deflicker_jobs(shots, folder)
        results = yield from _run(build, [job for _, job in jobs], "deflicker", 0.3)
        if build.cancelled:
            return
        record["deflicker"] = [
            {
                "shot": item.shot,
                **{k: results.get(job["output_dir"], {}).get(k) for k in ("flicker_before", "flicker_after")},
            }
            for item, job in jobs
        ]
        for item, job in jobs:
            item.clip = Path(job["output_dir"])
    if settings.match_colour != "off":
        job = colour_job(shots, folder, settings.match_colour)
        saved = folder / "post" / f"colour-{artifact_key(job)}.json"
        if not saved.is_file():
            results = yield from _run(build, [job], "colour match", 0.3)
            if build.cancelled:
                return
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(results[_output_of(job)]), encoding="utf-8")
        record["colour_match"] = {
            "reference": settings.match_colour,
            "shots": apply_colour(shots, json.loads(saved.read_text())),
        }
    jobs = fit_jobs(shots, folder, film["fps"], settings)
    yield from _run(build, [job for _, job in jobs], "frame-rate fit", 0.3)
    if build.cancelled:
        return
    for item, job in jobs:
        item.clip, item.clip_fps = Path(job["output_dir"]), float(film["fps"])
    record["fitted"] = [item.shot for item, _ in jobs]
    if settings.upscale:
        record["upscaled"] = yield from _upscale(build, shots, (film["width"], film["height"]))
    build.report.post = record


def _upscale(build, shots: list[ShotPictures], size: tuple[int, int]) -> Iterator[tuple[str, float]]:
    post = build.request.post
    jobs = upscale_jobs(shots, build.folder, size, post.upscaler, post.device)
    results = yield from _run(build, [job for _, _, job in jobs], "upscale", 0.3)
    upscaled = []
    for item, kind, job in jobs:
        result = results.get(_output_of(job), {})
        if result.get("skipped") or build.cancelled:
            continue
        if kind == "still":
            item.still = Path(job["output"])
        else:
            item.clip = Path(job["output_dir"])
        upscaled.append(f"{item.shot} {kind}")
    return upscaled


def _output_of(job: dict) -> str:
    return job.get("output_dir") or job.get("output") or json.dumps(job, sort_keys=True)


def _run(build, jobs: list[dict], stage: str, fraction: float) -> Iterator[tuple[str, float]]:
    """Submit the jobs whose keyed outputs are missing, wait, return results by output."""
    started = time.perf_counter()
    waiting = [(job, build._submit(job)) for job in jobs if job["task"] == "colour_match" or not is_done(job)]
    yield from build._wait([tracker for _, tracker in waiting], stage, fraction)
    if waiting:
        build._timed(stage.replace(" ", "_"), started)
    return {_output_of(job): tracker.state.result or {} for job, tracker in waiting}

"""The deliverables beside a film's main file: other presets, MP3, stems, poster and thumbnail.

Another preset is rendered from a delivery scene made for it: one scene strip showing the
film's edit, scaled to pad (letterbox/pillarbox) or crop into the preset's frame, and the
master mix. The film scene's own settings are never touched, and the delivery scene is removed
afterwards. Every file is written under a temp name and renamed when complete.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import bpy

from ..core.atomic import atomic_path, write_atomic
from ..core.keys import artifact_key
from ..core.post import ASPECT_FITS, MAX_RATIO, numbered_frames
from ..core.presets import DeliveryPreset, get_preset
from ..core.validation import BadInput
from ..core.video import retime
from . import compat, delivery, film_sync, image_io, timeline
from .film_request import check_frames_folder

STEM_CHANNELS = {"dialogue": (timeline.CHANNELS["dialogue"],), "music": (timeline.CHANNELS["music"],)}
THUMBNAIL_LONG_SIDE = 1280  # YouTube's thumbnail size (1280x720 for 16:9)


def check_extras(
    film: DeliveryPreset, names: list[str], aspect_fit: str, output: Path
) -> list[DeliveryPreset]:
    """The extra presets asked for, refused before any work when they cannot be made."""
    if aspect_fit not in ASPECT_FITS:
        raise BadInput(f"Unknown aspect fit {aspect_fit!r}: choose {', '.join(ASPECT_FITS)}.")
    extras = []
    for name in names:
        preset = get_preset(name)
        if preset.rate > film.rate * MAX_RATIO:
            raise BadInput(
                f"The '{name}' deliverable is {preset.rate:.3f} fps, over {MAX_RATIO:g} times the film's "
                f"{film.rate:.3f} fps: build the film with --preset {name} instead."
            )
        if preset.aspect != film.aspect and aspect_fit == "refuse":
            raise BadInput(
                f"The '{name}' deliverable is {preset.aspect} but the film is {film.aspect}: "
                "choose an aspect fit of pad (letterbox or pillarbox) or crop, "
                "or build the film with that preset."
            )
        if preset.kind == "frames":
            check_frames_folder(target_for(output, preset))  # never over a folder of other files
        extras.append(preset)
    return extras


def target_for(output: Path, preset: DeliveryPreset) -> Path:
    """``film.mp4`` -> ``film.square.mp4``; a frame sequence is a folder ``film_exr``."""
    if preset.kind == "frames":
        return output.with_name(f"{output.stem}_{preset.name}")
    return output.with_name(f"{output.stem}.{preset.name}{preset.extension}")


def fit_scale(source: tuple[int, int], frame: tuple[int, int], aspect_fit: str) -> float:
    ratios = (frame[0] / source[0], frame[1] / source[1])
    return max(ratios) if aspect_fit == "crop" else min(ratios)


def film_rate(film: bpy.types.Scene) -> float:
    return film.render.fps / film.render.fps_base


def same_frame(film: bpy.types.Scene, preset: DeliveryPreset) -> bool:
    """Whether the film's own render is already this preset's frame and rate."""
    size = (film.render.resolution_x, film.render.resolution_y)
    return size == (preset.width, preset.height) and abs(preset.rate - film_rate(film)) < 1e-6


def master_for(build, preset: DeliveryPreset) -> Iterator[tuple[str, float]]:
    """The mix mastered to ``preset``'s loudness and true peak (the film's own master when they
    agree): a broadcast film's social cut plays at -14 LUFS, its streaming cut at -24."""
    film = build.preset
    if (preset.lufs, preset.limiter_ceiling) == (film.lufs, film.limiter_ceiling):
        return build.master_wav
    path = build.folder / f"master-{preset.name}.wav"
    job = {
        "task": "master",
        "path": str(build.folder / "mix.wav"),
        "output": str(path),
        "target_lufs": preset.lufs,
        "ceiling_db": preset.limiter_ceiling,
    }
    mastering = build._submit(job)
    yield from build._wait([mastering], "deliverables", 0.93)
    return path


def film_frames(build) -> list[Path]:
    """The edit rendered once as PNG frames at the film's own frame and rate (every other
    shape and rate is made from these)."""
    if build.film_frames is None:
        folder = build.folder / "deliver" / "film-frames"
        png = replace(build.preset, kind="frames", container="PNG", codec="", extension="")
        with delivery.frames_output(build.scene, png):
            delivery.render_frames(build.scene, folder)
        build.film_frames = numbered_frames(folder)
    return build.film_frames


def frames_at_rate(build, preset: DeliveryPreset) -> Iterator[tuple[str, float]]:
    """The film's frames at ``preset``'s rate: made between by the film's frame-rate fit (optical
    flow by default) for a faster rate, dropped evenly for a slower one."""
    frames, rate, method = film_frames(build), film_rate(build.scene), build.request.post.fps_fit
    if abs(preset.rate - rate) < 1e-6:
        return frames
    if preset.rate < rate or method == "repeat":
        return [frames[index] for index in retime(len(frames), rate, preset.rate)]
    key = artifact_key(
        preset.rate, method, [path.stat().st_mtime_ns for path in frames[:: max(1, len(frames) // 8)]]
    )
    folder = build.folder / "deliver" / f"film-frames-{preset.rate:.3f}fps-{method}-{key}"
    fitting = build._submit(build.request.post.fit_job(frames, rate, preset.rate, folder))
    yield from build._wait([fitting], "deliverables", 0.93)
    if build.cancelled:
        return []
    return [folder / name for name in fitting.state.result["frames"]]


@contextmanager
def delivery_scene(
    film: bpy.types.Scene, preset: DeliveryPreset, files: list[Path], aspect_fit: str, master_wav: Path
) -> Iterator:
    """A temporary scene in ``preset``'s frame and rate: the film's frames (one file per frame,
    padded or cropped into the frame) and the master mix."""
    scene = bpy.data.scenes.new(f"{film.name} Deliver {preset.name}")
    try:
        delivery.configure(scene, preset)
        scene.frame_start, scene.frame_end = 1, len(files)
        scene.sequence_editor_create()
        strips = compat.strips(scene)
        picture = strips.new_image("film", str(files[0]), 1, 1, fit_method="ORIGINAL")
        for path in files[1:]:  # one folder; a dropped-frame retime may list a file twice
            picture.elements.append(path.name)
        size = (film.render.resolution_x, film.render.resolution_y)
        scale = fit_scale(size, (preset.width, preset.height), aspect_fit)
        picture.transform.scale_x = picture.transform.scale_y = scale
        picture.transform.filter = timeline.PICTURE_FILTER
        strips.new_sound("master", str(master_wav), 2, 1)
        yield scene
    finally:
        bpy.data.scenes.remove(scene)


def extra_steps(build, preset: DeliveryPreset, target: Path) -> Iterator[tuple[str, float]]:
    """One more deliverable: its own master, the film's frames at its rate, in its frame."""
    master_wav = yield from master_for(build, preset)
    if build.cancelled:
        return
    if preset.kind == "frames":  # the preset's master beside the frames, as for a frames film
        wav = target.with_suffix(".wav")
        write_atomic(wav, lambda temp: shutil.copyfile(master_wav, temp))
        build.report.files.append(str(wav))
    if preset.kind == "frames" and same_frame(build.scene, preset):  # full precision, straight from the edit
        with delivery.frames_output(build.scene, preset):
            delivery.render_frames(build.scene, target)
        return
    files = yield from frames_at_rate(build, preset)
    if build.cancelled:
        return
    with delivery_scene(build.scene, preset, files, build.request.aspect_fit, master_wav) as scene:
        if preset.kind == "frames":
            delivery.render_frames(scene, target)
        else:
            delivery.render_video(scene, target)


def render_stems(film: bpy.types.Scene, folder: Path, stem: str) -> list[Path]:
    """Dialogue, music and effects as WAVs, each the mix with the other groups muted (before the
    master bus: the three sum to the unmastered mix)."""
    sounds = [s for s in compat.all_strips(film) if s.type == "SOUND" and not s.mute]
    grouped = {"dialogue": [], "music": [], "effects": []}
    for strip in sounds:
        name = next(
            (group for group, channels in STEM_CHANNELS.items() if strip.channel in channels), "effects"
        )
        grouped[name].append(strip)
    written = []
    for name, keep in grouped.items():
        if not keep:
            continue
        muted = [strip for strip in sounds if strip not in keep]
        for strip in muted:
            strip.mute = True
        try:
            written.append(delivery.mixdown(film, folder / f"{stem}.{name}.wav"))
        finally:
            for strip in muted:
                strip.mute = False
    return written


def poster_frame(film: bpy.types.Scene, timings: list) -> int:
    """The middle of the longest shot: the frame most likely to show what the film is about."""
    longest = max(range(len(timings)), key=lambda index: timings[index].frames)
    timing = timings[longest]
    return film.frame_start + timing.start_frame + timing.frames // 2


def render_poster(film: bpy.types.Scene, frame: int, poster: Path, thumbnail: Path) -> list[Path]:
    """The poster (PNG, the film's frame) and a thumbnail (JPEG, 1280 on the long side)."""
    saved = film.frame_current
    film.frame_set(frame)
    try:
        with bpy.context.temp_override(scene=film):
            bpy.ops.render.render(scene=film.name)
        result = bpy.data.images[image_io.RENDER_RESULT]
        with compat.still_output(film, "PNG", "RGB"), atomic_path(poster) as temp:
            result.save_render(filepath=str(temp), scene=film)
    finally:
        film.frame_set(saved)
    image = bpy.data.images.load(str(poster), check_existing=False)
    try:
        width, height = image.size
        scale = THUMBNAIL_LONG_SIDE / max(width, height)
        image.scale(max(1, round(width * scale)), max(1, round(height * scale)))
        image.file_format = "JPEG"
        with atomic_path(thumbnail) as temp:
            image.filepath_raw = str(temp)
            image.save()
    finally:
        bpy.data.images.remove(image)
    return [poster, thumbnail]


def master_steps(build) -> Iterator[tuple[str, float]]:
    """The mix down, mastered to the main preset's loudness under its true-peak ceiling."""
    started = time.perf_counter()
    mix = delivery.mixdown(build.scene, build.folder / "mix.wav")
    build.master_wav = build.folder / "master.wav"
    ceiling = build.preset.limiter_ceiling  # under the preset's true peak, with room for AAC
    job = {"task": "master", "path": str(mix), "output": str(build.master_wav), "ceiling_db": ceiling}
    mastered = build._submit({**job, "target_lufs": build.preset.lufs})
    yield from build._wait([mastered], "master", 0.65)
    if build.cancelled:
        return
    result, report = mastered.state.result, build.report
    report.lufs_before, report.lufs_after = result["lufs_before"], result["lufs"]
    report.peak_dbfs, report.true_peak = result["peak_dbfs"], result["true_peak_db"]
    build._timed("master", started)
    yield "master", 0.7


def output_steps(build) -> Iterator[tuple[str, float]]:
    """After the main render: sidecars, WAV, MP3, stems, other presets, poster; then every file
    probed by the worker (size, rate, codec, loudness, true peak) into the report."""
    started = time.perf_counter()
    request, report, scene = build.request, build.report, build.scene
    output = report.output
    if request.captions != "off" and build.captions:
        report.files += [str(path) for path in film_sync.write_sidecars(build.captions, output)]
    if request.wav:
        wav = output.with_name(f"{output.stem}.wav")
        write_atomic(wav, lambda temp: shutil.copyfile(build.master_wav, temp))
        report.files.append(str(wav))
    if request.png_sequence is not None:
        report.files.append(str(delivery.render_png_sequence(scene, Path(request.png_sequence))))
    extras = []
    with timeline.master_audio(scene, build.master_wav):
        if request.mp3:
            extras.append(delivery.mixdown(scene, output.with_name(f"{output.stem}.mp3"), container="MP3"))
    if request.stems:
        extras += render_stems(scene, output.parent, output.stem)
    yield "deliverables", 0.92
    for preset in build.extras:
        if build.cancelled:
            return
        target, started_extra = target_for(output, preset), time.perf_counter()
        yield from extra_steps(build, preset, target)
        extras.append(target)
        build._timed(f"deliver_{preset.name}", started_extra)
        yield "deliverables", 0.94
    if request.poster:
        frame = poster_frame(scene, build.timings)
        extras += render_poster(
            scene,
            frame,
            output.with_name(f"{output.stem}.poster.png"),
            output.with_name(f"{output.stem}.thumbnail.jpg"),
        )
    report.files += [str(path) for path in extras]
    probing = build._submit(
        {"task": "probe", "paths": [path for path in report.files if not path.endswith((".srt", ".vtt"))]}
    )
    yield from build._wait([probing], "probe", 0.97)
    if build.cancelled:
        return
    report.deliverables = probing.state.result.get("files", [])
    report_path = output.with_name(f"{output.stem}.report.json")
    report_path.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    report.files.append(str(report_path))
    build._timed("outputs", started)
    yield "done", 1.0

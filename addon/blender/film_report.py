"""What a film build reports: shots, timings, loudness, files, warnings, the backends used."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core.plan import shot_seed

BACKENDS = {
    "director": "rules (offline)",
    "images": "previz storyboard cards",  # a staged film says "staged previz"
    "video": "camera moves as animated strip transforms",
    "speech": "espeak-ng",
    "music": "procedural composer",
    "post": "compositor look group",
}


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
    true_peak: float = 0.0  # dBTP of the master, 4x oversampled
    true_peak_target: float = -1.0
    duration: float = 0.0
    frames: int = 0
    warnings: list[str] = field(default_factory=list)
    regenerated: list[str] = field(default_factory=list)  # shots whose media this build made
    # What the sync layer placed: transitions, sound cues, captions, lip-synced rigs.
    sync: dict = field(default_factory=dict)
    staging: dict = field(default_factory=dict)  # the 3D previz: scene, cameras, what was rendered
    post: dict = field(default_factory=dict)  # what the post stage did to the pictures (film_post)
    deliverables: list[dict] = field(default_factory=list)  # each file as the worker probed it

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
                "true_peak_db": self.true_peak,
                "true_peak_target": self.true_peak_target,
            },
            "warnings": self.warnings,
            "regenerated": self.regenerated,
            "sync": self.sync,
            "staging": self.staging,
            "post": self.post,
            "deliverables": self.deliverables,
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
            f"(target {self.lufs_target:.0f}), true peak {self.true_peak:.1f} dBTP "
            f"(ceiling {self.true_peak_target:.0f})"
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


def shot_records(plan: dict, timings: list, shot_media: list, models: list) -> list[dict]:
    """The report's shots: where each sits, what it says (line by line) and what made it."""
    fps = plan["film"]["fps"]
    records = []
    for index, (shot, timing, media) in enumerate(zip(plan["shots"], timings, shot_media, strict=True)):
        records.append(
            {
                "id": shot["id"],
                "start": timing.start_frame / fps,
                "end": timing.end_frame / fps,
                "voice_start": timing.voice_start,
                "voice_end": timing.voice_end,
                "camera": shot["camera"],
                "line": media.subtitle,
                "prompt": shot["prompt"],
                "seed": shot_seed(plan, index),
                "made_with": next((spec.id for spec in models[index] if spec is not None), "previz"),
                "path": shot.get("path", "previz"),
                "lines": [
                    {
                        "speaker": line.speaker,
                        "text": line.text,
                        "start": round(timing.voice_start + line.offset, 4),
                        "end": round(timing.voice_start + line.offset + line.duration, 4),
                    }
                    for line in media.lines
                ],
            }
        )
    return records


def add_job_records(report: FilmReport, media, job_results: dict, staged) -> None:
    """Each shot's record gains what steered its picture, what the worker says conditioned its
    media (this build's jobs), and its staged camera and still."""
    for record, steered, card, clip in zip(
        report.shots, media.steered, media.cards, media.clips, strict=True
    ):
        record["steered_by"] = steered
        record["jobs"] = _job_records(job_results.get(card), job_results.get(clip))
    if staged is None:
        return
    for record, shot in zip(report.shots, staged.shots, strict=True):
        record["stage"] = {"camera": shot.camera.name, "still": str(shot.still), "rendered": shot.rendered}
    report.staging = staged.record()


def _job_records(picture: dict | None, clip: dict | None) -> dict:
    records = {}
    if picture:
        records["picture"] = {"output": picture.get("output"), "control": picture.get("control", "")}
    if clip:
        chunks = clip.get("chunks") or [{}]
        records["video"] = {"output": clip.get("output_dir"), "first_frame_from": chunks[0].get("image", "")}
    return records

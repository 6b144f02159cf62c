"""The film's sync layer: spoken lines with their word timings, sound cues as worker jobs,
captions (on screen and as SRT/WebVTT sidecars) and lip sync of the characters' rigs.

Each function takes the plan and the timing the build already has; the build calls them in
order and times each in its report.
"""

from __future__ import annotations

import json
from pathlib import Path

import bpy

from ..core import captions as caption_core
from ..core.atomic import write_atomic
from ..core.captions import CAPTION_MODES, CAPTION_RULES, DEFAULT_RULES, CaptionError, CaptionRules, Cue
from ..core.models import ModelSpec
from ..core.plan import shot_seed
from ..core.sound_design import SoundCue, plan_cues
from ..core.sounds import prompt_for
from ..core.sync import ShotTiming
from ..core.visemes import VisemeError
from . import compat, lip_sync
from .film_jobs import Runtime, keyed
from .sound_io import wav_seconds
from .timeline import FIRST_FRAME, LineMedia

CAPTION_ITEMS = (
    ("preset", "As the Preset Says", "Burned in for social video, sidecar files for broadcast"),
    ("burn-in", "Burned In", "Word-by-word captions in the picture, and .srt/.vtt beside the film"),
    ("sidecar", "Sidecar Files", "Only .srt and .vtt beside the film"),
    ("off", "None", "No captions"),
)


def line_media(spoken: list[tuple[dict, Path]]) -> list[LineMedia]:
    """A shot's lines with their lengths and the voice's word timings (from the WAV's sidecar)."""
    lines = []
    for job, path in spoken:
        sidecar = path.with_suffix(".json")
        words = json.loads(sidecar.read_text(encoding="utf-8")).get("words", []) if sidecar.is_file() else []
        lines.append(LineMedia(path, job["speaker"], job["text"], wav_seconds(path), words=words))
    return lines


def sound_jobs(
    plan: dict,
    timings: list[ShotTiming],
    folder: Path,
    sfx_model: ModelSpec | None,
    runtime: Runtime,
) -> tuple[list[tuple[SoundCue, dict, Path]], list[str]]:
    """Every planned sound cue as a worker job (procedural, or the sound model when installed),
    named by what makes it. Returns the jobs and notes on cues the shots' moods left out."""
    fps = plan["film"]["fps"]
    spans = [(t.start_frame / fps, t.end_frame / fps) for t in timings]
    cues, notes = plan_cues(plan["shots"], spans, plan["style"]["mood"])
    ids = [shot["id"] for shot in plan["shots"]]
    jobs = []
    for cue in cues:
        seed = shot_seed(plan, ids.index(cue.shot))
        if sfx_model is not None:
            job = {
                "task": "sfx-clip",
                "spec": sfx_model.to_dict(),
                "prompt": prompt_for(cue.sound),
                "duration": round(cue.length, 3),
                "seed": seed,
                "fit_window": True,  # a bed longer than the model's window plays that long
                **runtime.fields(),
            }
        else:
            job = {
                "task": "sfx",
                "sound": cue.sound,
                "duration": round(cue.length, 3),
                "intensity": round(cue.intensity, 3),
                "seed": seed,
            }
        jobs.append((cue, job, keyed(folder / "sfx", cue.shot, job, ".wav")))
    return jobs, notes


def caption_rules(preset: str, mode: str) -> tuple[CaptionRules, bool]:
    """The preset's caption rules and whether they are burned in under ``mode``."""
    if mode not in CAPTION_MODES:
        raise CaptionError(f"Captions must be one of {', '.join(CAPTION_MODES)}, not {mode!r}.")
    rules = CAPTION_RULES.get(preset, DEFAULT_RULES)
    burn = {"preset": rules.burn_in, "burn-in": True}.get(mode, False)
    return rules, burn


def caption_cues(
    plan: dict, timings: list[ShotTiming], lines: list[list[LineMedia]], rules: CaptionRules
) -> tuple[list[Cue], list[str]]:
    """Every spoken word as it lands in the film (frame-exact line starts), grouped into cues;
    a line whose timings do not match its text is left uncaptioned, with a warning."""
    fps = plan["film"]["fps"]
    cues: list[Cue] = []
    warnings: list[str] = []
    for timing, shot_lines in zip(timings, lines, strict=True):
        for line in shot_lines:
            start_frame = round((timing.voice_start + line.offset) * fps)
            try:
                words = caption_core.written_words(line.text, line.words, offset=start_frame / fps)
            except CaptionError as error:
                warnings.append(f"No captions for {line.speaker}'s line {line.text[:40]!r}: {error}")
                continue
            cues += caption_core.cues_for(words, rules, speaker=line.speaker)
    return cues, warnings


def write_sidecars(cues: list[Cue], output: Path) -> list[Path]:
    """``<film>.srt`` and ``<film>.vtt`` beside the film, each written atomically."""
    written = []
    for suffix, text in ((".srt", caption_core.to_srt(cues)), (".vtt", caption_core.to_vtt(cues))):
        path = output.with_suffix(suffix)
        written.append(write_atomic(path, lambda temp, text=text: temp.write_text(text, encoding="utf-8")))
    return written


def find_rig(scene: bpy.types.Scene, character: str) -> bpy.types.Object | None:
    """The object playing ``character``: tagged ``storyloom_character``, else named for them."""
    candidates = [obj for obj in scene.objects if obj.type in ("MESH", "ARMATURE")]
    for obj in candidates:
        if obj.get("storyloom_character") == character:
            return obj
    return next((obj for obj in candidates if obj.name.casefold() == character.casefold()), None)


def lip_sync_rigs(
    scene: bpy.types.Scene, plan: dict, stage: bpy.types.Scene | None = None
) -> tuple[list[dict], list[str]]:
    """Key each speaking character's rig to that character's lines: the artist's rig in the film
    scene when there is one, else the stand-in's mouth on the stage."""
    records, warnings = [], []
    lines = [s for s in compat.all_strips(scene) if s.type == "SOUND" and s.get("storyloom_speaker")]
    for character in plan["characters"]:
        spoken = [s for s in lines if s["storyloom_speaker"] == character["name"]]
        rig = find_rig(scene, character["name"])
        if rig is None and stage is not None:
            rig = find_rig(stage, character["name"])
        if rig is None:
            continue
        lip_sync.prune(rig, scene)  # lines an earlier build made and this one did not
        if not spoken:
            continue
        try:
            result = lip_sync.lip_sync(rig, spoken)
        except VisemeError as error:
            warnings.append(f"{character['name']}'s rig '{rig.name}' was not lip-synced: {error}")
            continue
        records.append(
            {
                "character": character["name"],
                "rig": rig.name,
                "preset": result.preset,
                "lines": result.lines,
                "keys": result.keys,
                "seconds": round(result.seconds, 4),
            }
        )
    return records, warnings


def sound_records(placed: list[tuple[SoundCue, Path]], fps: int) -> list[dict]:
    return [
        {
            "sound": cue.sound,
            "shot": cue.shot,
            "kind": "bed" if cue.bed else "one-shot",
            "start": round(cue.start, 3),
            "hit": round(cue.hit, 3),
            "length": round(cue.length, 3),
            "frame": FIRST_FRAME + round(cue.start * fps),
            "path": str(path),
        }
        for cue, path in placed
    ]

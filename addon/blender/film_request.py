"""What a film build is asked for (the operator's and the CLI's settings), checked early."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..core.models import ModelSpec
from ..core.paths import StoryloomPathError
from ..core.validation import BadInput
from .film_post import PostSettings
from .planning import PlannerChoice


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
    memory_mode: str = "auto"
    # The scene's voice table by character name (model, voice, language, speed, style, seed,
    # reference): what the artist chose for each character's voice.
    voices: dict[str, dict] = field(default_factory=dict)
    runtime_python: str = ""  # checked for the packages the plan's backends import
    # Render the final film in a second Blender, polled per tick (the interactive operator);
    # headless builds render in this process.
    render_in_background: bool = False
    fit: str = "FILL"  # how a model's picture meets the frame: FILL or FIT (timeline.FITS)
    # Captions: the preset's choice, always burned in, sidecars only, or none (film_sync).
    captions: str = "preset"
    # A text-to-audio model for the sound cues when its weights are here (else procedural).
    sfx_model: ModelSpec | None = None
    lip_sync: bool = True  # key the characters' rigs when the scene has them
    # Previz: "stage" (3D blocking rendered with Workbench, or the scene's own camera markers)
    # or "cards" (flat storyboard cards); every frame of the staging, or one still per shot.
    previz: str = "stage"
    stage_frames: bool = False
    render_engine: str = "workbench"  # or "scene": the scene's own engine and materials
    # Post: clips fitted to the film's rate, deflickered, colour-matched, upscaled (film_post).
    post: PostSettings = field(default_factory=PostSettings)
    # Deliverables beside the main file: other presets (padded or cropped to their frame), an
    # MP3 of the master, dialogue/music/effects stems, a poster frame and thumbnail.
    deliver: list[str] = field(default_factory=list)
    aspect_fit: str = "pad"
    mp3: bool = False
    stems: bool = False
    poster: bool = True


def check_frames_folder(path: Path) -> Path:
    """A folder frames may replace whole: new, empty, or holding only an earlier delivery's frames."""
    if path.is_dir() and any(not item.name.startswith("frame_") for item in path.iterdir()):
        raise BadInput(
            f"The frames folder {path} already holds other files: choose a new or empty folder "
            "(a folder of an earlier delivery's frames is replaced)."
        )
    return path


def check_output(path: Path, extension: str) -> Path:
    """Refuse an output path before any work: missing folder, unwritable folder, wrong type.

    A frame-sequence preset (``extension`` "") writes a folder: a name without a suffix.
    """
    path = Path(path).expanduser().resolve()
    if extension and path.suffix.lower() != extension:
        raise BadInput(f"The output {path.name} must end in {extension} for this preset.")
    if not extension and (path.suffix or path.is_file()):
        raise BadInput(
            f"This preset writes a folder of frames: name the output without a suffix, not {path.name}."
        )
    if not extension:
        check_frames_folder(path)
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

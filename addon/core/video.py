"""Video generation rules: what frame counts and sizes each model takes, and fitting its fps.

Every video model has a latent grid: LTX-Video compresses 8 frames into one latent frame and
takes 8k+1 frames at multiples of 32 px, Wan takes 4k+1 frames at multiples of 16 px, and so
on. The rules live in each spec's defaults, so a user spec for a new checkpoint states its own;
they are checked before a job starts, with a message naming valid values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .validation import MAX_SEED, MAX_SIDE, BadInput, check_int_range, check_text

OUTPUT_FORMATS = ("PNG", "EXR")


@dataclass(frozen=True)
class VideoRules:
    frame_step: int = 1  # frame counts are frame_step * k + frame_offset
    frame_offset: int = 0
    max_frames: int = 256  # one generation window; longer shots are generated in chunks
    size_multiple: int = 8
    fps: float = 24.0
    image_input: bool = False  # the same weights also take a first frame (image to video)

    @classmethod
    def from_defaults(cls, defaults: dict) -> VideoRules:
        names = cls.__dataclass_fields__
        return cls(**{name: defaults[name] for name in names if name in defaults})

    def valid_frames(self, near: int) -> list[int]:
        """Valid frame counts around ``near`` (for messages)."""
        k = max(0, (near - self.frame_offset) // self.frame_step)
        counts = [self.frame_step * j + self.frame_offset for j in (k, k + 1)]
        return [count for count in counts if 1 <= count <= self.max_frames]


@dataclass(frozen=True)
class VideoParams:
    prompt: str
    negative_prompt: str
    seed: int
    width: int
    height: int
    frames: int  # the whole shot; may exceed one window (then generated in chunks)
    steps: int
    guidance: float
    output_format: str = "PNG"

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


MAX_SHOT_FRAMES = 24 * 60 * 10  # ten minutes at 24 fps: beyond that, cut it into shots


def check_frames(frames: object, rules: VideoRules, model: str) -> int:
    frames = check_int_range(frames, "frame count", 1, MAX_SHOT_FRAMES)
    if frames <= rules.max_frames and (frames - rules.frame_offset) % rules.frame_step:
        valid = ", ".join(str(count) for count in rules.valid_frames(frames))
        raise BadInput(
            f"Model '{model}' takes {rules.frame_step}k+{rules.frame_offset} frames "
            f"(up to {rules.max_frames} per window): {frames} is not one; valid near it: {valid}."
        )
    if frames > rules.max_frames and not rules.image_input:
        raise BadInput(
            f"Model '{model}' makes at most {rules.max_frames} frames and cannot continue from a frame, "
            f"so {frames} frames cannot be made in chunks: ask for {rules.max_frames} or fewer, "
            "or use an image-to-video model (e.g. ltx-video)."
        )
    return frames


def check_video_size(value: object, name: str, rules: VideoRules, model: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BadInput(f"The {name} must be a positive whole number of pixels, not {value!r}.")
    if value > MAX_SIDE:
        raise BadInput(f"The {name} of {value} px is too large: at most {MAX_SIDE} px.")
    multiple = rules.size_multiple
    if value % multiple:
        lower = max(multiple, value - value % multiple)
        raise BadInput(
            f"Model '{model}' needs a {name} that is a multiple of {multiple}, got {value} "
            f"(try {lower} or {lower + multiple})."
        )
    return value


def check_video_params(
    model: str,
    rules: VideoRules,
    prompt: object,
    negative_prompt: object,
    seed: object,
    width: object,
    height: object,
    frames: object,
    steps: object,
    guidance: object,
    output_format: object = "PNG",
    prompt_required: bool = True,
) -> VideoParams:
    if isinstance(guidance, bool) or not isinstance(guidance, int | float) or not 0 <= guidance <= 50:
        raise BadInput(f"The guidance scale must be a number between 0 and 50, got {guidance!r}.")
    if output_format not in OUTPUT_FORMATS:
        raise BadInput(f"Unknown frame format {output_format!r}; known: {', '.join(OUTPUT_FORMATS)}.")
    return VideoParams(
        prompt=check_text(prompt, "prompt", required=prompt_required),
        negative_prompt=check_text(negative_prompt, "negative prompt", required=False),
        seed=check_int_range(seed, "seed", 0, MAX_SEED),
        width=check_video_size(width, "width", rules, model),
        height=check_video_size(height, "height", rules, model),
        frames=check_frames(frames, rules, model),
        steps=check_int_range(steps, "number of steps", 1, 500),
        guidance=float(guidance),
        output_format=str(output_format),
    )


def chunk_plan(frames: int, rules: VideoRules) -> list[int]:
    """How many frames each generation window makes for a shot of ``frames`` frames.

    Each chunk after the first starts from the previous chunk's last frame, which it repeats as
    its own first frame; that repeat is dropped, so a chunk adds ``window - 1`` new frames. The
    last window is a full one (the model's valid count) and is trimmed afterwards.
    """
    window = rules.max_frames
    if frames <= window:
        return [frames]
    chunks = [window]
    made = window
    while made < frames:
        chunks.append(window)
        made += window - 1
    return chunks


def scene_fps(fps: int, fps_base: float) -> float:
    """Blender's frame rate: ``fps / fps_base`` (23.976 is 24 / 1.001)."""
    if fps <= 0 or fps_base <= 0:
        raise BadInput(f"The scene frame rate {fps}/{fps_base} is not a frame rate.")
    return fps / fps_base


def retime(frame_count: int, model_fps: float, target_fps: float) -> list[int]:
    """Which generated frame each scene frame shows, so the shot lasts as long in real time.

    Nearest-earlier-frame resampling: scene frame i (at ``target_fps``) shows generated frame
    floor(i * model_fps / target_fps). A 16 fps clip on a 24 fps timeline repeats every other
    frame; a 30 fps clip on 24 drops one in five. Length: round(frames * target / model).
    """
    if model_fps <= 0 or target_fps <= 0:
        raise BadInput("Frame rates must be positive.")
    length = max(1, round(frame_count * target_fps / model_fps))
    ratio = model_fps / target_fps
    return [min(frame_count - 1, math.floor(i * ratio + 1e-9)) for i in range(length)]

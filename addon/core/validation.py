"""Checks on generation parameters, run before any model is touched.

Each failure is a :class:`BadInput` whose message says what was wrong and what is allowed, so
the operator report and the CLI can show it as-is.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_SEED = 2**32 - 1  # torch generators take 64 bits; 32 keeps seeds portable across tools
MAX_SIDE = 4096  # beyond this a diffusion model is off its training range and memory explodes
MAX_STEPS = 500
MAX_PROMPT_CHARS = 10_000
SIZE_MULTIPLE = 8  # latent diffusion VAEs downsample by 8


class BadInput(ValueError):
    """A parameter is refused; the message is meant for the artist."""


def check_text(value: object, name: str, required: bool) -> str:
    if not isinstance(value, str):
        raise BadInput(f"The {name} must be text, not {type(value).__name__}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(
            f"The {name} contains characters that are not valid UTF-8 text "
            "(often from pasting binary data or a broken file): retype it."
        ) from None
    if "\x00" in value:
        raise BadInput(f"The {name} contains a NUL character: retype it.")
    if required and not value.strip():
        raise BadInput(f"The {name} is empty: describe what to generate.")
    if len(value) > MAX_PROMPT_CHARS:
        raise BadInput(f"The {name} is {len(value)} characters long; at most {MAX_PROMPT_CHARS} are allowed.")
    return value.strip()


def check_side(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"The {name} must be a whole number of pixels, not {value!r}.")
    if value <= 0:
        raise BadInput(f"The {name} must be positive, got {value}.")
    if value > MAX_SIDE:
        raise BadInput(f"The {name} of {value} px is too large: at most {MAX_SIDE} px.")
    if value % SIZE_MULTIPLE:
        lower = max(SIZE_MULTIPLE, value - value % SIZE_MULTIPLE)
        raise BadInput(
            f"The {name} must be a multiple of {SIZE_MULTIPLE}, got {value} "
            f"(try {lower} or {lower + SIZE_MULTIPLE})."
        )
    return value


def check_int_range(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"The {name} must be a whole number, not {value!r}.")
    if not low <= value <= high:
        raise BadInput(f"The {name} must be between {low} and {high}, got {value}.")
    return value


@dataclass(frozen=True)
class ImageParams:
    prompt: str
    negative_prompt: str
    seed: int
    width: int
    height: int
    steps: int
    guidance: float

    def to_dict(self) -> dict:
        return {
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "seed": self.seed,
            "width": self.width,
            "height": self.height,
            "steps": self.steps,
            "guidance": self.guidance,
        }


def check_image_params(
    prompt: object,
    negative_prompt: object,
    seed: object,
    width: object,
    height: object,
    steps: object,
    guidance: object,
) -> ImageParams:
    """Validate text-to-image parameters; raise :class:`BadInput` on the first problem."""
    if isinstance(guidance, bool) or not isinstance(guidance, int | float) or not 0 <= guidance <= 50:
        raise BadInput(f"The guidance scale must be a number between 0 and 50, got {guidance!r}.")
    return ImageParams(
        prompt=check_text(prompt, "prompt", required=True),
        negative_prompt=check_text(negative_prompt, "negative prompt", required=False),
        seed=check_int_range(seed, "seed", 0, MAX_SEED),
        width=check_side(width, "width"),
        height=check_side(height, "height"),
        steps=check_int_range(steps, "number of steps", 1, MAX_STEPS),
        guidance=float(guidance),
    )


# -- Image edits: img2img, inpaint, depth-guided, seamless -------------------------------------

EDIT_MODES = ("text", "image", "inpaint", "depth")


@dataclass(frozen=True)
class EditParams:
    """How an image job departs from plain text-to-image.

    ``source`` (img2img, inpaint), ``mask`` (inpaint; white = repaint) and ``control`` (depth)
    are PNG paths that Blender wrote into the media folder before submitting.
    """

    mode: str = "text"
    source: str = ""
    mask: str = ""
    control: str = ""
    strength: float = 0.75
    control_scale: float = 1.0
    seamless: bool = False
    maps: bool = False

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def check_fraction(value: object, name: str, high: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= high:
        raise BadInput(f"The {name} must be a number between 0 and {high:g}, got {value!r}.")
    return float(value)


def check_edit_params(
    mode: object = "text",
    source: object = "",
    mask: object = "",
    control: object = "",
    strength: object = 0.75,
    control_scale: object = 1.0,
    seamless: object = False,
    maps: object = False,
) -> EditParams:
    """Validate an image job's edit settings; each mode names the inputs it needs."""
    if mode not in EDIT_MODES:
        raise BadInput(f"Unknown image mode {mode!r}; known: {', '.join(EDIT_MODES)}.")
    needs = {"text": (), "image": ("source",), "inpaint": ("source", "mask"), "depth": ("control",)}[mode]
    given = {"source": source, "mask": mask, "control": control}
    for name in needs:
        if not isinstance(given[name], str) or not given[name]:
            raise BadInput(f"Image mode '{mode}' needs a {name} image.")
    return EditParams(
        mode=mode,
        source=str(source or ""),
        mask=str(mask or ""),
        control=str(control or ""),
        strength=check_fraction(strength, "strength"),
        control_scale=check_fraction(control_scale, "control strength", high=2.0),
        seamless=bool(seamless),
        maps=bool(maps),
    )

"""A plan's 3D blocking, as numbers: sets, stand-ins, lights and one camera per shot.

Pure Python (no bpy), so every framing rule is tested in milliseconds; ``blender/stage_build``
turns a :class:`Staging` into objects. Units are metres and millimetres, Blender's axes: Z up,
the stand-ins face -Y, where the cameras are.

Framing follows the grammar of an animatic: a *wide* shot holds the whole group with the set
around it, a *medium* shot the subjects from the knees up (their labels in frame), a *close-up*
a head and shoulders.
The camera's distance comes from the lens and the frame's aspect, so a 24 mm wide and an 85 mm
close-up both fill the frame as the plan says.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .scripts import NARRATOR

PREVIZ = ("stage", "cards")  # a film's previz: 3D blocking, or flat storyboard cards
ENGINES = ("workbench", "scene")  # what renders the staging: the clay look, or the scene's own
FRAMINGS = ("wide", "medium", "close-up")
LENS_MM = {"wide": 24.0, "medium": 40.0, "close-up": 85.0}
LIGHTINGS = ("three-point", "low-key", "high-key", "golden-hour", "night")
MOVES = ("static", "push-in", "pull-out", "pan-left", "pan-right", "tilt-up", "tilt-down")
SENSOR_MM = 36.0  # Blender's default sensor, fitted to the frame's longer side
FIGURE_HEIGHT = 1.75
FIGURE_WIDTH = 0.55
PROP_SIZE = 0.6
SPACING = 1.4  # metres between stand-ins on a set
SET_SPACING = 60.0  # sets stand side by side along X, out of each other's frames
DEFAULT_SET = "Set"

# Clay colours (linear RGB), far apart in hue, so each stand-in reads as itself in a grey set.
CLAY = (
    (0.72, 0.18, 0.08),  # terracotta
    (0.05, 0.40, 0.45),  # teal
    (0.80, 0.55, 0.04),  # mustard
    (0.35, 0.16, 0.60),  # violet
    (0.22, 0.50, 0.12),  # sage
    (0.80, 0.22, 0.40),  # rose
    (0.10, 0.22, 0.75),  # blue
    (0.50, 0.30, 0.12),  # umber
)
BACKDROP = (0.62, 0.62, 0.60)

# The share of a subject's height each framing shows, and how high the frame's centre sits.
_FRAME = {"close-up": (0.34, 0.88), "medium": (0.9, 0.66), "wide": (1.7, 0.50)}
# Degrees the camera turns off the subjects' front (a dialogue's singles look across the line).
_ANGLE = {"close-up": 18.0, "medium": 10.0, "wide": 0.0}
# A move's travel in the camera's own axes (x right, y up, z back) as a share of its distance.
_MOVE_TRAVEL = {
    "static": (0.0, 0.0, 0.0),
    "push-in": (0.0, 0.0, -0.18),
    "pull-out": (0.0, 0.0, 0.18),
    "pan-left": (-0.14, 0.0, 0.0),
    "pan-right": (0.14, 0.0, 0.0),
    "tilt-up": (0.0, 0.10, 0.0),
    "tilt-down": (0.0, -0.10, 0.0),
}

Vector3 = tuple[float, float, float]


@dataclass(frozen=True)
class Figure:
    """A stand-in: a character's mannequin or a prop's labelled block, standing on its set."""

    name: str
    kind: str  # "character" or "prop"
    colour: Vector3
    x: float
    y: float = 0.0
    height: float = FIGURE_HEIGHT
    width: float = FIGURE_WIDTH

    def box(self) -> tuple[Vector3, Vector3]:
        half = self.width / 2
        return (self.x - half, self.y - half, 0.0), (self.x + half, self.y + half, self.height)


@dataclass(frozen=True)
class StageSet:
    name: str
    origin: float  # X of the set's centre
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Light:
    name: str
    kind: str  # Blender light type: AREA, SUN, POINT
    offset: Vector3  # from the set's centre
    energy: float  # W for area/point lights, W/m² for a sun
    colour: Vector3 = (1.0, 1.0, 1.0)
    size: float = 2.0


@dataclass(frozen=True)
class ShotCamera:
    shot: str
    set_name: str
    framing: str
    lens: float
    location: Vector3
    rotation: Vector3  # Euler XYZ, radians
    distance: float  # to what it frames
    move: str
    subjects: tuple[str, ...]

    def travel(self) -> Vector3:
        return travel(self.rotation, self.distance, self.move)


def travel(rotation: Vector3, distance: float, move: str) -> Vector3:
    """A planned move's displacement in world space: its travel along the camera's own axes
    (a share of the camera's distance to what it frames), turned by the camera's rotation."""
    return rotate(rotation, tuple(share * distance for share in _MOVE_TRAVEL[move]))


@dataclass
class Staging:
    sets: list[StageSet]
    cameras: list[ShotCamera]
    lighting: str
    world: Vector3
    warnings: list[str] = field(default_factory=list)


def framing_of(shot: dict) -> str:
    """The shot's framing: the plan's own, else read from its prompt ("close-up of ...")."""
    if shot.get("framing") in FRAMINGS:
        return shot["framing"]
    prompt = shot.get("prompt", "").lower()
    if re.search(r"close[- ]?up|gros plan|nahaufnahme|primer plano", prompt):
        return "close-up"
    if re.search(r"\bwide\b|establishing|plan large|totale|plano general", prompt):
        return "wide"
    return "medium"


def lighting_for(mood: str, text: str) -> str:
    """A lighting set-up from the brief's words and mood: night and golden hour are said outright."""
    lowered = text.lower()
    if re.search(r"\b(night|midnight|moonlit|nuit|nacht|noche|notte)\b", lowered):
        return "night"
    if re.search(r"\b(sunset|sunrise|dusk|dawn|golden hour|coucher|sonnenuntergang|atardecer)\b", lowered):
        return "golden-hour"
    return {"dramatic": "low-key", "mysterious": "low-key", "upbeat": "high-key"}.get(mood, "three-point")


# A shot's own lighting words (a revision's "darker, low-key lighting") over the film's.
_SHOT_LIGHTING = (
    ("night", r"\bnight\b|moonlit"),
    ("golden-hour", r"golden hour|sunset|sunrise"),
    ("low-key", r"low-key|\bdarker\b|\bdark\b|moody"),
    ("high-key", r"high-key|\bbrighter\b|bright daylight"),
)


def shot_lighting(shot: dict, film_lighting: str) -> str:
    """The lighting a shot is rendered with: what its prompt says, else the film's."""
    prompt = shot.get("prompt", "").lower()
    return next((name for name, words in _SHOT_LIGHTING if re.search(words, prompt)), film_lighting)


def lights(lighting: str) -> list[Light]:
    """The style bible's lighting as lights around a set (for the artist's own engine; the
    Workbench previz takes its shadow direction and strength from the key)."""
    warm, cool = (1.0, 0.72, 0.45), (0.55, 0.65, 1.0)
    if lighting == "low-key":
        return [
            Light("Key", "AREA", (-3.5, -1.5, 3.0), 700.0, size=1.0),
            Light("Rim", "AREA", (2.5, 3.0, 3.0), 250.0),
        ]
    if lighting == "high-key":
        return [
            Light("Key", "AREA", (-3.0, -3.5, 3.5), 500.0, size=3.0),
            Light("Fill", "AREA", (3.0, -3.5, 3.0), 400.0, size=3.0),
            Light("Back", "AREA", (0.0, 3.0, 4.0), 300.0, size=3.0),
        ]
    if lighting == "golden-hour":
        return [
            Light("Sun", "SUN", (-6.0, -4.0, 1.5), 3.0, warm),
            Light("Sky fill", "AREA", (3.0, -3.0, 4.0), 150.0, cool),
        ]
    if lighting == "night":
        return [
            Light("Moon", "SUN", (4.0, 3.0, 5.0), 0.4, cool),
            Light("Practical", "POINT", (-1.5, -1.0, 2.2), 120.0, warm),
        ]
    return [
        Light("Key", "AREA", (-3.0, -3.0, 3.5), 400.0),
        Light("Fill", "AREA", (3.0, -2.5, 2.0), 150.0),
        Light("Back", "AREA", (0.0, 3.0, 3.5), 300.0),
    ]


WORLD = {
    "three-point": (0.22, 0.23, 0.25),
    "low-key": (0.03, 0.03, 0.04),
    "high-key": (0.80, 0.80, 0.80),
    "golden-hour": (0.45, 0.26, 0.12),
    "night": (0.012, 0.02, 0.06),
}


# Words that end a noun phrase in English briefs ("a dragon who...", "a bakery called...").
_LABEL_BREAKS = frozenset("who that which called named every through while is are was were".split())
_OWNERS = frozenset("a an the our my your their his her its".split())
# When a scene happens is not where: "at night" is lighting, not a set.
TIMES = frozenset(
    "night midnight dawn sunrise sunset dusk noon morning evening nuit aube matin soir nacht morgen "
    "abend noche mañana tarde amanecer".split()
)


def _linear(hex_colour: str) -> Vector3:
    channels = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return tuple(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)


def _luminance(rgb: Vector3) -> float:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def world_colour(palette: list[str], lighting: str) -> Vector3:
    """The stage's background: the palette's darkest colour (its hue, the film's), as bright as
    the lighting set-up is (a night is dark whatever the palette)."""
    target = WORLD[lighting]
    if not palette:
        return target
    base = min((_linear(colour) for colour in palette), key=_luminance)
    scale = _luminance(target) / max(_luminance(base), 1e-4)
    mixed = tuple(min(1.0, channel * scale) for channel in base)
    return tuple(round(0.5 * m + 0.5 * t, 4) for m, t in zip(mixed, target, strict=True))


def short_label(phrase: str, stopwords: frozenset[str] = frozenset(), english: bool = False) -> str:
    """A prop's label from a noun phrase: its first words up to a function word, at most three
    ("a broken robot that sings" -> "broken robot")."""
    words = re.findall(r"[^\s,.;:!?()\"«»“”„]+", phrase)
    breaks = stopwords | (_LABEL_BREAKS if english else frozenset())
    while words and words[0].lower() in stopwords | _OWNERS:
        words.pop(0)
    label: list[str] = []
    for word in words:
        verb = english and word.lower().endswith("ing") and len(word) > 5  # "teaching", "mending"
        if label and (word.lower() in breaks or verb or len(label) == 3):
            break
        label.append(word)
    return " ".join(label)


def rotate(rotation: Vector3, vector: Vector3) -> Vector3:
    """``vector`` turned by Euler XYZ ``rotation`` (Blender's order: X, then Y, then Z)."""
    x, y, z = vector
    for axis, angle in enumerate(rotation):
        c, s = math.cos(angle), math.sin(angle)
        if axis == 0:
            y, z = c * y - s * z, s * y + c * z
        elif axis == 1:
            x, z = c * x + s * z, -s * x + c * z
        else:
            x, y = c * x - s * y, s * x + c * y
    return (x, y, z)


def aim(location: Vector3, target: Vector3) -> Vector3:
    """Euler XYZ that points a Blender camera (looking down its -Z) from ``location`` at ``target``."""
    dx, dy, dz = (to - at for to, at in zip(target, location, strict=True))
    return (math.atan2(math.hypot(dx, dy), -dz), 0.0, math.atan2(dy, dx) - math.pi / 2)


def half_fov(lens: float, width: int, height: int) -> tuple[float, float]:
    """Tangents of half the horizontal and vertical field of view (sensor fitted to the long side)."""
    half = SENSOR_MM / 2 / lens
    if width >= height:
        return half, half * height / width
    return half * width / height, half


def _subjects(shot: dict, framing: str, figures: dict[str, Figure], cast: list[str]) -> list[Figure]:
    """Whom the shot frames: its subject, else (a close-up) its speaker, else who is in it."""
    subject = shot.get("subject", "")
    if subject in figures:
        return [figures[subject]]
    speakers = [figures[line["speaker"]] for line in shot["lines"] if line["speaker"] in figures]
    present = [figures[name] for name in shot.get("characters", []) if name in figures]
    if framing == "close-up" and speakers:
        return speakers[:1]
    chosen = present or list(dict.fromkeys(speakers))
    return chosen or [f for f in figures.values() if f.name not in cast] or list(figures.values())


def frame_subjects(
    subjects: list[Figure], framing: str, lens: float, size: tuple[int, int], centre: float, variant: int = 0
) -> tuple[Vector3, Vector3, float]:
    """(camera location, target, distance) that frames ``subjects`` as ``framing`` says.

    A close-up frames the first subject only; an empty list frames the set's middle.
    ``variant`` turns the camera a little (-8, 0, +8 degrees): shots of the same framing and
    subjects are not the same picture."""
    if framing == "close-up":
        subjects = subjects[:1]
    if not subjects:  # an empty set: frame its middle as a person would stand there
        subjects = [Figure("", "prop", (0, 0, 0), centre)]
    low = [min(f.box()[0][i] for f in subjects) for i in range(3)]
    high = [max(f.box()[1][i] for f in subjects) for i in range(3)]
    tallest = high[2]
    share, centre_height = _FRAME[framing]
    seen_height = share * tallest
    seen_width = (high[0] - low[0]) + (2.0 if framing == "wide" else 0.4)
    target = ((low[0] + high[0]) / 2, (low[1] + high[1]) / 2, centre_height * tallest)
    tan_w, tan_h = half_fov(lens, *size)
    distance = max(seen_height / 2 / tan_h, seen_width / 2 / tan_w) + (high[1] - low[1]) / 2
    side = 1.0 if target[0] <= centre else -1.0  # look across the group, towards its middle
    angle = math.radians(_ANGLE[framing] * side + 8.0 * (variant % 3 - 1))
    rise = 0.12 * distance if framing == "wide" else 0.0  # a wide looks down a little
    location = (
        target[0] + distance * math.sin(angle),
        target[1] - distance * math.cos(angle),
        target[2] + rise,
    )
    return location, target, distance


def _sets(plan: dict) -> list[str]:
    names = [shot.get("location") or DEFAULT_SET for shot in plan["shots"]]
    return list(dict.fromkeys(names))


def _cast(plan: dict) -> list[str]:
    """Who stands on the sets: characters a shot shows or who speak (never the narrator)."""
    shown = {name for shot in plan["shots"] for name in shot.get("characters", [])}
    speaking = {line["speaker"] for shot in plan["shots"] for line in shot["lines"]}
    return [
        c["name"]
        for c in plan["characters"]
        if c["name"] in shown or (c["name"] in speaking and c["name"] != NARRATOR)
    ]


def _props(plan: dict, cast: list[str]) -> list[str]:
    named = [p for p in plan.get("props", []) if p not in cast]
    subjects = [s["subject"] for s in plan["shots"] if s.get("subject") and s["subject"] not in cast]
    return list(dict.fromkeys([*named, *subjects]))


def stage(plan: dict) -> Staging:
    """The blocking for a validated plan: sets, stand-ins, lighting and a camera per shot."""
    film, style = plan["film"], plan["style"]
    size = (film["width"], film["height"])
    cast, warnings = _cast(plan), []
    props = _props(plan, cast)
    colours = {name: CLAY[index % len(CLAY)] for index, name in enumerate([*cast, *props])}
    sets, cameras = [], []
    for set_index, set_name in enumerate(_sets(plan)):
        origin = set_index * SET_SPACING
        here = [s for s in plan["shots"] if (s.get("location") or DEFAULT_SET) == set_name]
        wanted = {
            n for s in here for n in [*s.get("characters", []), *(line["speaker"] for line in s["lines"])]
        }
        wanted |= {s["subject"] for s in here if s.get("subject")}
        names = [n for n in cast if n in wanted or len(_sets(plan)) == 1] + [
            p for p in props if p in wanted or (set_index == 0 and p in plan.get("props", []))
        ]
        figures = []
        for index, name in enumerate(names):
            x = origin + (index - (len(names) - 1) / 2) * SPACING
            if name in cast:
                figures.append(Figure(name, "character", colours[name], x))
            else:  # a prop stands a little forward, on a plinth of its own size
                figures.append(Figure(name, "prop", colours[name], x, -0.4, PROP_SIZE * 1.6, PROP_SIZE))
        sets.append(StageSet(set_name, origin, tuple(figures)))
        by_name = {f.name: f for f in figures}
        for variant, shot in enumerate(here):
            framing = framing_of(shot)
            lens = float(shot.get("lens") or LENS_MM[framing])
            subjects = _subjects(shot, framing, by_name, cast)
            location, target, distance = frame_subjects(subjects, framing, lens, size, origin, variant)
            cameras.append(
                ShotCamera(
                    shot["id"],
                    set_name,
                    framing,
                    lens,
                    location,
                    aim(location, target),
                    distance,
                    shot["camera"],
                    tuple(f.name for f in subjects),
                )
            )
    if not cast and not props:
        warnings.append(
            "The plan names no characters and no subject: the sets are empty and each camera "
            "frames the middle of its set. Add a character or a prop to the plan to block it."
        )
    order = {shot["id"]: index for index, shot in enumerate(plan["shots"])}
    cameras.sort(key=lambda camera: order[camera.shot])
    lighting = style.get("lighting") or lighting_for(style.get("mood", ""), plan.get("brief", ""))
    return Staging(sets, cameras, lighting, world_colour(style.get("palette", []), lighting), warnings)

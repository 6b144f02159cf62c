"""Which of a rig's controls make each mouth shape, and the keys that play a viseme track on them.

A *mapping* is ``{viseme: {target: weight}}``: a target is a shape key's name (or, for an
armature, a pose action's). Presets name the conventions rigs use; :func:`detect` picks the one
a rig's names fit best, or says which names it looked for. Pure Python: the Blender side only
writes the keys this module computes.
"""

from __future__ import annotations

import re

from .visemes import REST, VISEMES, VisemeError, normalise

Mapping = dict[str, dict[str, float]]

_ARKIT_SMILE = {"mouthSmileLeft": 0.3, "mouthSmileRight": 0.3}
# preset -> viseme -> {name the rig uses: weight}. Rest is every target at 0.
PRESETS: dict[str, Mapping] = {
    "rhubarb": {v: {v: 1.0} for v in "ABCDEFGH"},
    "preston-blair": {
        "A": {"MBP": 1.0},
        "B": {"etc": 1.0},
        "C": {"E": 1.0},
        "D": {"AI": 1.0},
        "E": {"O": 1.0},
        "F": {"U": 1.0},
        "G": {"FV": 1.0},
        "H": {"L": 1.0},
    },
    "arkit": {
        "A": {"mouthClose": 1.0},
        "B": {"jawOpen": 0.1, **_ARKIT_SMILE},
        "C": {"jawOpen": 0.35},
        "D": {"jawOpen": 0.7},
        "E": {"jawOpen": 0.3, "mouthFunnel": 0.5},
        "F": {"jawOpen": 0.15, "mouthPucker": 0.8},
        "G": {"mouthRollLower": 0.7},
        "H": {"jawOpen": 0.3},
    },
    "vrm": {
        "B": {"I": 0.5},
        "C": {"E": 0.7},
        "D": {"A": 1.0},
        "E": {"O": 0.8},
        "F": {"U": 1.0},
        "G": {"I": 0.3},
        "H": {"E": 0.4},
    },
}
# The names a preset cannot do without (the rest may be missing on a simple rig).
REQUIRED = {
    "rhubarb": ("A", "B", "C", "D", "E", "F"),
    "preston-blair": ("MBP", "etc", "AI", "O", "U"),
    "arkit": ("jawOpen", "mouthClose"),
    "vrm": ("A", "I", "U", "E", "O"),
}
# Prefixes rigs put before the names (VRoid's "Fcl_MTH_A", "viseme_A", "Mouth.A" ...).
_PREFIXES = ("", "mouth", "viseme", "vis", "mth", "fclmth", "vrc.v_", "v")


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def find_name(wanted: str, names: list[str]) -> str | None:
    """The rig's name for ``wanted``: exact, else ignoring case, separators and known prefixes."""
    if wanted in names:
        return wanted
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(_key(name), name)
    for prefix in _PREFIXES:
        found = by_key.get(_key(prefix + wanted))
        if found is not None:
            return found
    return None


def detect(names: list[str]) -> tuple[str, Mapping]:
    """The preset whose names the rig has (most found wins), resolved to the rig's own names."""
    scored = []
    for preset, required in REQUIRED.items():
        found = sum(find_name(name, names) is not None for name in required)
        if found == len(required):
            scored.append(
                (sum(find_name(t, names) is not None for m in PRESETS[preset].values() for t in m), preset)
            )
    if not scored:
        looked = "; ".join(f"{preset}: {', '.join(required)}" for preset, required in REQUIRED.items())
        raise VisemeError(
            f"No mouth shape keys found (it has {', '.join(names[:12]) or 'none'}). Storyloom looked for "
            f"{looked}; name the keys so, or fill the viseme mapping table yourself."
        )
    preset = max(scored)[1]
    return preset, resolve(PRESETS[preset], names, missing_ok=True)


def resolve(mapping: Mapping, names: list[str], missing_ok: bool = False) -> Mapping:
    """The mapping with the rig's own names; a target the rig lacks is an error unless optional."""
    resolved: Mapping = {}
    for viseme, targets in mapping.items():
        shape = normalise(viseme)
        for target, weight in targets.items():
            name = find_name(target, names)
            if name is None:
                if missing_ok:
                    continue
                raise VisemeError(
                    f"The mapping gives viseme {shape} the shape '{target}', which this rig does not "
                    f"have (it has {', '.join(names[:12])}{' ...' if len(names) > 12 else ''})."
                )
            if not 0.0 <= float(weight) <= 1.0:
                raise VisemeError(f"Viseme {shape}'s weight for '{target}' must be 0 to 1, not {weight}.")
            resolved.setdefault(shape, {})[name] = float(weight)
    if not any(resolved.values()):
        raise VisemeError("The viseme mapping is empty: give at least one mouth shape a target.")
    return resolved


def channel_keys(
    frames: list[tuple[int, str]], mapping: Mapping, rest: dict[str, float] | None = None
) -> dict[str, list[tuple[int, float]]]:
    """Keys per target: each shape reached on its cue's frame and held until the next one.

    ``frames`` are (frame, viseme) from the clip's first frame (:func:`visemes.to_frames`).
    Every target is keyed at every change, so linear interpolation blends over one frame and a
    target never drifts between two shapes that both leave it alone. A target a shape does not
    use sits at its ``rest`` value (0 for a shape key).
    """
    rest = rest or {}
    targets = sorted({target for shapes in mapping.values() for target in shapes})
    keys: dict[str, list[tuple[int, float]]] = {target: [] for target in targets}
    for index, (frame, viseme) in enumerate(frames):
        # A shape the rig lacks borrows B's, except closed lips: those rest (lips that must meet
        # never open into a consonant shape).
        values = (
            {}
            if viseme in (REST, "A") and viseme not in mapping
            else mapping.get(viseme, mapping.get("B", {}))
        )
        hold_to = frames[index + 1][0] - 1 if index + 1 < len(frames) else frame
        for target in targets:
            value = values.get(target, rest.get(target, 0.0))
            keys[target].append((frame, value))
            if hold_to > frame:
                keys[target].append((hold_to, value))
    return keys


def mapping_from_rows(rows: list[tuple[str, str, float]]) -> Mapping:
    """The editable table's rows (viseme, target, weight) as a mapping; empty targets skipped."""
    mapping: Mapping = {}
    for viseme, target, weight in rows:
        if target.strip():
            mapping.setdefault(normalise(viseme), {})[target.strip()] = float(weight)
    return mapping


__all__ = [
    "PRESETS",
    "REQUIRED",
    "VISEMES",
    "channel_keys",
    "detect",
    "find_name",
    "mapping_from_rows",
    "resolve",
]

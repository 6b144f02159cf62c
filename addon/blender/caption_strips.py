"""Burned-in captions: one text strip per cue, and a highlight strip per word as it is spoken.

The captions use Blender's built-in monospaced font (DejaVu Sans Mono, bundled with Blender
under a free licence), so the highlight of the current word is the cue's own text with every
other character blanked: it lands exactly on the word in any Blender version, with no text
measuring. Right-to-left lines are stored in visual order (``captions.visual_order``) because
the text strip draws characters left to right; they get no word highlight.
"""

from __future__ import annotations

from ..core.captions import CaptionRules, Cue, is_rtl, on_screen_end, visual_order
from . import compat

HIGHLIGHT = (1.0, 0.82, 0.1, 1.0)
TEXT_COLOUR = (1.0, 1.0, 1.0, 1.0)
BOX_COLOUR = (0.0, 0.0, 0.0, 0.62)


def _strip(scene, name: str, text: str, channel: int, start: int, length: int, rules: CaptionRules):
    strip = compat.new_effect_strip(scene, name, "TEXT", channel, start, max(1, length))
    strip["storyloom"] = 1
    strip.text = text
    strip.font_size = rules.size * min(scene.render.resolution_x, scene.render.resolution_y)
    strip.location = (0.5, rules.bottom)
    strip.anchor_x, strip.anchor_y = "CENTER", "BOTTOM"
    if hasattr(strip, "alignment_x"):
        strip.alignment_x = "CENTER"
    strip.wrap_width = 0.92
    return strip


def _mask(lines: list[str], line_index: int, begin: int, end: int) -> str:
    """The cue's text with everything but characters [begin, end) of one line blanked."""
    return "\n".join(
        (" " * begin + line[begin:end] + " " * (len(line) - end)) if index == line_index else " " * len(line)
        for index, line in enumerate(lines)
    )


def _word_places(cue: Cue) -> list[tuple[int, int, int]]:
    """(line, first character, end character) of each of the cue's words, in order."""
    places, line_index, cursor = [], 0, 0
    for word in cue.words:
        while line_index < len(cue.lines):
            found = cue.lines[line_index].find(word.text, cursor)
            if found >= 0:
                places.append((line_index, found, found + len(word.text)))
                cursor = found + len(word.text)
                break
            line_index, cursor = line_index + 1, 0
    return places


def lay_captions(scene, cues: list[Cue], rules: CaptionRules, first: int, channels: tuple[int, int]) -> int:
    """Caption strips for ``cues`` (times in seconds from the film's first frame); returns how
    many strips were made."""
    fps = scene.render.fps
    made = 0
    for index, cue in enumerate(cues):
        start = first + round(cue.start * fps)
        end = first + round(on_screen_end(cues, index, rules) * fps)
        rtl = any(is_rtl(line) for line in cue.lines)
        shown = [visual_order(line) for line in cue.lines]
        base = _strip(
            scene, f"caption{index + 1:03d}", "\n".join(shown), channels[0], start, end - start, rules
        )
        base.use_box, base.box_color = True, BOX_COLOUR
        if hasattr(base, "box_margin"):
            base.box_margin = 0.01
        base.color = TEXT_COLOUR
        made += 1
        if rtl:
            continue
        places = _word_places(cue)
        for number, (word, place) in enumerate(zip(cue.words, places, strict=False)):
            word_start = first + round(word.start * fps)
            following = cue.words[number + 1].start if number + 1 < len(cue.words) else None
            word_end = first + round(following * fps) if following is not None else end
            strip = _strip(
                scene,
                f"caption{index + 1:03d}-w{number + 1}",
                _mask(shown, *place),
                channels[1],
                word_start,
                word_end - word_start,
                rules,
            )
            strip.color = HIGHLIGHT
            made += 1
    return made

"""Video frame rules, chunk plans and frame-rate fitting (pure core)."""

from __future__ import annotations

import pytest

from addon.core.models import load_registry
from addon.core.validation import BadInput
from addon.core.video import VideoRules, check_video_params, chunk_plan, retime, scene_fps

LTX = VideoRules(frame_step=8, frame_offset=1, max_frames=257, size_multiple=32, fps=24, image_input=True)


def params(rules=LTX, **overrides):
    values = {"prompt": "x", "negative_prompt": "", "seed": 0, "width": 704, "height": 480, "frames": 121}
    values |= {"steps": 20, "guidance": 3.0} | overrides
    return check_video_params("ltx-video", rules, **values)


def test_every_built_in_video_spec_has_consistent_rules():
    registry = load_registry(None)
    videos = [spec for spec in registry.values() if spec.task in ("text-to-video", "image-to-video")]
    assert {spec.family for spec in videos} == {"ltx-video", "wan", "cogvideox", "svd", "animatediff"}
    for spec in videos:
        rules = VideoRules.from_defaults(spec.defaults)
        checked = check_video_params(
            spec.id,
            rules,
            prompt="a shot",
            negative_prompt="",
            seed=1,
            width=spec.defaults["width"],
            height=spec.defaults["height"],
            frames=spec.defaults["frames"],
            steps=spec.defaults["steps"],
            guidance=spec.defaults["guidance"],
        )
        assert checked.frames <= rules.max_frames, spec.id


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"frames": 24}, r"takes 8k\+1 frames .*: 24 is not one; valid near it: 17, 25\."),
        ({"width": 700}, r"multiple of 32, got 700 \(try 672 or 704\)"),
        ({"frames": 0}, "frame count must be between 1"),
        ({"output_format": "GIF"}, "Unknown frame format 'GIF'"),
    ],
)
def test_bad_video_parameters_name_the_valid_values(overrides, message):
    with pytest.raises(BadInput, match=message):
        params(**overrides)


def test_long_shots_need_a_model_that_continues_from_a_frame():
    assert params(frames=600).frames == 600  # LTX continues from the last frame
    text_only = VideoRules(frame_step=4, frame_offset=1, max_frames=81, size_multiple=16, fps=16)
    with pytest.raises(BadInput, match="at most 81 frames and cannot continue"):
        params(rules=text_only, frames=161, width=832)


def test_chunk_plan_adds_window_minus_one_frames_per_continuation():
    assert chunk_plan(121, LTX) == [121]
    assert chunk_plan(257, LTX) == [257]
    assert chunk_plan(258, LTX) == [257, 257]
    assert chunk_plan(257 + 256 + 1, LTX) == [257, 257, 257]


def test_retime_keeps_real_time_length():
    # 16 fps model on a 24 fps timeline: 9 frames = 0.5625 s = 13.5 -> 14 scene frames.
    indices = retime(9, 16, 24)
    assert len(indices) == 14 and indices[:4] == [0, 0, 1, 2] and indices[-1] == 8
    assert retime(5, 24, 24) == [0, 1, 2, 3, 4]
    ntsc = scene_fps(24, 1.001)
    assert abs(ntsc - 23.976) < 1e-3
    assert len(retime(121, 24, ntsc)) == 121  # 5.04 s at 23.976 is 120.88 -> 121 frames
    assert len(retime(30, 30, 24)) == 24 and len(set(retime(30, 30, 24))) == 24
    with pytest.raises(BadInput):
        scene_fps(24, 0)

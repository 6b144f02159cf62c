"""Generation parameters are checked before any model is touched (pure core)."""

from __future__ import annotations

import pytest

from addon.core.validation import BadInput, check_image_params

GOOD = {
    "prompt": "a fox",
    "negative_prompt": "",
    "seed": 1,
    "width": 512,
    "height": 512,
    "steps": 20,
    "guidance": 7.5,
}


def test_good_parameters_pass_and_prompts_are_trimmed():
    params = check_image_params(**{**GOOD, "prompt": "  a fox  "})
    assert params.prompt == "a fox" and params.to_dict()["width"] == 512


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"prompt": ""}, "prompt is empty"),
        ({"prompt": "\udcff broken"}, "not valid UTF-8"),
        ({"negative_prompt": "a\x00b"}, "NUL character"),
        ({"prompt": "x" * 10_001}, "at most 10000"),
        ({"prompt": None}, "must be text"),
        ({"width": 0}, "positive"),
        ({"height": -8}, "positive"),
        ({"width": 513}, r"multiple of 8, got 513 \(try 512 or 520\)"),
        ({"height": 100_000}, "too large"),
        ({"width": 64.0}, "whole number of pixels"),
        ({"steps": 0}, "between 1 and 500"),
        ({"seed": 2**32}, "between 0 and 4294967295"),
        ({"seed": True}, "whole number"),
        ({"guidance": float("nan")}, "guidance scale"),
        ({"guidance": 51}, "guidance scale"),
    ],
)
def test_bad_parameters_say_what_is_allowed(overrides, message):
    with pytest.raises(BadInput, match=message):
        check_image_params(**{**GOOD, **overrides})


def test_emoji_and_right_to_left_text_are_fine():
    assert check_image_params(**{**GOOD, "prompt": "שלום 🌅 مرحبا"}).prompt == "שלום 🌅 مرحبا"


def test_edit_modes_name_the_inputs_they_need():
    from addon.core.validation import check_edit_params

    assert check_edit_params().mode == "text"
    edit = check_edit_params(mode="inpaint", source="/s.png", mask="/m.png", strength=0)
    assert (edit.strength, edit.mask) == (0.0, "/m.png")
    for kwargs, message in (
        ({"mode": "image"}, "needs a source image"),
        ({"mode": "inpaint", "source": "/s.png"}, "needs a mask image"),
        ({"mode": "depth"}, "needs a control image"),
        ({"mode": "sketch"}, "Unknown image mode 'sketch'"),
        ({"mode": "image", "source": "/s.png", "strength": 1.5}, "strength must be a number between 0 and 1"),
        ({"control_scale": -1}, "control strength must be a number between 0 and 2"),
    ):
        with pytest.raises(BadInput, match=message):
            check_edit_params(**kwargs)

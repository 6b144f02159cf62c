"""The staging's numbers: framing, lenses, camera aim and moves, sets and stand-ins from plans."""

from __future__ import annotations

import math

import pytest

from addon.core import director, staging
from addon.core.plan import PlanError, validate

DIALOGUE = 'Two friends, Ana and Ben, argue about a broken robot in a workshop. Ana: "It was you!"'


def project(camera: staging.ShotCamera, point, size=(1920, 1080)) -> tuple[float, float, float]:
    """A world point in the camera's frame: (x, y) in -1..1 across the frame, and its depth."""
    inverse = [-angle for angle in camera.rotation]
    offset = tuple(p - c for p, c in zip(point, camera.location, strict=True))
    # Undo the Euler XYZ rotation: Z, then Y, then X, each by minus its angle.
    x, y, z = offset
    for axis in (2, 1, 0):
        only = [0.0, 0.0, 0.0]
        only[axis] = inverse[axis]
        x, y, z = staging.rotate(tuple(only), (x, y, z))
    depth = -z
    tan_w, tan_h = staging.half_fov(camera.lens, *size)
    return x / depth / tan_w, y / depth / tan_h, depth


def test_aim_points_the_camera_down_its_minus_z_at_the_target():
    location, target = (1.0, -4.0, 1.5), (0.2, 0.3, 1.1)
    rotation = staging.aim(location, target)
    forward = staging.rotate(rotation, (0.0, 0.0, -1.0))
    direction = [to - at for to, at in zip(target, location, strict=True)]
    length = math.hypot(*direction)
    assert forward == pytest.approx([d / length for d in direction], abs=1e-9)
    up = staging.rotate(rotation, (0.0, 1.0, 0.0))
    assert up[2] > 0.9  # the frame is level: the camera's up is the world's up


@pytest.mark.parametrize(
    ("prompt", "framing"),
    [
        ("close-up of Ana, soft light", "close-up"),
        ("wide establishing shot of a harbour", "wide"),
        ("gros plan sur le phare", "close-up"),
        ("medium two-shot of Ana and Ben", "medium"),
        ("a kettle on a stove", "medium"),
    ],
)
def test_framing_is_read_from_the_prompt_when_the_plan_has_none(prompt, framing):
    assert staging.framing_of({"prompt": prompt}) == framing
    assert staging.framing_of({"prompt": prompt, "framing": "wide"}) == "wide"


@pytest.mark.parametrize(
    ("mood", "text", "lighting"),
    [
        ("calm", "A lighthouse at night", "night"),
        ("calm", "Un phare breton au coucher du soleil", "golden-hour"),
        ("dramatic", "A chase", "low-key"),
        ("upbeat", "A bakery opens", "high-key"),
        ("confident", "A bike brand film", "three-point"),
    ],
)
def test_lighting_comes_from_the_brief_and_its_mood(mood, text, lighting):
    assert staging.lighting_for(mood, text) == lighting
    assert staging.lights(lighting)  # every set-up has its lights


def test_a_dialogue_is_blocked_with_both_characters_and_close_ups_on_the_speaker():
    plan = director.make_plan(DIALOGUE)
    staged = staging.stage(plan)
    assert [s.name for s in staged.sets] == ["workshop"]
    figures = {f.name: f for f in staged.sets[0].figures}
    assert figures["Ana"].kind == figures["Ben"].kind == "character"
    assert figures["broken robot"].kind == "prop"
    assert len({f.colour for f in figures.values()}) == len(figures)  # each reads as itself
    assert [c.shot for c in staged.cameras] == [s["id"] for s in plan["shots"]]
    for shot, camera in zip(plan["shots"], staged.cameras, strict=True):
        assert camera.framing == shot["framing"] and camera.lens == shot["lens"]
        if shot["framing"] == "close-up":
            assert camera.subjects == (shot["lines"][0]["speaker"],)


@pytest.mark.parametrize("framing", staging.FRAMINGS)
def test_each_framing_keeps_its_subject_in_frame_at_the_share_it_promises(framing):
    ana = staging.Figure("Ana", "character", staging.CLAY[0], 0.0)
    lens = staging.LENS_MM[framing]
    location, target, distance = staging.frame_subjects([ana], framing, lens, (1920, 1080), 0.0)
    camera = staging.ShotCamera(
        "sh", "Set", framing, lens, location, staging.aim(location, target), distance, "static", ()
    )
    head_x, head_y, depth = project(camera, (0.0, 0.0, 1.63))
    assert depth > 0.3 and abs(head_x) < 0.5 and -1 < head_y < 1  # the face is in the frame
    feet = project(camera, (0.0, 0.0, 0.0))[1]
    if framing == "wide":
        assert feet > -1  # the whole figure
    else:
        assert feet < -1  # cut above the feet
    if framing == "close-up":
        assert project(camera, (0.0, 0.0, 1.0))[1] < -1  # head and shoulders only


def test_a_wide_lens_stands_closer_than_a_long_lens_for_the_same_framing():
    ana = staging.Figure("Ana", "character", staging.CLAY[0], 0.0)
    near = staging.frame_subjects([ana], "medium", 24.0, (1920, 1080), 0.0)[2]
    far = staging.frame_subjects([ana], "medium", 85.0, (1920, 1080), 0.0)[2]
    half_depth = staging.FIGURE_WIDTH / 2  # distances are to the subject's front
    assert (far - half_depth) / (near - half_depth) == pytest.approx(85 / 24, rel=0.01)


def test_moves_travel_along_the_cameras_own_axes():
    camera = staging.ShotCamera(
        "sh", "Set", "medium", 40.0, (0, -3, 1.2), staging.aim((0, -3, 1.2), (0, 0, 1.2)), 3.0, "push-in", ()
    )
    travel = camera.travel()
    assert travel[1] > 0.4 and abs(travel[0]) < 1e-9  # towards the subject (+Y here)
    pan = staging.ShotCamera(*[*camera.__dict__.values()][:7], "pan-right", ()).travel()
    assert pan[0] > 0.3 and abs(pan[1]) < 1e-9  # to the camera's right
    assert staging.ShotCamera(*[*camera.__dict__.values()][:7], "static", ()).travel() == (0.0, 0.0, 0.0)


def test_locations_become_sets_side_by_side_and_characters_stand_where_they_play():
    plan = director.make_plan(DIALOGUE)
    plan["shots"][-1]["location"] = "street"
    plan["shots"][-1]["characters"] = ["Ben"]
    plan["shots"][-1]["lines"] = [{"speaker": "Ben", "text": "Bye."}]
    staged = staging.stage(validate(plan))
    assert [s.name for s in staged.sets] == ["workshop", "street"]
    assert staged.sets[1].origin == staging.SET_SPACING
    assert [f.name for f in staged.sets[1].figures] == ["Ben"]
    last = staged.cameras[-1]
    assert last.set_name == "street" and abs(last.location[0] - staging.SET_SPACING) < 5


def test_a_plan_with_nobody_and_nothing_stages_an_empty_set_with_a_warning():
    plan = director.make_plan("Make a calm 5 second film.")
    plan["props"] = []
    for shot in plan["shots"]:
        shot.pop("subject", None)
    staged = staging.stage(plan)
    assert staged.sets[0].figures == () and "no characters and no subject" in staged.warnings[0]
    assert len(staged.cameras) == len(plan["shots"])


@pytest.mark.parametrize(
    ("brief", "prop"),
    [
        (DIALOGUE, "broken robot"),
        ("Un film de 20 secondes sur un vieux phare breton au coucher du soleil.", "vieux phare breton"),
        ("Ein Werbespot für eine neue Kaffeemaschine, dramatisch.", "neue Kaffeemaschine"),
        ("Explain how vaccines work in 30 seconds.", "vaccines"),
    ],
)
def test_the_director_names_what_the_film_is_about_as_a_prop(brief, prop):
    plan = director.make_plan(brief)
    assert plan["props"] == [prop]
    assert all(shot["framing"] in staging.FRAMINGS for shot in plan["shots"])


def test_the_plan_refuses_an_unknown_framing_or_lighting():
    plan = director.make_plan(DIALOGUE)
    plan["shots"][0]["framing"] = "dutch"
    with pytest.raises(PlanError, match="framing"):
        validate(plan)
    plan = director.make_plan(DIALOGUE)
    plan["style"]["lighting"] = "neon"
    with pytest.raises(PlanError, match="lighting"):
        validate(plan)


def test_two_hundred_shots_get_two_hundred_cameras_that_differ():
    plan = director.make_plan(DIALOGUE)
    shot = plan["shots"][0]
    plan["shots"] = [{**shot, "id": f"s{index:03d}"} for index in range(200)]
    staged = staging.stage(validate(plan))
    assert len(staged.cameras) == 200
    assert len({camera.location for camera in staged.cameras[:3]}) == 3  # neighbours differ


def test_a_shots_own_lighting_words_override_the_films():
    assert (
        staging.shot_lighting({"prompt": "wide shot, darker, low-key lighting"}, "three-point") == "low-key"
    )
    assert staging.shot_lighting({"prompt": "a kettle at sunset"}, "three-point") == "golden-hour"
    assert staging.shot_lighting({"prompt": "a kettle on a stove"}, "high-key") == "high-key"


def test_the_worlds_hue_is_the_palettes_and_its_brightness_the_lightings():
    warm = staging.world_colour(["#fca311", "#14213d", "#e5e5e5"], "three-point")
    assert warm[2] > warm[0]  # the palette's darkest colour is a navy: the world leans blue
    night, day = (staging.world_colour(["#fca311", "#14213d"], name) for name in ("night", "high-key"))
    assert sum(night) < 0.3 < 1.0 < sum(day)
    assert staging.world_colour([], "night") == staging.WORLD["night"]

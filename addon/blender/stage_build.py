"""Build or refresh a plan's blocking in a stage scene of its own: sets, stand-ins, lights and a
camera per shot, bound to the timeline by markers.

The stage lives in a scene beside the film's (``<film scene> Stage``), in Storyloom's own
collections, so the artist's scene is never touched and its size never slows staging. Each
staged object carries its role (``set:<set>``, ``cast:<set>:<name>``, ``camera:<shot>``...):
a refresh finds it again, makes what is missing and removes what the plan dropped. What the
artist moved stays where they put it: an object is only re-posed while it still has the pose
Storyloom last gave it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import bpy
from mathutils import Euler, Vector

from ..core import staging as blocking
from ..core.staging import StageSet, Staging
from ..core.sync import ShotTiming
from . import stand_ins
from .stand_ins import OWNER

STAGE_KEY = "storyloom_stage_scene"  # the film scene's pointer to its stage scene
MARKERS_KEY = "storyloom_markers"  # the names of the markers Storyloom put on the stage
COLLECTIONS = {
    "set": "Storyloom Sets",
    "cast": "Storyloom Cast",
    "prop": "Storyloom Props",
    "light": "Storyloom Lights",
    "camera": "Storyloom Cameras",
}
POSE_KEY = "storyloom_pose"  # the pose Storyloom last gave an object
MOVE_ACTION = "SL move"  # prefix of the camera-move actions Storyloom owns
FIRST_FRAME = 1


@dataclass
class StageResult:
    scene: bpy.types.Scene
    staging: Staging
    cameras: dict[str, bpy.types.Object] = field(default_factory=dict)  # shot id -> camera
    stand_ins: dict[str, list[bpy.types.Object]] = field(default_factory=dict)  # name -> bodies
    kept: list[str] = field(default_factory=list)  # objects the artist moved: left as they are
    made: int = 0
    removed: int = 0
    warnings: list[str] = field(default_factory=list)


def stage_scene(scene: bpy.types.Scene, create: bool = True) -> bpy.types.Scene | None:
    """The film scene's stage scene (made on first use)."""
    stage = scene.get(STAGE_KEY)
    if isinstance(stage, bpy.types.Scene) and stage.name in bpy.data.scenes:
        return stage
    if not create:
        return None
    stage = bpy.data.scenes.new(f"{scene.name} Stage")
    stage[OWNER] = "scene"
    stage.render.engine = scene.render.engine  # what "the scene's engine" means for its stage
    scene[STAGE_KEY] = stage
    return stage


def _collection(stage: bpy.types.Scene, role: str) -> bpy.types.Collection:
    name = COLLECTIONS[role]
    found = next((c for c in stage.collection.children if c.get(OWNER) == role), None)
    if found is None:
        found = bpy.data.collections.new(name)
        found[OWNER] = role
        stage.collection.children.link(found)
    return found


def _pose(obj: bpy.types.Object) -> list[float]:
    pose = [*obj.location, *obj.rotation_euler]
    if obj.type == "CAMERA":
        pose.append(obj.data.lens)
    return [round(value, 5) for value in pose]


def _place(obj, location, rotation=(0.0, 0.0, 0.0), lens: float | None = None) -> bool:
    """Pose ``obj`` unless the artist moved it since Storyloom last did; True if posed."""
    stored = obj.get(POSE_KEY)
    if stored is not None and [round(v, 5) for v in stored] != _pose(obj):
        return False
    obj.location, obj.rotation_euler = Vector(location), Euler(rotation)
    if lens is not None:
        obj.data.lens = lens
    obj[POSE_KEY] = _pose(obj)
    return True


class _Refresh:
    """One pass over the stage: reuse each role's object, make the missing, retire the rest."""

    def __init__(self, stage: bpy.types.Scene, result: StageResult):
        self.stage, self.result = stage, result
        self.existing: dict[str, bpy.types.Object] = {}
        for obj in sorted((o for o in stage.objects if o.get(OWNER)), key=lambda o: o.name):
            if obj[OWNER] in self.existing:  # a Shift+D copy carries the role: it is the artist's now
                del obj[OWNER]
                result.warnings.append(f"'{obj.name}' is a copy of a staged object: it is yours now.")
                continue
            self.existing[obj[OWNER]] = obj
        self.used: set[str] = set()

    def get(self, role: str, collection: str, make) -> bpy.types.Object:
        self.used.add(role)
        obj = self.existing.get(role)
        if obj is None:
            obj = make()
            obj[OWNER] = role
            _collection(self.stage, collection).objects.link(obj)
            self.existing[role] = obj
            self.result.made += 1
        return obj

    def data(self, kind: str, suffix: str, make):
        """Data shared by every copy of a part (a character's mouth on two sets is one mesh):
        an existing ``<kind>:<set>:<suffix>`` object's, else made now."""
        for role, obj in self.existing.items():
            parts = role.split(":", 2)
            if parts[0] == kind and len(parts) == 3 and parts[2] == suffix and obj.data is not None:
                return obj.data
        return make()

    def place(self, obj, location, rotation=(0.0, 0.0, 0.0), lens: float | None = None) -> None:
        if not _place(obj, location, rotation, lens):
            self.result.kept.append(obj.name)

    def finish(self) -> None:
        """Remove what the plan dropped; what the artist moved goes to *Storyloom Unused*."""
        for role, obj in self.existing.items():
            if role in self.used:
                continue
            stored = obj.get(POSE_KEY)
            if stored is not None and [round(v, 5) for v in stored] != _pose(obj):
                for collection in list(obj.users_collection):
                    collection.objects.unlink(obj)
                unused = bpy.data.collections.get(UNUSED) or bpy.data.collections.new(UNUSED)
                if unused.name not in self.stage.collection.children:
                    self.stage.collection.children.link(unused)
                unused.objects.link(obj)
                del obj[OWNER]
                self.result.warnings.append(
                    f"'{obj.name}' left the plan; you had moved it: kept in {UNUSED}."
                )
                continue
            data = obj.data
            bpy.data.objects.remove(obj)
            if data is not None and data.users == 0:  # no orphan cameras, lights, labels
                getattr(bpy.data, _DATA_COLLECTIONS[type(data).__name__]).remove(data)
            self.result.removed += 1


UNUSED = "Storyloom Unused"
_DATA_COLLECTIONS = {"Mesh": "meshes", "Camera": "cameras", "TextCurve": "curves", "Curve": "curves"}
_DATA_COLLECTIONS |= {kind: "lights" for kind in ("PointLight", "SunLight", "SpotLight", "AreaLight")}


def _object_name(text: str) -> str:
    """A datablock name within Blender's 63 bytes, cut on a character boundary."""
    data = text.encode("utf-8")[:63]
    return data.decode("utf-8", errors="ignore")


def _figure(refresh: _Refresh, stage_set: StageSet, figure: blocking.Figure) -> bpy.types.Object:
    kind = "cast" if figure.kind == "character" else "prop"
    role = f"{kind}:{stage_set.name}:{figure.name}"
    suffix = "" if stage_set.origin == 0 else f", {stage_set.name}"
    body = None
    for part, make_data, offset, colour in stand_ins.figure_parts(figure):

        def make(part=part, make_data=make_data):
            label = f"{figure.name} (stand-in{suffix})" if part == "body" else f"{figure.name} {part}{suffix}"
            data = refresh.data(kind, figure.name if part == "body" else f"{figure.name}:{part}", make_data)
            return bpy.data.objects.new(_object_name(label), data)

        obj = refresh.get(role if part == "body" else f"{role}:{part}", kind, make)
        obj.color = colour
        stand_ins.clay(obj.data, colour)
        if body is None:
            body = obj
            body["storyloom_stand_in"] = figure.name
            refresh.place(body, (figure.x, figure.y, 0.0))
            continue
        obj.parent = body
        refresh.place(obj, offset, (1.5708, 0.0, 0.0) if part == "label" else (0.0, 0.0, 0.0))
        if part == "label" and obj.type == "FONT":
            stand_ins.set_label(obj.data, figure.name)
        if part == "mouth":
            obj["storyloom_character"] = figure.name  # the lip-sync layer's rig for this character
    return body


def _set(refresh: _Refresh, stage_set: StageSet, lighting: str) -> None:
    floor = refresh.get(
        f"set:{stage_set.name}",
        "set",
        lambda: bpy.data.objects.new(_object_name(f"{stage_set.name} (set)"), stand_ins.cyclorama_mesh()),
    )
    floor.color = (*blocking.BACKDROP, 1.0)
    stand_ins.clay(floor.data, floor.color)
    refresh.place(floor, (stage_set.origin, 0.0, 0.0))
    for light in blocking.lights(lighting):
        role = f"light:{stage_set.name}:{light.name}"

        def make(light=light):
            data = bpy.data.lights.new(f"SL {light.name}", light.kind)
            return bpy.data.objects.new(_object_name(f"{light.name} light ({stage_set.name})"), data)

        lamp = refresh.get(role, "light", make)
        if lamp.data.type != light.kind:
            lamp.data.type = light.kind
        lamp.data.energy, lamp.data.color = light.energy, light.colour
        if light.kind == "AREA":
            lamp.data.size = light.size
        location = Vector(light.offset) + Vector((stage_set.origin, 0.0, 0.0))
        target = Vector((stage_set.origin, 0.0, 1.0))
        refresh.place(lamp, location, (target - location).to_track_quat("-Z", "Y").to_euler())


def _camera(refresh: _Refresh, shot: blocking.ShotCamera) -> bpy.types.Object:
    def make():
        data = bpy.data.cameras.new(f"SL {shot.shot}")
        data.sensor_fit, data.sensor_width = "AUTO", blocking.SENSOR_MM
        data.clip_start, data.clip_end = 0.05, 200.0
        return bpy.data.objects.new(f"Storyloom {shot.shot}", data)

    camera = refresh.get(f"camera:{shot.shot}", "camera", make)
    camera["storyloom_distance"] = shot.distance
    camera["storyloom_framing"] = shot.framing
    clear_move(camera)
    refresh.place(camera, shot.location, shot.rotation, shot.lens)
    return camera


def configure(stage: bpy.types.Scene, plan: dict, staging: Staging) -> None:
    """The stage's frame, rate and world; Workbench's clay look (``stage_render.previz_look``)."""
    film = plan["film"]
    stage.render.resolution_x, stage.render.resolution_y = film["width"], film["height"]
    stage.render.resolution_percentage = 100
    stage.render.fps, stage.render.fps_base = film["fps"], 1.0
    if stage.world is None:
        stage.world = bpy.data.worlds.new("Storyloom Stage World")
        stage.world[OWNER] = "world"
    if stage.world.get(OWNER):  # a world the artist gave the stage stays theirs
        stage.world.color = staging.world


def build(scene: bpy.types.Scene, plan: dict) -> StageResult:
    """Stage ``plan`` for the film scene ``scene``: make or refresh its stage scene."""
    staging = blocking.stage(plan)
    stage = stage_scene(scene)
    configure(stage, plan, staging)
    result = StageResult(stage, staging, warnings=list(staging.warnings))
    refresh = _Refresh(stage, result)
    for stage_set in staging.sets:
        _set(refresh, stage_set, staging.lighting)
        for figure in stage_set.figures:
            body = _figure(refresh, stage_set, figure)
            result.stand_ins.setdefault(figure.name, []).append(body)
    for shot in staging.cameras:
        result.cameras[shot.shot] = _camera(refresh, shot)
    refresh.finish()
    if stage.camera is None and result.cameras:
        stage.camera = next(iter(result.cameras.values()))
    result.warnings += cameras_inside(stage, result.cameras)
    return result


def cameras_inside(stage: bpy.types.Scene, cameras: dict[str, bpy.types.Object]) -> list[str]:
    """Warnings for cameras standing inside a stand-in (their picture is the inside of a mesh)."""
    stage.view_layers[0].update()
    bodies = [obj for obj in stage.objects if obj.get("storyloom_stand_in") and obj.type == "MESH"]
    warnings = []
    for shot, camera in cameras.items():
        where = camera.matrix_world.translation
        for body in bodies:
            local = body.matrix_world.inverted() @ where
            low, high = Vector(body.bound_box[0]), Vector(body.bound_box[6])
            if all(low[i] <= local[i] <= high[i] for i in range(3)):
                warnings.append(
                    f"Shot {shot}'s camera '{camera.name}' is inside {body['storyloom_stand_in']}'s "
                    "stand-in: its picture shows the inside of the mesh. Move the camera or the stand-in."
                )
    return warnings


def clear_move(camera: bpy.types.Object) -> None:
    """Take Storyloom's move off a camera (the artist's own animation stays)."""
    animation = camera.animation_data
    if (
        animation is not None
        and animation.action is not None
        and animation.action.name.startswith(MOVE_ACTION)
    ):
        action = animation.action
        camera.animation_data_clear()
        if action.users == 0:
            bpy.data.actions.remove(action)
    if camera.animation_data is None or camera.animation_data.action is None:
        camera.delta_location = (0.0, 0.0, 0.0)


def bind(result: StageResult, plan: dict, timings: list[ShotTiming], moves: bool = True) -> list[int]:
    """Markers at each shot's first frame bound to its camera, and the planned moves as keys.

    Returns the marker frames. A camera the artist animated keeps its own animation.
    """
    stage = result.scene
    ours = set(stage.get(MARKERS_KEY, []))
    for marker in list(stage.timeline_markers):  # the artist's own markers stay
        if marker.name in ours or (marker.camera is not None and marker.camera.get(OWNER)):
            stage.timeline_markers.remove(marker)
    stage[MARKERS_KEY] = [shot["id"] for shot in plan["shots"]]
    frames = []
    for shot, timing in zip(plan["shots"], timings, strict=True):
        camera = result.cameras[shot["id"]]
        first, last = FIRST_FRAME + timing.start_frame, FIRST_FRAME + timing.end_frame - 1
        marker = stage.timeline_markers.new(shot["id"], frame=first)
        marker.camera = camera
        frames.append(first)
        clear_move(camera)
        animated = camera.animation_data is not None and camera.animation_data.action is not None
        if moves and shot["camera"] != "static" and not animated:
            _key_move(camera, shot["id"], shot["camera"], first, last)
    stage.frame_start, stage.frame_end = FIRST_FRAME, FIRST_FRAME + timings[-1].end_frame - 1
    return frames


def _key_move(camera: bpy.types.Object, shot_id: str, move: str, first: int, last: int) -> None:
    """The move as delta-location keys: the camera's own pose (the artist's handle) stays free."""
    travel = blocking.travel(tuple(camera.rotation_euler), camera["storyloom_distance"], move)
    camera.delta_location = (0.0, 0.0, 0.0)
    camera.keyframe_insert("delta_location", frame=first)
    camera.delta_location = travel
    camera.keyframe_insert("delta_location", frame=last)
    camera.animation_data.action.name = f"{MOVE_ACTION} {shot_id}"
    camera.delta_location = (0.0, 0.0, 0.0)

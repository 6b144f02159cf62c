"""Benchmark: lip sync of a 60-second dialogue (target: keys in under 1 s).

    make bench      (or: STORYLOOM_RUNTIME_PYTHON=... python bench/lip_sync.py, in a bpy venv)

Speaks ~60 s of lines with espeak-ng (exact phoneme events), lays them on the Sequencer, then
keys a Rhubarb-named head with Storyloom's bulk writer (one action per line, keys written with
``foreach_set``) and, for the same keys, with one ``keyframe_insert`` per key, side by side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LINES = [
    "Morning. Did you see the storm roll in over the bay last night?",
    "I did. The boats were bouncing like corks, and my porch lost half its paint.",
    "Mine too. Maybe we should move the market up the hill for the weekend.",
    "People will complain, but better a long walk than a soaked basket of apples.",
    "Then we put up posters today, and I will tell the baker before noon.",
    "Bring the big map. We can mark the path from the harbour to the square.",
    "Perfect. And if it rains again, we open the barn and play music inside.",
    "You always make a plan sound like a party. Alright, meet me at nine.",
    "Nine it is. Bring coffee, bring the map, and bring your loudest voice.",
    "Deal. Now go, before the bakery sells the last of the plum buns.",
]


def speak(python: str, folder: Path) -> list[tuple[Path, float]]:
    spoken, total = [], 0.0
    for number, text in enumerate(LINES * 3, start=1):
        if total >= 60.0:
            break
        wav = folder / f"line{number:02d}.wav"
        job = {"text": text, "output": str(wav), "voice": "en"}
        out = subprocess.run(
            [python, "-m", "addon.runtime.backends.speech_espeak"],
            input=json.dumps(job), capture_output=True, text=True, check=True, cwd=REPO,
        )  # fmt: skip
        result = json.loads(out.stdout.strip().splitlines()[-1])
        wav.with_suffix(".json").write_text(json.dumps({**result, "text": text}))
        spoken.append((wav, result["duration"]))
        total += result["duration"]
    return spoken


def main() -> None:
    import bpy

    from addon import props
    from addon.blender import compat, lip_sync
    from addon.core import lipsync, visemes

    props.register()
    python = os.environ.get("STORYLOOM_RUNTIME_PYTHON", sys.executable)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spoken = speak(python, folder)
        scene = bpy.context.scene
        scene.render.fps = 24
        start, strips = 1, []
        for wav, seconds in spoken:
            strips.append(compat.strips(scene).new_sound(wav.stem, str(wav), 7, start))
            start += round((seconds + 0.35) * 24)
        total = sum(seconds for _, seconds in spoken)
        mesh = bpy.data.meshes.new("Head")
        head = bpy.data.objects.new("Head", mesh)
        scene.collection.objects.link(head)
        head.shape_key_add(name="Basis")
        for name in "ABCDEFGHX":
            head.shape_key_add(name=name)
        result = lip_sync.lip_sync(head, strips)
        # The same keys, one keyframe_insert per key (what a naive add-on does).
        started = time.perf_counter()
        blocks = head.data.shape_keys.key_blocks
        mapping = lipsync.detect([b.name for b in blocks][1:])[1]
        naive = 0
        for strip in strips:
            frames = visemes.to_frames(lip_sync.sidecar_cues(strip), 24)
            for name, keys in lipsync.channel_keys(frames, mapping).items():
                for frame, value in keys:
                    blocks[name].value = value
                    blocks[name].keyframe_insert("value", frame=strip.frame_start + frame)
                    naive += 1
        naive_seconds = time.perf_counter() - started
    report(total, len(strips), result, naive, naive_seconds)


def report(total: float, lines: int, result, naive: int, naive_seconds: float) -> None:
    import bpy

    print(
        f"Lip sync of {total:.1f} s of dialogue ({lines} lines, {result.keys} keys), "
        f"bpy {bpy.app.version_string}"
    )
    print(f"{'writer':<34}{'seconds':>10}{'keys/s':>12}{'ratio':>8}")
    rows = (
        ("Storyloom (action per line, bulk)", result.seconds, result.keys),
        ("keyframe_insert per key", naive_seconds, naive),
    )
    for name, seconds, keys in rows:
        print(f"{name:<34}{seconds:>10.3f}{keys / seconds:>12.0f}{seconds / result.seconds:>8.2f}")
    print(f"target: keys for 60 s of dialogue in under 1 s -> {'met' if result.seconds < 1.0 else 'MISSED'}")


if __name__ == "__main__":
    main()

"""Render the film's edit in a second Blender, so the artist's Blender never freezes.

Blender's movie writer cannot append to a file across render calls, so rendering a film in
the artist's process is one call that blocks the UI for the whole film (25 s for 30 s of
1080p). Instead, the edit is saved as a copy and rendered by ``blender -b`` (or, where Blender
runs as the Python module, a Python that imports ``bpy``); the film operator polls it every
timer tick for the frame it reached, and Esc terminates it. Headless builds render in-process.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import bpy

# Runs in the child: opens the copy (module only; ``blender -b FILE`` has opened it), renders
# the named scene's animation to the given file, and prints each frame as it is written.
_CHILD_SCRIPT = r"""
import sys
import bpy
blend, scene_name, output = sys.argv[sys.argv.index("--") + 1 :][:3]
if bpy.data.filepath != blend:
    bpy.ops.wm.open_mainfile(filepath=blend, load_ui=False)
scene = bpy.data.scenes[scene_name]
scene.render.filepath = output
def written(scene, *_):
    print(f"STORYLOOM-FRAME {scene.frame_current}", flush=True)
bpy.app.handlers.render_write.append(written)
with bpy.context.temp_override(scene=scene):
    bpy.ops.render.render(animation=True, scene=scene.name)
print("STORYLOOM-RENDERED", flush=True)
import os
os._exit(0)  # the film is written and closed; bpy 4.5's module teardown can hang on exit
"""


def child_command(blend: Path, scene_name: str, output: Path) -> list[str]:
    """The second Blender: the real executable, or this Python when Blender is the bpy module."""
    # After "--" Blender hands the arguments to the script (else it would open them as files).
    tail = ["--", str(blend), scene_name, str(output)]
    if bpy.app.binary_path:
        return [
            bpy.app.binary_path,
            "-b",
            "--factory-startup",
            str(blend),
            "--python-expr",
            _CHILD_SCRIPT,
            *tail,
        ]
    return [sys.executable, "-c", _CHILD_SCRIPT, *tail]


def render_steps(scene: bpy.types.Scene, target: Path) -> Iterator[float]:
    """Render ``scene``'s sequencer to ``target`` in a child process; yields the fraction done.

    The file appears at ``target`` only when the whole film rendered (temp file, then rename);
    closing the generator early (a cancel) stops the child and leaves nothing behind.
    """
    token = uuid.uuid4().hex[:8]
    blend = target.with_name(f".{target.stem}.{token}.render.blend")
    temp = target.with_name(f".{target.stem}.{token}.part{target.suffix}")
    first, last = scene.frame_start, scene.frame_end
    process = None
    try:
        bpy.ops.wm.save_as_mainfile(filepath=str(blend), copy=True, check_existing=False)
        process = subprocess.Popen(
            child_command(blend, scene.name, temp),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
        done, tail, ended = 0.0, [], False
        while not ended:
            for line in _waiting_lines(lines):
                if line is _END:
                    ended = True
                    break
                tail = [*tail[-20:], line]
                if line.startswith("STORYLOOM-FRAME "):
                    done = (int(line.split()[1]) - first + 1) / max(1, last - first + 1)
                ended = ended or line == "STORYLOOM-RENDERED"
            yield min(done, 1.0)
        try:  # a child that rendered but does not exit is not waited for forever
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if "STORYLOOM-RENDERED" not in tail or not temp.is_file():
            detail = next((line for line in reversed(tail) if line.strip()), "no output")
            raise RuntimeError(f"render failed (exit code {process.returncode}): {detail}")
        os.replace(temp, target)
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        blend.unlink(missing_ok=True)
        blend.with_name(blend.name + "1").unlink(missing_ok=True)  # Blender's backup, if any
        temp.unlink(missing_ok=True)


_END = object()


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(_END)


def _waiting_lines(lines: queue.Queue) -> list:
    """The child's output lines that arrived, waiting one short moment for the first."""
    try:
        got = [lines.get(timeout=0.02)]
    except queue.Empty:
        return []
    while not lines.empty():
        got.append(lines.get_nowait())
    return got

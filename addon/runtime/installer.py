"""Create the model runtime's venv and install the pinned stack into it, with progress.

Runs ``python -m venv`` with Blender's own Python, then pip inside the new venv only; Blender's
Python is never touched. Everything pip says goes to a log the user can open. The install is a
job like any other: it speaks the worker's event vocabulary, so the same tracker and modal
operator drive it.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

from ..core.protocol import Message

REQUIREMENTS = Path(__file__).with_name("requirements.txt")
STAGES = ("Creating the runtime venv", "Installing packages", "Checking the runtime")
_PIP_LINE = re.compile(r"^(Collecting|Downloading|Processing|Installing collected|Successfully installed)")


def venv_python(venv_dir: Path) -> Path:
    return venv_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def pip_install_args(requirements: Path, find_links: Path | None = None, offline: bool = False) -> list[str]:
    args = ["-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
    if offline:
        args.append("--no-index")
    if find_links is not None:
        args += ["--find-links", str(find_links)]
    return [*args, "-r", str(requirements)]


class InstallJob:
    """One runtime install running in a thread; answers ``next_event`` like the worker client."""

    job_id = "install-runtime"

    def __init__(
        self,
        venv_dir: Path,
        log_path: Path,
        requirements: Path = REQUIREMENTS,
        base_python: str = sys.executable,
        find_links: Path | None = None,
        offline: bool = False,
        check_modules: tuple[str, ...] = ("torch", "diffusers", "transformers"),
    ):
        self.venv_dir = Path(venv_dir)
        self.log_path = Path(log_path)
        self.requirements = Path(requirements)
        self.base_python = base_python
        self.find_links = find_links
        self.offline = offline
        self.check_modules = check_modules
        self._events: queue.Queue[Message] = queue.Queue()
        self._cancel = threading.Event()
        self._process: subprocess.Popen | None = None

    @property
    def python(self) -> Path:
        return venv_python(self.venv_dir)

    def start(self) -> str:
        self._emit("queued")
        threading.Thread(target=self._run, daemon=True).start()
        return self.job_id

    # The client interface JobTracker uses.
    def next_event(self, job_id: str, timeout: float | None = 0.0) -> Message | None:
        try:
            return self._events.get_nowait() if timeout == 0.0 else self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def cancel(self, job_id: str = "") -> None:
        self._cancel.set()
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()

    def forget(self, job_id: str) -> None:
        pass

    def _emit(self, kind: str, **data) -> None:
        self._events.put(Message(kind, self.job_id, data))

    def _run(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._emit("started", task="install-runtime", venv=str(self.venv_dir), log=str(self.log_path))
        check = "import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]"
        commands = [
            [self.base_python, "-m", "venv", str(self.venv_dir)],
            [str(self.python), *pip_install_args(self.requirements, self.find_links, self.offline)],
            [str(self.python), "-c", check, *self.check_modules],
        ]
        with self.log_path.open("w", encoding="utf-8") as log:
            for step, (stage, command) in enumerate(zip(STAGES, commands, strict=True), start=1):
                self._emit("progress", step=step - 1, total=len(STAGES), message=stage)
                log.write(f"$ {' '.join(command)}\n")
                log.flush()
                returncode = self._run_command(command, log, step)
                if self._cancel.is_set():
                    self._emit("cancelled")
                    return
                if returncode != 0:
                    self._emit(
                        "failed",
                        error_kind="runtime_missing",
                        message=f"{stage} failed (exit code {returncode}). See the log: {self.log_path}",
                    )
                    return
            self._emit("progress", step=len(STAGES), total=len(STAGES), message="Runtime ready")
        self._emit("artifact", path=str(self.python))
        self._emit("done", python=str(self.python), log=str(self.log_path))

    def _run_command(self, command: list[str], log, step: int) -> int:
        try:
            self._process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
        except OSError as error:
            log.write(f"cannot start: {error}\n")
            return 127
        assert self._process.stdout is not None
        for line in self._process.stdout:
            log.write(line)
            if _PIP_LINE.match(line):
                log.flush()
                self._emit("progress", step=step - 1, total=len(STAGES), message=line.strip()[:200])
        return self._process.wait()

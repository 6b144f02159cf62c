"""Blender's side of the worker: start it on demand, send requests, route its events.

Stdlib only: this runs inside Blender's Python. A reader thread turns the worker's stdout into
per-job event queues, so the main thread only ever does non-blocking queue reads. When the
worker dies, every job it had in hand gets a ``failed`` event with kind ``worker_crashed``, and
the next submit starts a fresh worker.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
import uuid
from pathlib import Path

from ..core import protocol

WORKER_MODULE = "addon.runtime.worker"
EXTENSION_ROOT = Path(__file__).resolve().parents[2]


class WorkerStartError(RuntimeError):
    """The worker could not be started; the message names the Python and the log."""


class WorkerClient:
    def __init__(
        self,
        python: str,
        log_path: Path,
        env: dict[str, str] | None = None,
        memory_budget_gb: float = 0.0,
        start_timeout: float = 60.0,
    ):
        self.python = python
        self.log_path = Path(log_path)
        self.env = dict(env or {})
        self.memory_budget_gb = memory_budget_gb
        self.start_timeout = start_timeout
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._queues: dict[str, queue.Queue] = {}
        self._in_flight: set[str] = set()
        self._replies: dict[str, queue.Queue] = {}
        self._hello: queue.Queue = queue.Queue()
        self.starts = 0

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start a worker if none is running, and wait for its hello."""
        if self.alive:
            return
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, **self.env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXTENSION_ROOT), env.get("PYTHONPATH", "")]))
        env["PYTHONUNBUFFERED"] = "1"
        command = [self.python, "-m", WORKER_MODULE]
        if self.memory_budget_gb > 0:
            command += ["--memory-budget-gb", str(self.memory_budget_gb)]
        log = self.log_path.open("ab")
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                cwd=str(EXTENSION_ROOT),
                text=True,
                encoding="utf-8",
                bufsize=1,
            )
        except OSError as error:
            raise WorkerStartError(f"Cannot start the model worker with {self.python}: {error}") from None
        finally:
            log.close()
        self._hello = queue.Queue()
        self._process = process
        self.starts += 1
        threading.Thread(target=self._read_events, args=(process,), daemon=True).start()
        try:
            self._hello.get(timeout=self.start_timeout)
        except queue.Empty:
            self.kill()
            raise WorkerStartError(
                f"The model worker ({self.python}) did not start within {self.start_timeout:.0f} s. "
                f"See its log: {self.log_path}"
            ) from None
        if not self.alive:
            raise WorkerStartError(
                f"The model worker ({self.python}) exited at start (code {process.returncode}). "
                f"See its log: {self.log_path}"
            )

    def shutdown(self, timeout: float = 10.0) -> None:
        """Ask the worker to stop after its current step; kill it if it does not."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            try:
                self._send("shutdown")
                process.wait(timeout=timeout)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
        self._process = None

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    # -- requests -----------------------------------------------------------------------------
    def submit(self, job: dict) -> str:
        """Queue a job; returns its id. Starts the worker if needed."""
        self.start()
        job_id = uuid.uuid4().hex[:12]
        with self._lock:
            self._queues[job_id] = queue.Queue()
            self._in_flight.add(job_id)
        try:
            self._send("submit", job_id, **job)
        except OSError:
            self._fail_in_flight(self._crash_message())
        return job_id

    def cancel(self, job_id: str) -> None:
        if self.alive:
            try:
                self._send("cancel", job_id)
            except OSError:
                pass

    def unload(self, key: str | None = None) -> str:
        return self.submit_request("unload", key=key)

    def submit_request(self, kind: str, **data) -> str:
        self.start()
        job_id = uuid.uuid4().hex[:12]
        with self._lock:
            self._queues[job_id] = queue.Queue()
            self._in_flight.add(job_id)
        self._send(kind, job_id, **data)
        return job_id

    def stats(self, timeout: float = 10.0) -> dict:
        """The worker's counters (loads, hits, loaded models, ...), asked and answered now."""
        self.start()
        request_id = uuid.uuid4().hex[:12]
        reply: queue.Queue = queue.Queue()
        self._replies[request_id] = reply
        try:
            self._send("stats", request_id)
            return reply.get(timeout=timeout).data
        finally:
            self._replies.pop(request_id, None)

    # -- events -------------------------------------------------------------------------------
    def next_event(self, job_id: str, timeout: float | None = 0.0) -> protocol.Message | None:
        """The job's next event, or None if none arrived within ``timeout`` (0: don't wait)."""
        events = self._queues.get(job_id)
        if events is None:
            raise KeyError(f"unknown job {job_id}")
        try:
            if timeout == 0.0:
                message = events.get_nowait()
            else:
                message = events.get(timeout=timeout)
        except queue.Empty:
            return None
        if message.is_terminal:
            with self._lock:
                self._in_flight.discard(job_id)
        return message

    def forget(self, job_id: str) -> None:
        """Drop a finished job's event queue."""
        with self._lock:
            self._queues.pop(job_id, None)
            self._in_flight.discard(job_id)

    # -- internals ----------------------------------------------------------------------------
    def _send(self, kind: str, job_id: str = "", **data) -> None:
        process = self._process
        if process is None or process.stdin is None:
            raise BrokenPipeError("worker not running")
        with self._lock:
            process.stdin.write(protocol.encode(kind, job_id, **data))
            process.stdin.flush()

    def _read_events(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                message = protocol.decode(line)
            except protocol.ProtocolError:
                continue
            if message.kind == "hello":
                self._hello.put(message)
            elif message.kind == "stats" and message.job_id in self._replies:
                self._replies[message.job_id].put(message)
            else:
                events = self._queues.get(message.job_id)
                if events is not None:
                    events.put(message)
        process.wait()
        self._hello.put(None)  # wake a start() waiting on a worker that died at once
        if process is self._process or self._process is None:
            self._fail_in_flight(self._crash_message(process.returncode))

    def _crash_message(self, returncode: int | None = None) -> str:
        how = (
            f"was killed by signal {-returncode}"
            if returncode and returncode < 0
            else f"exited ({returncode})"
        )
        return (
            f"The model worker {how} while running this job. Blender is fine; the next job starts "
            f"a fresh worker. Worker log: {self.log_path}"
        )

    def _fail_in_flight(self, message: str) -> None:
        with self._lock:
            jobs = list(self._in_flight)
        for job_id in jobs:
            events = self._queues.get(job_id)
            if events is not None:
                events.put(
                    protocol.Message("failed", job_id, {"error_kind": "worker_crashed", "message": message})
                )

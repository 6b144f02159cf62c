"""The one worker client of this Blender session, configured from the preferences.

The worker is started on the first job. If the runtime Python or online access changes, the
next job gets a fresh worker with the new settings (online access decides ``HF_HUB_OFFLINE``,
which the hub library reads once at import).
"""

from __future__ import annotations

from pathlib import Path

import bpy

from ..prefs import get_preferences
from ..runtime.client import WorkerClient
from . import project

_client: WorkerClient | None = None


def worker_log_path() -> Path:
    return project.extension_user_dir() / "logs" / "worker.log"


def get_client() -> WorkerClient:
    global _client
    prefs = get_preferences()
    python = project.runtime_python()
    env = {"HF_HUB_OFFLINE": "0" if bpy.app.online_access else "1"}
    wanted = (python, env["HF_HUB_OFFLINE"], prefs.memory_budget_gb)
    if (
        _client is not None
        and (_client.python, _client.env.get("HF_HUB_OFFLINE"), _client.memory_budget_gb) != wanted
    ):
        _client.shutdown()
        _client = None
    if _client is None:
        _client = WorkerClient(python, worker_log_path(), env=env, memory_budget_gb=prefs.memory_budget_gb)
    return _client


def current_client() -> WorkerClient | None:
    return _client


def shutdown() -> None:
    global _client
    if _client is not None:
        _client.shutdown()
        _client = None


def register() -> None:
    pass


def unregister() -> None:
    # No worker outlives the add-on: disabling Storyloom stops its process.
    shutdown()

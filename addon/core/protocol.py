"""The message protocol between Blender and the model worker.

One JSON object per line over the worker's stdin/stdout; stdlib only, so Blender's Python
needs nothing extra. Results never cross the pipe: the worker writes files (atomically) and
sends their paths.

Blender -> worker requests:  submit, cancel, unload, stats, shutdown
Worker -> Blender events:    hello, queued, started, progress, artifact, done, failed,
                             cancelled, stats
Per job the order is always: queued, started, progress*, artifact*, then exactly one of
done / failed / cancelled (a job cancelled while queued skips started).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_VERSION = 1

REQUESTS = frozenset({"submit", "cancel", "unload", "stats", "shutdown"})
EVENTS = frozenset(
    {"hello", "queued", "started", "progress", "artifact", "done", "failed", "cancelled", "stats"}
)
TERMINAL_EVENTS = frozenset({"done", "failed", "cancelled"})

# Error kinds a `failed` event carries; the message is for people, the kind for code.
ERROR_KINDS = frozenset(
    {
        "bad_input",  # the job's parameters were refused before any model was touched
        "model_missing",  # weights not found locally and online access is off (or not on the hub)
        "unsafe_weights",  # only pickle weights (.bin/.ckpt): refused
        "out_of_memory",
        "worker_crashed",  # the worker process died mid-job
        "runtime_missing",  # a package the job needs is not installed in the runtime Python
        "internal",  # anything else; the message carries the exception text
    }
)


class ProtocolError(ValueError):
    """A line that is not a valid message of this protocol version."""


@dataclass
class Message:
    kind: str  # a request or event name
    job_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_terminal(self) -> bool:
        return self.kind in TERMINAL_EVENTS


def encode(kind: str, job_id: str = "", **data: Any) -> str:
    """One protocol line (with its newline)."""
    if kind not in REQUESTS and kind not in EVENTS:
        raise ProtocolError(f"unknown message kind {kind!r}")
    payload = {"v": PROTOCOL_VERSION, "kind": kind, "job_id": job_id, "data": data}
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")) + "\n"


def decode(line: str | bytes) -> Message:
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    try:
        payload = json.loads(line)
    except json.JSONDecodeError as error:
        raise ProtocolError(f"not JSON: {line[:80]!r} ({error})") from None
    if not isinstance(payload, dict):
        raise ProtocolError(f"not a message object: {line[:80]!r}")
    if payload.get("v") != PROTOCOL_VERSION:
        raise ProtocolError(
            f"protocol version {payload.get('v')!r} received, {PROTOCOL_VERSION} expected: "
            "the worker and the extension come from different Storyloom versions"
        )
    kind = payload.get("kind")
    if kind not in REQUESTS and kind not in EVENTS:
        raise ProtocolError(f"unknown message kind {kind!r}")
    data = payload.get("data") or {}
    if not isinstance(data, dict):
        raise ProtocolError("message data must be an object")
    return Message(kind=kind, job_id=str(payload.get("job_id") or ""), data=data)

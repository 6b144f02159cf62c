"""What the benchmarks share: a long-lived reference process, and spreads rather than one number."""

from __future__ import annotations

import json
import statistics
import subprocess
from pathlib import Path

MARK = "@@"  # result lines of a reference process start with this; anything else it prints is noise


class Reference:
    """A process in the runtime Python that does the reference work on request.

    ``script`` prints ``@@ {json}`` once ready, then answers each line it reads on stdin with one
    ``@@ {json}`` line. It stays up between requests, so its runs can be interleaved with
    Storyloom's (A/B/A/B) instead of all running first.
    """

    def __init__(self, python: str, script: str, args: list[str], env: dict, log: Path):
        self._log = open(log, "w")
        self.process = subprocess.Popen(
            [python, "-c", script, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=env,
        )
        self.ready = self._answer()

    def _answer(self) -> dict:
        for line in self.process.stdout:
            if line.startswith(MARK):
                return json.loads(line[len(MARK) :])
        raise RuntimeError(f"the reference process ended: see {self._log.name}")

    def ask(self, request: str) -> dict:
        self.process.stdin.write(request + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self._log.close()


def spread(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def spread_text(values: list[float], scale: float = 1.0, digits: int = 4) -> str:
    low, mid, high = (value * scale for value in spread(values))
    return f"{low:.{digits}f} / {mid:.{digits}f} / {high:.{digits}f}"

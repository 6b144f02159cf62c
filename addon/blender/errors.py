"""Errors whose message is written for the artist: reported as-is, never as a traceback."""

from ..core.models import ModelError
from ..core.paths import StoryloomPathError
from ..core.plan import PlanError
from ..core.presets import UnknownPreset
from ..core.runtime_probe import RuntimePythonError
from ..core.validation import BadInput
from ..runtime.client import WorkerStartError

USER_ERRORS = (
    BadInput,
    ModelError,
    StoryloomPathError,
    RuntimePythonError,
    WorkerStartError,
    PlanError,
    UnknownPreset,
)

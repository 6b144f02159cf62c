"""Download a model's safetensors weights from the hub, with progress on the job channel."""

from __future__ import annotations

from pathlib import Path

from ...core.models import ModelError, ModelSpec, hub_cache_dir
from . import JobCancelled, JobContext

# Only what a diffusers/transformers folder needs; pickle weights are never fetched.
ALLOW_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken", "*.md"]


def download(job: dict, ctx: JobContext) -> dict:
    spec = ModelSpec(**job["spec"])
    if not job.get("allow_online"):
        raise ModelError(
            f"Cannot download '{spec.id}': online access is off. Turn on Preferences > System > "
            "Network > Allow Online Access first.",
            kind="bad_input",
        )
    if spec.is_local:
        raise ModelError(
            f"'{spec.id}' is a local folder ({spec.source}); there is nothing to download.", kind="bad_input"
        )
    from huggingface_hub import snapshot_download
    from tqdm.auto import tqdm

    class _Progress(tqdm):
        """tqdm that reports bytes through the job channel and honours cancel."""

        def update(self, n=1):
            super().update(n)
            if self.unit == "B" and self.total:
                ctx.progress(int(self.n), int(self.total))
            if ctx.cancelled.is_set():
                raise JobCancelled

    folder = snapshot_download(
        spec.source,
        cache_dir=hub_cache_dir(Path(job["models_folder"])),
        allow_patterns=ALLOW_PATTERNS,
        tqdm_class=_Progress,
    )
    return {"folder": str(folder)}

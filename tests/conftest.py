"""Shared test settings: never touch the network or a real user's Blender config."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")

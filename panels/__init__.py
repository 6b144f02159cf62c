"""Blender panels and menus."""

from ..addon.registration import register_modules_factory
from . import lip_sync, sequencer, view3d

register, unregister = register_modules_factory((view3d, sequencer, lip_sync))

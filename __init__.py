"""Storyloom: a generative media pipeline inside Blender. Registration only."""

from . import operators, panels
from .addon import cli, handlers, prefs, props
from .addon.registration import register_modules_factory

# Order matters: preferences and properties before the classes that read them.
register, unregister = register_modules_factory((prefs, props, operators, panels, handlers, cli))

"""Storyloom: a generative media pipeline inside Blender. Registration only."""

from . import operators, panels
from .addon import cli, handlers, prefs, props
from .addon.blender import worker_session
from .addon.registration import register_modules_factory

# Order matters: preferences and properties before the classes that read them; the worker
# session last, so unregistering stops the worker first.
register, unregister = register_modules_factory(
    (prefs, props, operators, panels, handlers, cli, worker_session)
)

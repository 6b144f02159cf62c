"""Blender operators, one module per area."""

from ..addon.registration import register_modules_factory
from . import doctor

register, unregister = register_modules_factory((doctor,))

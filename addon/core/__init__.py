"""Pure Python: no bpy, no torch. Tested in milliseconds outside Blender."""

"""bpy adapters: read the scene and preferences, land results in Blender's data."""

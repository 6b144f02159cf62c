"""Everything of Storyloom that is not an operator or a panel.

``core`` is pure Python (no bpy, no torch); ``blender`` adapts it to Blender's data.
"""

# The add-on's own package ("bl_ext.user_default.storyloom" once installed); preferences and
# the extension user folder are keyed by it.
PACKAGE = __package__.rpartition(".")[0]

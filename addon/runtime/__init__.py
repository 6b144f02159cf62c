"""The model runtime: a worker process Blender drives, and the pieces both sides share.

Nothing here imports bpy. ``client`` and ``tracker`` are stdlib only (they run in Blender);
``worker``, ``devices`` and ``backends`` run in the runtime Python and import torch lazily.
"""

"""Tiny random-weight post models, saved as a user would place the real ones.

    python tests/tools/tiny_post_models.py MODELS_FOLDER

``interpolators/rife-4.6.safetensors``: RIFE 4.6's IFNet at tiny widths, written through the same
converter the released ``flownet.pkl`` goes through. ``upscalers/tiny-esrgan-x2.safetensors``:
an ESRGAN (Real-ESRGAN's layout) with 8 filters and one block, which spandrel recognises.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))


def main(folder: Path) -> None:
    import torch
    from safetensors.torch import save_file
    from spandrel.architectures.ESRGAN import ESRGAN

    from addon.core.post import INTERPOLATOR_FILE, UPSCALERS_FOLDER
    from addon.runtime.backends.interpolate_rife import build_ifnet, convert

    torch.manual_seed(0)
    twin = build_ifnet((16, 8, 8, 8))
    (folder / INTERPOLATOR_FILE).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        released = Path(scratch) / "flownet.pkl"
        torch.save({f"module.{key}": value for key, value in twin.state_dict().items()}, released)
        convert(str(released), str(folder / INTERPOLATOR_FILE))
    upscaler = ESRGAN(num_filters=8, num_blocks=1, scale=2)
    (folder / UPSCALERS_FOLDER).mkdir(parents=True, exist_ok=True)
    state = {key: value.contiguous() for key, value in upscaler.state_dict().items()}
    save_file(state, str(folder / UPSCALERS_FOLDER / "tiny-esrgan-x2.safetensors"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))

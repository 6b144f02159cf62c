"""A learned frame interpolator: RIFE's IFNet (version 4.6 layout), loaded from safetensors only.

RIFE (Huang et al., ECCV 2022; Practical-RIFE, MIT licence) estimates the flows from the
in-between moment to both neighbours coarse to fine in four blocks (at 1/8, 1/4, 1/2 and full
scale), each refining the last one's flows and blend mask from the images warped by them; the
picture is the two warped neighbours mixed by the final mask. The architecture is written here
so a state dict converted from the released ``flownet.pkl`` (:func:`convert`) loads strictly;
block widths are read from the weights, so a tiny random twin loads the same way.

The released weights are a pickle: they are converted once, offline (``python -m
addon.runtime.backends.interpolate_rife convert flownet.pkl rife46.safetensors``, a tensors-only
unpickler), and Storyloom itself only ever opens the safetensors file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ...core.models import check_safetensors_file
from ...core.validation import BadInput

BLOCKS = 4
SCALES = (8, 4, 2, 1)
PAD_MULTIPLE = 32  # two stride-2 convs at 1/8 scale: sides must divide by 32
DROPPED_PREFIXES = ("teacher.", "caltime.", "encode.")  # later releases' extras, unused by 4.6


CONVERT_HINT = (
    "Convert the released flownet.pkl once with `python -m addon.runtime.backends.interpolate_rife "
    "convert flownet.pkl rife-4.6.safetensors`."
)


def build_ifnet(widths: tuple[int, ...]):
    """IFNet with the given block widths (192, 128, 96, 64 for the released 4.6)."""
    import torch
    from torch import nn
    from torch.nn import functional

    def conv(channels_in: int, channels_out: int, stride: int = 1) -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(channels_in, channels_out, 3, stride, 1), nn.LeakyReLU(0.2, True))

    class ResConv(nn.Module):
        def __init__(self, channels: int):
            super().__init__()
            self.conv = nn.Conv2d(channels, channels, 3, 1, 1)
            self.beta = nn.Parameter(torch.ones((1, channels, 1, 1)))
            self.relu = nn.LeakyReLU(0.2, True)

        def forward(self, x):
            return self.relu(self.conv(x) * self.beta + x)

    class IFBlock(nn.Module):
        """Flows (4 channels: to img0, to img1) and a mask at 1/``scale``, back at full size."""

        def __init__(self, channels_in: int, width: int):
            super().__init__()
            self.conv0 = nn.Sequential(conv(channels_in, width // 2, 2), conv(width // 2, width, 2))
            self.convblock = nn.Sequential(*(ResConv(width) for _ in range(8)))
            self.lastconv = nn.Sequential(nn.ConvTranspose2d(width, 4 * 6, 4, 2, 1), nn.PixelShuffle(2))

        def forward(self, x, flow, scale: float):
            x = functional.interpolate(x, scale_factor=1 / scale, mode="bilinear", align_corners=False)
            if flow is not None:
                small = functional.interpolate(
                    flow, scale_factor=1 / scale, mode="bilinear", align_corners=False
                )
                x = torch.cat((x, small / scale), 1)
            out = self.lastconv(self.convblock(self.conv0(x)))
            out = functional.interpolate(out, scale_factor=scale, mode="bilinear", align_corners=False)
            return out[:, :4] * scale, out[:, 4:5]

    def warp(image, flow):
        """Backward warp by ``flow`` in pixels (grid_sample, border padding, corners aligned)."""
        batch, _, height, width = image.shape
        xs = (
            torch.linspace(-1.0, 1.0, width, device=image.device)
            .view(1, 1, 1, width)
            .expand(batch, 1, height, width)
        )
        ys = (
            torch.linspace(-1.0, 1.0, height, device=image.device)
            .view(1, 1, height, 1)
            .expand(batch, 1, height, width)
        )
        normalised = torch.cat((flow[:, :1] / ((width - 1) / 2), flow[:, 1:2] / ((height - 1) / 2)), 1)
        grid = (torch.cat((xs, ys), 1) + normalised).permute(0, 2, 3, 1)
        return functional.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)

    class IFNet(nn.Module):
        def __init__(self):
            super().__init__()
            for index, width in enumerate(widths):
                self.add_module(f"block{index}", IFBlock(7 if index == 0 else 12, width))

        def forward(self, img0, img1, t: float):
            time_map = torch.full_like(img0[:, :1], t)
            flow = mask = None
            warped0, warped1 = img0, img1
            for index, scale in enumerate(SCALES):
                block = getattr(self, f"block{index}")
                if flow is None:
                    flow, mask = block(torch.cat((img0, img1, time_map), 1), None, scale)
                else:
                    more_flow, more_mask = block(
                        torch.cat((warped0, warped1, time_map, mask), 1), flow, scale
                    )
                    flow, mask = flow + more_flow, mask + more_mask
                warped0, warped1 = warp(img0, flow[:, :2]), warp(img1, flow[:, 2:4])
            weight = torch.sigmoid(mask)
            return warped0 * weight + warped1 * (1 - weight)

    return IFNet()


class LearnedInterpolator:
    def __init__(self, net, device: str):
        self.net, self.device = net, device

    def between(self, a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
        import torch
        from torch.nn import functional

        height, width = a.shape[:2]
        pad_h, pad_w = -height % PAD_MULTIPLE, -width % PAD_MULTIPLE

        def tensor(picture: np.ndarray):
            x = torch.from_numpy(np.ascontiguousarray(picture)).permute(2, 0, 1)[None].to(self.device)
            return functional.pad(x, (0, pad_w, 0, pad_h), mode="replicate")

        with torch.inference_mode():
            made = self.net(tensor(a), tensor(b), float(t))[0, :, :height, :width]
        return made.clamp(0, 1).permute(1, 2, 0).float().cpu().numpy()


def load_interpolator(path: str, device: str = "cpu") -> LearnedInterpolator:
    """The IFNet in ``path`` (a .safetensors state dict), block widths read from its shapes."""
    import torch
    from safetensors.torch import load_file

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    weights = check_safetensors_file(Path(path), "interpolator", CONVERT_HINT)
    state = load_file(str(weights))
    widths = []
    for index in range(BLOCKS):
        key = f"block{index}.conv0.1.0.weight"
        if key not in state:
            raise BadInput(f"{weights.name} is not a RIFE 4.6 IFNet state dict (no {key}).")
        widths.append(int(state[key].shape[0]))
    net = build_ifnet(tuple(widths))
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise BadInput(
            f"{weights.name} does not fit RIFE 4.6's IFNet: {str(error).splitlines()[0]}"
        ) from None
    return LearnedInterpolator(net.eval().to(device), device)


def convert(pickle_path: str, output: str) -> Path:
    """The released ``flownet.pkl`` -> a safetensors state dict (offline, tensors-only unpickler)."""
    import torch
    from safetensors.torch import save_file

    from ...core.atomic import atomic_path

    state = torch.load(pickle_path, map_location="cpu", weights_only=True)
    state = {key.removeprefix("module."): value.contiguous() for key, value in state.items()}
    state = {key: value for key, value in state.items() if not key.startswith(DROPPED_PREFIXES)}
    with atomic_path(Path(output)) as temp:
        save_file(state, str(temp), metadata={"format": "pt", "architecture": "rife-4.6-ifnet"})
    return Path(output)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "convert":
        sys.exit(
            "usage: python -m addon.runtime.backends.interpolate_rife convert FLOWNET.pkl OUT.safetensors"
        )
    print(convert(sys.argv[2], sys.argv[3]))

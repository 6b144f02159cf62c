"""Probe delivered files from outside Blender (task ``probe``): what a platform's checker sees.

Video through OpenCV's FFmpeg (size, rate, frame count, codec), WAV through the loudness meter
(rate, channels, LUFS, true peak), frame folders by their first frame, pictures by their size.
"""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np

VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv"}


def _video(path: Path) -> dict:
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        fourcc = int(capture.get(cv2.CAP_PROP_FOURCC))
        return {
            "width": int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            "height": int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            "fps": round(float(capture.get(cv2.CAP_PROP_FPS)), 3),
            "frames": int(capture.get(cv2.CAP_PROP_FRAME_COUNT)),
            "codec": "".join(chr((fourcc >> 8 * i) & 0xFF) for i in range(4)).strip("\x00 "),
        }
    finally:
        capture.release()


EXR_PIXEL_TYPES = {0: "uint", 1: "half", 2: "float"}


def _exr(path: Path) -> dict:
    """Size and channels from an OpenEXR header (OpenCV reads EXR only when told to at start-up)."""
    data = path.read_bytes()[:65536]
    if data[:4] != b"\x76\x2f\x31\x01":
        return {"readable": False}
    position, record = 8, {}
    while data[position] != 0:
        name_end = data.index(b"\0", position)
        kind_end = data.index(b"\0", name_end + 1)
        name, kind = data[position:name_end].decode(), data[name_end + 1 : kind_end].decode()
        (size,) = struct.unpack_from("<i", data, kind_end + 1)
        value = data[kind_end + 5 : kind_end + 5 + size]
        if kind == "box2i" and name == "dataWindow":
            x_min, y_min, x_max, y_max = struct.unpack("<4i", value)
            record |= {"width": x_max - x_min + 1, "height": y_max - y_min + 1}
        elif kind == "chlist":
            channels, at = {}, 0
            while value[at] != 0:
                end = value.index(b"\0", at)
                channels[value[at:end].decode()] = EXR_PIXEL_TYPES.get(
                    struct.unpack_from("<i", value, end + 1)[0], "?"
                )
                at = end + 17
            record |= {
                "channels": "".join(sorted(channels, key="RGBAZ".find)),
                "dtype": sorted(set(channels.values())),
            }
        position = kind_end + 5 + size
    return record


def _picture(path: Path) -> dict:
    import cv2

    if path.suffix.lower() == ".exr":
        return _exr(path)

    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        return {"readable": False}
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    return {
        "width": pixels.shape[1],
        "height": pixels.shape[0],
        "channels": channels,
        "dtype": str(pixels.dtype),
    }


def _wav(path: Path) -> dict:
    import pyloudnorm

    from .loudness import read_wav, true_peak_db

    with wave.open(str(path), "rb") as file:
        rate, channels = file.getframerate(), file.getnchannels()
    samples, _ = read_wav(str(path))
    loud = float(pyloudnorm.Meter(rate).integrated_loudness(samples)) if len(samples) > rate // 2 else -70.0
    return {
        "rate": rate,
        "channels": channels,
        "seconds": round(len(samples) / rate, 3),
        "lufs": round(loud if np.isfinite(loud) else -70.0, 2),
        "true_peak_db": round(true_peak_db(samples), 2),
    }


def probe_file(path: Path) -> dict:
    record = {"path": str(path), "bytes": 0}
    if path.is_dir():
        frames = sorted(p for p in path.iterdir() if p.is_file())
        record |= {"kind": "frames", "frames": len(frames), "bytes": sum(p.stat().st_size for p in frames)}
        if frames:
            record |= {"format": frames[0].suffix.lstrip("."), **_picture(frames[0])}
        return record
    if not path.is_file():
        return {**record, "kind": "missing"}
    record["bytes"] = path.stat().st_size
    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return {**record, "kind": "video", **_video(path)}
    if suffix == ".wav":
        return {**record, "kind": "audio", **_wav(path)}
    if suffix in (".png", ".jpg", ".jpeg", ".exr"):
        return {**record, "kind": "picture", **_picture(path)}
    return {**record, "kind": suffix.lstrip(".") or "file"}


def probe(job: dict, ctx) -> dict:
    files = []
    for path in job["paths"]:
        try:
            files.append(probe_file(Path(path)))
        except Exception as error:  # one unreadable file is reported, never fails the film
            files.append(
                {"path": str(path), "kind": "unreadable", "error": f"{type(error).__name__}: {error}"}
            )
    return {"files": files}

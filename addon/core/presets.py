"""Delivery presets: what each platform expects (frame, rate, codecs, loudness, true peak).

A preset is a video file (``kind="video"``) or a frame sequence in a folder (``kind="frames"``:
EXR half float, scene-linear, or PNG). Loudness targets are integrated (ITU-R BS.1770); true
peak is measured 4x oversampled. Streaming platforms normalise to about -14 LUFS and ask for
-1 dBTP; EBU R128 broadcast is -23 LUFS at -1 dBTP; streaming-film specs ask -2 dBTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

from .validation import BadInput

# Lossy encoders (AAC, MP3) rebuild the waveform and can add a few tenths of a dB of true
# peak: audio bound for them is limited this much under the preset's ceiling.
LOSSY_TRUE_PEAK_MARGIN_DB = 1.0


@dataclass(frozen=True)
class DeliveryPreset:
    name: str
    label: str
    width: int
    height: int
    fps: int
    container: str  # Blender's ffmpeg.format, or the image format of a frame sequence
    codec: str  # Blender's ffmpeg.codec ("" for frame sequences)
    audio_codec: str  # Blender's ffmpeg.audio_codec
    extension: str  # ".mp4", ".mov", or "" for a folder of frames
    lufs: float  # integrated loudness target of the delivered audio
    true_peak: float = -1.0  # dBTP ceiling of the delivered audio
    prores_profile: str = ""
    fps_base: float = 1.0  # 1.001 for the NTSC-derived rates (23.976, 29.97)
    alpha: bool = False  # an alpha channel in the file (ProRes 4444, EXR)
    kind: str = "video"  # or "frames"

    @property
    def aspect(self) -> str:
        """The frame's shape as a ratio of small whole numbers: 16:9, 9:16, 1:1, 4:5."""
        divisor = gcd(self.width, self.height)
        return f"{self.width // divisor}:{self.height // divisor}"

    @property
    def rate(self) -> float:
        return self.fps / self.fps_base

    @property
    def lossy_audio(self) -> bool:
        return self.audio_codec in ("AAC", "MP3")

    @property
    def limiter_ceiling(self) -> float:
        """Where the master is limited so the delivered (decoded) audio stays under true peak."""
        return self.true_peak - (LOSSY_TRUE_PEAK_MARGIN_DB if self.lossy_audio else 0.0)


def _h264(
    name: str, label: str, width: int, height: int, fps: int, lufs: float = -14.0, **extra
) -> DeliveryPreset:
    return DeliveryPreset(name, label, width, height, fps, "MPEG4", "H264", "AAC", ".mp4", lufs, **extra)


def _prores(name: str, label: str, fps: int, profile: str, lufs: float = -23.0, **extra) -> DeliveryPreset:
    return DeliveryPreset(
        name,
        label,
        1920,
        1080,
        fps,
        "QUICKTIME",
        "PRORES",
        "PCM",
        ".mov",
        lufs,
        prores_profile=profile,
        **extra,
    )


PRESETS: dict[str, DeliveryPreset] = {
    preset.name: preset
    for preset in (
        _h264("youtube", "YouTube 16:9 1080p24 (H.264/AAC, -14 LUFS, -1 dBTP)", 1920, 1080, 24),
        _h264("youtube_4k", "YouTube 4K UHD 16:9 2160p24 (H.264/AAC, -14 LUFS, -1 dBTP)", 3840, 2160, 24),
        _h264(
            "vertical", "Vertical 9:16 1080x1920 30 fps for Reels/Shorts/TikTok (-14 LUFS)", 1080, 1920, 30
        ),
        _h264("vertical_60", "Vertical 9:16 1080x1920 60 fps (-14 LUFS, -1 dBTP)", 1080, 1920, 60),
        _h264("square", "Square 1:1 1080x1080 30 fps for feeds (-14 LUFS, -1 dBTP)", 1080, 1080, 30),
        _h264("portrait", "Portrait 4:5 1080x1350 30 fps for Instagram feed (-14 LUFS)", 1080, 1350, 30),
        _h264(
            "film_23976",
            "Streaming film 23.976 fps 1080p (H.264/AAC, -24 LUFS, -2 dBTP)",
            1920,
            1080,
            24,
            lufs=-24.0,
            true_peak=-2.0,
            fps_base=1.001,
        ),
        _prores(
            "prores", "ProRes 422 HQ MOV mezzanine, broadcast loudness (-23 LUFS, -1 dBTP)", 24, "422_HQ"
        ),
        _prores(
            "broadcast_hd", "Broadcast HD 1080p25 ProRes 422 HQ, EBU R128 (-23 LUFS, -1 dBTP)", 25, "422_HQ"
        ),
        _prores("prores_4444", "ProRes 4444 with alpha, 1080p24 (-23 LUFS, -1 dBTP)", 24, "4444", alpha=True),
        DeliveryPreset(
            "exr",
            "OpenEXR half-float frames, scene-linear, 1080p24 (+ master WAV)",
            1920,
            1080,
            24,
            "OPEN_EXR",
            "",
            "PCM",
            "",
            -23.0,
            alpha=True,
            kind="frames",
        ),
        DeliveryPreset(
            "png",
            "PNG frames, 8-bit sRGB, 1080p24 (+ master WAV)",
            1920,
            1080,
            24,
            "PNG",
            "",
            "PCM",
            "",
            -23.0,
            kind="frames",
        ),
    )
}


class UnknownPreset(BadInput):
    pass


def get_preset(name: str) -> DeliveryPreset:
    try:
        return PRESETS[name]
    except KeyError:
        raise UnknownPreset(
            f"Unknown delivery preset '{name}'. Choose one of: {', '.join(PRESETS)}."
        ) from None

"""Delivery presets: what each platform expects (frame, codecs, loudness)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveryPreset:
    name: str
    label: str
    width: int
    height: int
    fps: int
    container: str  # Blender's ffmpeg.format
    codec: str  # Blender's ffmpeg.codec
    audio_codec: str  # Blender's ffmpeg.audio_codec
    extension: str
    lufs: float  # integrated loudness target of the delivered audio
    prores_profile: str = ""

    @property
    def aspect(self) -> str:
        return "16:9" if self.width > self.height else "9:16"


PRESETS: dict[str, DeliveryPreset] = {
    preset.name: preset
    for preset in (
        DeliveryPreset(
            "youtube",
            "YouTube 16:9 1080p (H.264/AAC, -14 LUFS)",
            1920,
            1080,
            24,
            "MPEG4",
            "H264",
            "AAC",
            ".mp4",
            -14.0,
        ),
        DeliveryPreset(
            "vertical",
            "Vertical 9:16 1080x1920 for Reels/Shorts/TikTok (H.264/AAC, -14 LUFS)",
            1080,
            1920,
            30,
            "MPEG4",
            "H264",
            "AAC",
            ".mp4",
            -14.0,
        ),
        DeliveryPreset(
            "prores",
            "ProRes 422 HQ MOV mezzanine, broadcast loudness (-23 LUFS)",
            1920,
            1080,
            24,
            "QUICKTIME",
            "PRORES",
            "PCM",
            ".mov",
            -23.0,
            prores_profile="422_HQ",
        ),
    )
}


class UnknownPreset(ValueError):
    pass


def get_preset(name: str) -> DeliveryPreset:
    try:
        return PRESETS[name]
    except KeyError:
        raise UnknownPreset(
            f"Unknown delivery preset '{name}'. Choose one of: {', '.join(PRESETS)}."
        ) from None

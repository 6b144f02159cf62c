"""The command line: ``blender -b -c storyloom <command> ...``.

The same ``main`` runs from a venv that has the bpy module, without a ``blender`` executable:
``python -m addon.cli <command> ...`` (see ``module_entry``).
"""

from __future__ import annotations

import argparse
import sys

import bpy

from .core.captions import CAPTION_MODES
from .core.post import ASPECT_FITS, FPS_FITS
from .core.presets import PRESETS
from .core.staging import ENGINES, PREVIZ

PROG = "blender -c storyloom"
CLI_COMMAND_ID = "storyloom"

_cli_handle = None


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as a return code instead of exiting Blender."""

    def exit(self, status: int = 0, message: str | None = None):
        if message:
            print(message, file=sys.stderr, end="" if message.endswith("\n") else "\n")
        raise _ParserExit(status)


class _ParserExit(Exception):
    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Storyloom: a generative media pipeline inside Blender.",
    )
    parser.add_argument(
        "--blend",
        metavar="FILE",
        help="open this .blend first (the media folder is resolved relative to it)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    doctor = commands.add_parser(
        "doctor",
        help="print Blender, paths, online access, runtime Python, model packages and device",
        description="Check that Storyloom can run here and say what to fix if not.",
    )
    doctor.add_argument(
        "--no-probe",
        action="store_true",
        help="skip starting the runtime Python (fast; package and device lines are omitted)",
    )
    film = commands.add_parser(
        "film",
        help="brief to film: plan, previz, voice, music, edit, grade, master, render",
        description="Build a film from a brief with the zero-download backends and deliver it.",
    )
    _film_arguments(film)
    _post_arguments(film)
    install = commands.add_parser(
        "install-runtime",
        help="create the model runtime venv (what Preferences > Install Runtime does)",
        description="Create a venv for the model worker with the pinned stack, and point the "
        "preferences at it. Blender's own Python is not touched.",
    )
    install.add_argument(
        "--profile",
        choices=["previz", "models"],
        default="models",
        help="previz: storyboards, espeak voice, music, mastering (small); models: torch and the model stack",
    )
    install.add_argument(
        "--wheels", metavar="DIR", help="install only from this folder of wheels (no network)"
    )
    install.add_argument(
        "--venv", metavar="DIR", help="where to create the venv (default: the extension's folder)"
    )
    install.add_argument("--requirements", metavar="FILE", help="install this list instead of the profile's")
    install.add_argument("--check", metavar="MODULES", help="comma-separated modules the venv must import")
    return parser


def _film_arguments(film: argparse.ArgumentParser) -> None:
    """The ``film`` command's options: the brief, delivery, models, sync and staging."""
    source = film.add_mutually_exclusive_group(required=True)
    source.add_argument("--brief", help="the brief text")
    source.add_argument("--brief-file", metavar="FILE", help="read the brief from a UTF-8 text file")
    source.add_argument(
        "--plan",
        metavar="FILE",
        help="build from an exported (and edited) plan JSON; only shots whose media changed are remade",
    )
    film.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="the file to write: .mp4 (H.264 presets), .mov (ProRes presets) or a new folder (exr, png)",
    )
    film.add_argument(
        "--preset",
        help=f"the main deliverable: {', '.join(PRESETS)} (default: from the brief's words)",
    )
    film.add_argument("--title", help="the film's title (default: from the brief)")
    film.add_argument("--look", choices=["neutral", "cinematic"], help="override the style bible's grade")
    film.add_argument("--png-sequence", metavar="DIR", help="also write every frame as PNG into DIR")
    film.add_argument("--no-wav", action="store_true", help="skip the mastered WAV beside the video")
    film.add_argument(
        "--save",
        nargs="?",
        const="",
        metavar="BLEND",
        help="keep the edit as a .blend (default: beside --out); media goes beside it",
    )
    film.add_argument("--runtime-python", metavar="PYTHON", help="the worker's Python for this run")
    film.add_argument(
        "--image-model",
        metavar="ID",
        default="",
        help="paint shots with this text-to-image model (e.g. sdxl-turbo) instead of storyboards",
    )
    film.add_argument(
        "--planner",
        metavar="KIND",
        default="rules",
        help="who plans: rules, local:MODEL_ID (an LLM in the worker) or server:URL#MODEL (OpenAI API)",
    )
    film.add_argument(
        "--video-model",
        metavar="ID",
        default="",
        help="make moving shots with this text-to-video model (e.g. ltx-video) when its weights are here",
    )
    film.add_argument(
        "--captions",
        choices=CAPTION_MODES,
        default="preset",
        help="burned-in captions as the preset says (default), always, sidecars (.srt/.vtt) only, or none",
    )
    film.add_argument(
        "--sfx-model",
        metavar="ID",
        default="",
        help="make the sound cues with this text-to-audio model (e.g. stable-audio-open) when installed",
    )
    film.add_argument(
        "--stage",
        dest="previz",
        action="store_const",
        const="stage",
        default="stage",
        help="previz from a 3D blocking of the plan (the default), or the scene's own camera markers",
    )
    film.add_argument(
        "--previz",
        dest="previz",
        choices=PREVIZ,
        help="stage: 3D blocking rendered with Workbench (default); cards: flat storyboard cards",
    )
    film.add_argument(
        "--stage-frames",
        action="store_true",
        help="render every frame of the staging (real camera moves and parallax) instead of a still per shot",
    )
    film.add_argument(
        "--render-engine",
        choices=ENGINES,
        default="workbench",
        help="workbench: the clay previz look (default); scene: the scene's own engine and materials",
    )


def _post_arguments(film: argparse.ArgumentParser) -> None:
    """The ``film`` command's post and delivery options."""
    film.add_argument(
        "--fps-fit",
        choices=FPS_FITS,
        default="flow",
        help="how generated clips reach the film's frame rate: optical flow (default), blend, repeat, "
        "or model (RIFE 4.6 weights, see --interpolator)",
    )
    film.add_argument("--deflicker", action="store_true", help="even out generated clips' brightness flicker")
    film.add_argument(
        "--match-colour",
        metavar="first|FILE",
        default="off",
        help="match every shot's colour to the first shot's, or to a reference frame FILE, before the grade",
    )
    film.add_argument(
        "--no-upscale", action="store_true", help="let the VSE scale pictures smaller than the frame"
    )
    film.add_argument(
        "--upscaler", metavar="FILE", default="", help="upscale with this learned upscaler (.safetensors)"
    )
    film.add_argument(
        "--interpolator",
        metavar="FILE",
        default="",
        help="RIFE 4.6 weights (.safetensors) for --fps-fit model (default: the models folder's)",
    )
    film.add_argument(
        "--deliver",
        metavar="PRESETS",
        default="",
        help="also deliver these presets, comma-separated (e.g. square,portrait,exr), beside --out",
    )
    film.add_argument(
        "--aspect-fit",
        choices=ASPECT_FITS,
        default="pad",
        help="a deliverable of another shape: letterbox/pillarbox (default), crop to fill, or refuse",
    )
    film.add_argument("--mp3", action="store_true", help="also write the master as MP3")
    film.add_argument("--stems", action="store_true", help="also write dialogue, music and effects stems")
    film.add_argument("--no-poster", action="store_true", help="skip the poster frame and thumbnail")


def _post_request(args: argparse.Namespace) -> dict:
    from pathlib import Path

    from .blender.film_post import PostSettings

    return {
        "post": PostSettings(
            fps_fit=args.fps_fit,
            deflicker=args.deflicker,
            match_colour=args.match_colour
            if args.match_colour in ("off", "first")
            else str(Path(args.match_colour).expanduser().resolve()),
            upscale=not args.no_upscale,
            upscaler=str(Path(args.upscaler).expanduser().resolve()) if args.upscaler else "",
            interpolator=str(Path(args.interpolator).expanduser().resolve()) if args.interpolator else "",
        ),
        "deliver": [name.strip() for name in args.deliver.split(",") if name.strip()],
        "aspect_fit": args.aspect_fit,
        "mp3": args.mp3,
        "stems": args.stems,
        "poster": not args.no_poster,
    }


def _run_install_runtime(args: argparse.Namespace) -> int:
    from pathlib import Path

    options = {"profile": "full" if args.profile == "models" else "previz"}
    if args.wheels:
        options["wheelhouse"] = str(Path(args.wheels).expanduser().resolve())
    if args.venv:
        options["venv_dir"] = str(Path(args.venv).expanduser().resolve())
    if args.requirements:
        options["requirements"] = str(Path(args.requirements).expanduser().resolve())
    if args.check is not None:
        options["check_modules"] = args.check
    try:
        result = bpy.ops.storyloom.install_runtime(**options)
    except RuntimeError as error:  # the operator's ERROR report
        print(f"storyloom: error: {str(error).strip().removeprefix('Error: ')}", file=sys.stderr)
        return 1
    if result != {"FINISHED"}:
        print("storyloom: error: the runtime was not installed", file=sys.stderr)
        return 1
    from .prefs import get_preferences

    print(f"[storyloom] runtime ready: {get_preferences().runtime_python}")
    return 0


def _planner_choice(text: str):
    """``rules``, ``local:MODEL`` or ``server:URL#MODEL`` as a PlannerChoice."""
    from .blender.planning import PlannerChoice

    kind, _, rest = text.partition(":")
    if kind == "server":
        url, _, model = rest.partition("#")
        return PlannerChoice("server", model, url)
    return PlannerChoice(kind, rest, "")


def _run_film(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .blender import film, film_run
    from .blender.errors import USER_ERRORS
    from .prefs import get_preferences

    output = Path(args.out).expanduser().resolve()
    from .core import plan as plan_io

    plan = None
    if args.brief_file:
        try:
            brief = Path(args.brief_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            print(f"storyloom: error: cannot read the brief file {args.brief_file}: {error}", file=sys.stderr)
            return 1
    elif args.plan:
        try:
            plan = plan_io.load(Path(args.plan))  # the same checks as Import Plan
        except plan_io.PlanError as error:
            print(f"storyloom: error: {error}", file=sys.stderr)
            return 1
        brief = plan["brief"]
    else:
        brief = args.brief
    if args.runtime_python:
        get_preferences().runtime_python = args.runtime_python
    request = film.FilmRequest(
        plan=plan,
        brief=brief,
        output=output,
        preset=args.preset,
        title=args.title,
        look=args.look,
        wav=not args.no_wav,
        png_sequence=Path(args.png_sequence).resolve() if args.png_sequence else None,
        captions=args.captions,
        previz=args.previz,
        stage_frames=args.stage_frames,
        render_engine=args.render_engine,
        **_post_request(args),
    )
    if args.stage_frames and args.previz == "cards":
        print(
            "storyloom: error: --stage-frames renders the staging: it cannot go with --previz cards",
            file=sys.stderr,
        )
        return 2
    planner = _planner_choice(args.planner)
    try:  # before anything is written (the .blend below included)
        film_run.check_runtime(bpy.context.scene, request, args.image_model, args.video_model, planner)
    except USER_ERRORS as error:
        print(f"storyloom: error: {error}", file=sys.stderr)
        return 1
    blend = None
    if args.save is not None:
        blend = Path(args.save).expanduser().resolve() if args.save else output.with_suffix(".blend")
        if not blend.parent.is_dir():
            print(f"storyloom: error: the folder for {blend} does not exist", file=sys.stderr)
            return 1
        bpy.ops.wm.save_as_mainfile(filepath=str(blend))  # so '//' media lands beside it
    try:
        build = film_run.start_build(
            bpy.context.scene,
            request,
            image_model=args.image_model,
            video_model=args.video_model,
            planner=planner,
            sfx_model=args.sfx_model,
        )
        report = film.run_to_end(build, lambda stage, f: print(f"[storyloom] {f:4.0%} {stage}", flush=True))
    except (*USER_ERRORS, RuntimeError) as error:
        print(f"storyloom: error: {error}", file=sys.stderr)
        return 1
    finally:
        from .blender import worker_session

        worker_session.shutdown()
    if blend is not None:
        bpy.ops.wm.save_as_mainfile(filepath=str(blend))
        report.files.append(str(blend))
        if (beside := film_run.save_plan_beside_blend(report.plan)) is not None:
            report.files.append(str(beside))
    print(report.text())
    return 0


def _open_blend(path: str) -> str | None:
    """Open ``path``; return an error message or None."""
    from pathlib import Path

    file = Path(path)
    if not file.is_file():
        return f"No such .blend file: {path}"
    try:
        bpy.ops.wm.open_mainfile(filepath=str(file.resolve()), load_ui=False)
    except RuntimeError as error:
        return f"Cannot open {path}: {str(error).strip()}"
    return None


def _run_doctor(args: argparse.Namespace) -> int:
    from .blender.doctor import gather_facts
    from .core.doctor import format_report

    facts = gather_facts(probe=not args.no_probe)
    print(format_report(facts))
    return 1 if facts.problems else 0


def main(argv: list[str]) -> int:
    """Entry point for ``blender -c storyloom``: returns the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _ParserExit as done:
        return done.status
    if args.blend and (error := _open_blend(args.blend)):
        print(f"storyloom: error: {error}", file=sys.stderr)
        return 1
    if args.command == "doctor":
        return _run_doctor(args)
    if args.command == "film":
        return _run_film(args)
    if args.command == "install-runtime":
        return _run_install_runtime(args)
    parser.print_help()
    return 2


def register() -> None:
    global _cli_handle
    _cli_handle = bpy.utils.register_cli_command(CLI_COMMAND_ID, main)


def unregister() -> None:
    global _cli_handle
    bpy.utils.unregister_cli_command(_cli_handle)
    _cli_handle = None


if __name__ == "__main__":
    from .module_entry import run

    sys.exit(run(sys.argv[1:]))

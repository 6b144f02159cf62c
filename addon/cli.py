"""The command line: ``blender -b -c storyloom <command> ...``.

The same ``main`` runs from a venv that has the bpy module, without a ``blender`` executable:
``python -m addon.cli <command> ...`` (see ``module_entry``).
"""

from __future__ import annotations

import argparse
import sys

import bpy

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
    return parser


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

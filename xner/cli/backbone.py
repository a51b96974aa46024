"""`xner backbone`: the registered encoders, and building the offline ones."""

from __future__ import annotations

from typing import Annotated

import typer

from xner.cli.common import print_table, say

backbone_app = typer.Typer(no_args_is_help=True, help="Encoders: list them, build offline ones.")


@backbone_app.command("list")
def backbone_list() -> None:
    """Registered backbones (any local path or hub id works too)."""
    from xner.backbones.registry import BACKBONES

    rows = [spec.describe() for spec in BACKBONES.values()]
    print_table("Backbones", rows)


@backbone_app.command("build")
def backbone_build(
    name: Annotated[str, typer.Argument(help="An offline backbone, e.g. multilingual-e5-small.")],
    force: Annotated[bool, typer.Option(help="Rebuild even if a valid build is cached.")] = False,
) -> None:
    """Build and cache an offline backbone; prints where and how long it took."""
    from xner.backbones.api import build_backbone

    result = build_backbone(name, force=force)
    verb = "built" if result.built else "already cached at"
    say(f"{name}: {verb} {result.path} ({result.seconds:.1f} s)")


def register(app: typer.Typer) -> None:
    """Add the `backbone` group to the root command."""
    app.add_typer(backbone_app, name="backbone")

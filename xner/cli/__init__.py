"""The `xner` command: a root typer app and one module per command group, each a thin
wrapper over the package's functions.

Groups register themselves in the order `xner --help` lists them; a user error
(`XnerError`) ends the command with one clear line and exit status 2, not a traceback.
"""

from __future__ import annotations

import sys

import typer

from xner.cli import backbone, data, evaluate, findings, grid, pairs, perturb, train
from xner.cli.common import print_error
from xner.errors import XnerError

app = typer.Typer(
    no_args_is_help=True,
    help="Cross-lingual NER transfer and robustness (HRL→LRL pairs, perturbations, F1).",
)
for _group in (data, backbone, pairs, train, evaluate, findings, grid, perturb):
    _group.register(app)
del _group


def main() -> None:
    """Entry point: user errors print one clear line, not a traceback."""
    try:
        app()
    except XnerError as error:
        print_error(error)
        sys.exit(2)

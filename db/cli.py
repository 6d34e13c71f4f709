"""The ``xiangmu`` command: extraction commands plus the registry's.

Each command group lives in its own module and registers itself on the shared
Typer app when imported; this module only wires them together.
"""

from __future__ import annotations

import importlib

from extract.cli import app

#: Modules that add commands to ``app`` (import order = help order).
COMMAND_MODULES = [
    "db.commands",  # ingest, projects, project, facts, articles, search, merge, split, alias
    "db.report_commands",  # report, serve, check
    "extract.train",  # train
    "extract.bench_cli",  # bench (needs the bench extra for the comparisons)
]

for _name in COMMAND_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as _exc:  # a group not built (or not installed) yet
        if _exc.name != _name:
            raise


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

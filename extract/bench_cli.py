"""``xiangmu bench``: run the benchmarks in ``benchmarks/bench.py``.

Optional command: registered on the shared Typer app when :mod:`db.cli` imports
this module (``"extract.bench_cli"`` in ``COMMAND_MODULES``). The benchmark
script lives in the source tree, not in the installed package, so the command
works from a checkout (``pip install -e .``); elsewhere it says where to get it.
Every option of the script passes through: ``xiangmu bench --quick --sections extract``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .cli import app, err

#: The checkout this package was installed from (editable install).
REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_SCRIPT = REPO_ROOT / "benchmarks" / "bench.py"


@app.command(
    "bench",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    help="性能基准：抽取吞吐量（对照 jieba、JioNLP）、入库速度与内存、查询延迟、并行。"
    "其余选项原样传给 benchmarks/bench.py（如 --sections extract,scale --profile -n 5000）。",
)
def bench(
    ctx: typer.Context,
    quick: bool = typer.Option(False, "--quick", help="小规模快速运行（几分钟）"),
) -> None:
    if not BENCH_SCRIPT.exists():
        err.print(f"[red]找不到基准脚本 {BENCH_SCRIPT}[/red]：请在源代码目录中以 pip install -e . 安装后运行。")
        raise typer.Exit(2)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from benchmarks.bench import main as bench_main

    argv = (["--quick"] if quick else []) + list(ctx.args)
    raise typer.Exit(bench_main(argv))

"""Benchmark ``brouncker relate SEARCH_ID …``: the equivalence graph of the classical collection
and the project's own searches, with the known fields' trajectories.

Runs the searches quickstart, unsupervised-deg2 (identify mode), zeta3-fr and zeta2-fr and
imports searches/classical-formulas.csv into one SQLite file (``--db``: reuse one; searches
already done there are found by their spec and not run again), then relates all of them in
a fresh copy of that file for each worker count (``brouncker relate … --workers N --json``,
a fresh process, Ray's start-up included). Prints a table (formulas, candidate pairs, pairs
tried, certified edges, classes, formulas related to another, formulas unified with a field,
seconds per worker count) and, for the classical collection, which formulas ended in which
class and with which field.

    python scripts/bench_relate.py [--db PATH] [--workers 1,2] [--search-workers 2] [--fields pi,zeta3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
SEARCHES = ("quickstart", "unsupervised-deg2", "zeta3-fr", "zeta2-fr")
COLLECTION = ROOT / "searches" / "classical-formulas.csv"


def brouncker(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "brouncker", *args, "--json"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"brouncker {' '.join(args[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def prepare(db: Path, workers: int, say: Console, searches: tuple[str, ...] = SEARCHES) -> list[int]:
    """The searches and the import in ``db`` (run or resumed as needed); their ids."""
    from brouncker.search.runner import run_search
    from brouncker.search.spec import parse_spec
    from brouncker.store import open_store

    ids = []
    with open_store(f"sqlite:///{db}") as store:
        for name in searches:
            spec = parse_spec(tomllib.loads((ROOT / "searches" / f"{name}.toml").read_text()), name)
            started = time.perf_counter()
            report = run_search(store, spec, workers=workers, progress=False)
            say.print(f"search {name}: {len(report.findings):,} conjectures ({time.perf_counter() - started:.1f} s)")
            ids.append(report.search_id)
    report = brouncker("import", str(COLLECTION), "--db", f"sqlite:///{db}", "--workers", "0")
    say.print(f"import: {report['formulas']} formulas")
    return [*ids, int(report["search_id"])]


def relate(db: Path, ids: list[int], workers: int, fields: str | None, directory: Path) -> tuple[float, dict]:
    copy = directory / f"relate-{workers}-{time.monotonic_ns()}.db"
    shutil.copyfile(db, copy)
    extra = ["--fields", fields] if fields is not None else []
    started = time.perf_counter()
    graph = brouncker("relate", *map(str, ids), "--db", f"sqlite:///{copy}", "--workers", str(workers), *extra)
    return time.perf_counter() - started, graph


def classical_table(graph: dict, db: Path, import_id: int) -> Table:
    """Each formula of the classical collection: its class (numbered as in the JSON) and fields."""
    from brouncker.store import open_store

    where = {m: i for i, c in enumerate(graph["classes"]) for m in c["members"]}
    table = Table(title="classical collection: classes and fields")
    for column in ("id", "a", "b", "claim", "class", "class size", "fields"):
        table.add_column(column)
    with open_store(f"sqlite:///{db}", read_only=True) as store:
        for detail in store.conjecture_details(import_id):
            row = detail.conjecture
            index = where.get(row.id)
            c = graph["classes"][index] if index is not None else {"members": [row.id], "fields": []}
            fields = "; ".join(f"{f['field']} {tuple(f['trajectory'])} from {tuple(f['start'])}" for f in c["fields"])
            table.add_row(str(row.id), row.a, row.b, str(row.expression), "-" if index is None else str(index), str(len(c["members"])),
                          fields)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="SQLite file with (or to get) the searches and the import")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--search-workers", type=int, default=2)
    parser.add_argument("--searches", default=",".join(SEARCHES), help="which of the project's searches (comma-separated)")
    parser.add_argument("--fields", default=None, help="comma-separated fields (default: every field cmf explain indexes)")
    args = parser.parse_args()
    say = Console(stderr=True)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        db = args.db or directory / "searches.db"
        searches = tuple(s for s in args.searches.split(",") if s)
        ids = prepare(db, args.search_workers, say, searches)
        results = {}
        for workers in (int(w) for w in args.workers.split(",")):
            seconds, graph = relate(db, ids, workers, args.fields, directory)
            say.print(f"relate on {workers} workers: {seconds:.1f} s")
            results[workers] = (seconds, graph)
        graph = next(iter(results.values()))[1]
        table = Table(title=f"relate {' '.join(map(str, ids))} (searches {', '.join(searches)} and the classical collection)")
        for column in ("what", "value"):
            table.add_column(column)
        rows = [
            ("formulas", graph["formulas"]), ("groups", graph["groups"]), ("field trajectories placed", graph["field_nodes"]),
            ("candidate pairs", graph["pairs"]), ("pairs tried", graph["pairs_tried"]), ("certified edges", len(graph["edges"])),
            ("classes", len(graph["classes"])),
            ("classes with more than one node", sum(1 for c in graph["classes"] if len(c["members"]) > 1 or c["fields"])),
            ("formulas related to another or a field", graph["related"]), ("formulas unified with a field", graph["unified"]),
        ]
        rows += [(f"seconds on {w} worker{'s' if w > 1 else ''}", f"{s:.1f}") for w, (s, _) in results.items()]
        for what, value in rows:
            table.add_row(what, f"{value:,}" if isinstance(value, int) else str(value))
        out = Console(width=240)
        out.print(table)
        out.print(classical_table(graph, db, ids[-1]))


if __name__ == "__main__":
    main()

"""A kind of search is one module and one line of the registry: a toy kind, all in this file,
runs through the driver; and the package imports without a cycle, lazy ones included."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import mpmath
import pytest
from pydantic import Field

from brouncker.errors import SpecError
from brouncker.pcf.canonical import canonical
from brouncker.pcf.fraction import PCF
from brouncker.pcf.value import pcf_limit
from brouncker.records import ConjectureKind, ConjectureRecord, PCFRecord
from brouncker.search.executor import SerialExecutor
from brouncker.search.kind import Kind, SearchSpec
from brouncker.search.kinds import KINDS
from brouncker.search.runner import resume_search, run_search
from brouncker.search.shards import Plan, Shard, ShardResult, split
from brouncker.search.spec import parse_spec
from brouncker.store import open_store

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "brouncker"


# --- the toy kind: the metallic means PCF(k, 1) = (k + sqrt(k^2 + 4)) / 2 --------------------------


class MetallicSpec(SearchSpec):
    """The PCFs (k, 1) for k from ``first`` to ``last``, each evaluated to ``digits`` digits."""

    kind: Literal["metallic"] = "metallic"
    first: int = Field(default=1, ge=1)
    last: int = Field(ge=1, le=1000)
    digits: int = Field(default=30, ge=10, le=1000)
    shard_size: int = Field(default=3, ge=1)


@dataclass(frozen=True, slots=True)
class MetallicTask:
    spec: MetallicSpec
    shard: Shard
    search_id: int | None


def plan_metallic(spec: MetallicSpec) -> Plan:
    items = spec.last - spec.first + 1
    return Plan("metallic", items, 1, tuple(split(items, spec.shard_size)))


def metallic_tasks(spec: MetallicSpec, shards: Sequence[Shard], search_id: int | None) -> list[MetallicTask]:
    return [MetallicTask(spec, shard, search_id) for shard in shards]


def run_metallic(task: MetallicTask) -> ShardResult:
    pcfs, conjectures = [], []
    for k in range(task.spec.first + task.shard.start, task.spec.first + task.shard.stop):
        pcf = PCF((k,), (1,))
        key = canonical(pcf).key
        limit = pcf_limit(pcf.a, pcf.b, task.spec.digits + 5)
        with mpmath.workdps(task.spec.digits + 5):
            text = mpmath.nstr(limit.value, task.spec.digits, strip_zeros=False)
        pcfs.append(PCFRecord(key, pcf.a, pcf.b, task.search_id))
        conjectures.append(ConjectureRecord.of_value(ConjectureKind.PCF, None, text, task.spec.digits, canonical_key=key,
                                                     a=pcf.a, b=pcf.b, search_id=task.search_id))
    return ShardResult(task.shard, tuple(pcfs), (), tuple(conjectures), {"pcfs": len(pcfs)})


METALLIC: Kind[MetallicSpec, MetallicTask] = Kind(
    name="metallic", spec_model=MetallicSpec, unit="PCFs", count_keys=("pcfs",), summary=(("pcfs", "PCFs"),),
    plan=plan_metallic, tasks=metallic_tasks, work=run_metallic,
)


@pytest.fixture
def metallic(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The toy kind in the registry, for one test: its one line."""
    monkeypatch.setitem(KINDS, METALLIC.name, METALLIC)
    yield


def test_a_toy_kind_runs_through_the_driver_and_its_limits_are_the_metallic_means(metallic: None) -> None:
    spec = parse_spec({"kind": "metallic", "name": "metallic means", "last": 7})
    assert isinstance(spec, MetallicSpec)
    with open_store("sqlite://") as store:
        report = run_search(store, spec, executor=SerialExecutor(), progress=False)
        assert report.status == "done" and report.kind == "metallic" and report.counters["pcfs"] == 7
        assert report.shards == {"done": 3}  # 3 + 3 + 1 items
        rows = store.query(search=report.search_id, sort="id")
        assert len(rows) == 7 and all(r.candidate for r in rows)
        for row in rows:
            k = int(row.a)
            with mpmath.workdps(40):
                mean = (k + mpmath.sqrt(k * k + 4)) / 2
                assert abs(mpmath.mpf(row.limit) - mean) < mpmath.mpf(10) ** -28, k
        again = resume_search(store, report.search_id, executor=SerialExecutor(), progress=False)  # nothing is left
        assert again.written == {"pcfs": 0, "metrics": 0, "conjectures": 0} and again.counters["pcfs"] == 7


def test_a_kind_outside_the_registry_is_refused_in_one_line() -> None:
    with pytest.raises(SpecError, match="'metallic' is not a kind of search; known: pcf, esma, cmf, import"):
        parse_spec({"kind": "metallic", "name": "m", "last": 3})


def test_the_toy_kinds_spec_errors_name_the_key(metallic: None) -> None:
    with pytest.raises(SpecError, match=r"^m.toml: bad value for 'last': Input should be less than or equal to 1000"):
        parse_spec({"kind": "metallic", "name": "m", "last": 5000}, "m.toml")
    with pytest.raises(SpecError, match=r"^m.toml: unknown key 'lats'"):
        parse_spec({"kind": "metallic", "name": "m", "lats": 5}, "m.toml")


# --- no import cycle -------------------------------------------------------------------------


def _imports(path: Path, package: str) -> set[str]:
    """The brouncker modules a module imports, at any depth of its code (lazy imports
    included; imports under ``if TYPE_CHECKING:`` left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
               for body in node.body for n in ast.walk(body)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("brouncker"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("brouncker"))
    return found


def _package_graph() -> dict[str, set[str]]:
    """The import graph among the modules of ``brouncker``."""
    modules: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = [*path.relative_to(PACKAGE.parent).with_suffix("").parts]
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        graph[name] = {m for m in _imports(path, package) if m in modules and m != name}
    return graph


def test_the_package_has_no_import_cycle_lazy_imports_included() -> None:
    graph = _package_graph()
    assert {"brouncker.search.kinds", "brouncker.search.kinds.pcf", "brouncker.search.spec"} <= set(graph)
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] if nxt in path else path
                raise AssertionError("import cycle: " + " -> ".join([*cycle, nxt]))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    kinds = [m for m in graph if m.startswith("brouncker.search.kinds.")]
    assert all("brouncker.search.kinds" not in graph[m] and "brouncker.search.spec" not in graph[m] for m in kinds), \
        "a kind imports the registry or the spec reader"


@pytest.mark.parametrize("module", ["pcf", "esma", "cmf", "imports", "relate"])
def test_each_kind_module_imports_alone(module: str) -> None:
    """A fresh interpreter imports one kind's module first, and finds it registered."""
    code = f"import brouncker.search.kinds.{module} as m; from brouncker.search.kinds import KINDS; assert KINDS[m.KIND.name] is m.KIND"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]

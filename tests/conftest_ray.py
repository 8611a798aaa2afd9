"""The Ray fixture (a pytest plugin: ``pytest_plugins = ["tests.conftest_ray"]``).

One private Ray instance for the whole session: starting Ray takes seconds, so every Ray
test shares it. ``ray.init(address="local")`` starts a fresh instance on free ports and
never joins a cluster left over in ``/tmp/ray`` (a plain ``ray.init()`` would, even a dead
one). Executors built
while it runs reuse it and leave it running.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def ray_local() -> Iterator[object]:
    """A running local Ray instance with 2 CPUs, shut down at the end of the session."""
    ray = pytest.importorskip("ray")
    if ray.is_initialized():  # someone else owns it: use it, leave it alone
        yield ray
        return
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()

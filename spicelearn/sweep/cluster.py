"""The Dask cluster a sweep runs on: a local one, or an existing one by its scheduler.

Local: a ``LocalCluster`` of N worker processes with one thread each
(``processes=True, threads_per_worker=1``), so each worker process runs one
ngspice at a time; its scheduler hands a worker its next cell only when the
worker is free (worker saturation 1.0), so no cell waits behind a long one;
a cell whose worker process dies is tried once more (on a fresh worker), then
fails. Dask's own log messages are silenced (failures are reported per cell).
Its HTTP server takes a free port; its address is shown as the dashboard only
when bokeh is installed (without bokeh it serves no dashboard).

Existing: ``--scheduler ADDRESS``; a scheduler that does not answer within
:data:`CONNECT_TIMEOUT` seconds is a :class:`SweepError`. The workers of an
existing cluster must run this spicelearn and see the sweep's output folder at
the same path (a shared file system).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import SweepError

CONNECT_TIMEOUT = 10
"""Seconds to wait for a scheduler given with ``--scheduler``."""


def default_workers() -> int:
    """Worker processes of a local cluster by default: the CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Cluster:
    """A connected cluster: its client, a description and the dashboard (None if none)."""

    client: Any
    description: str
    dashboard: str | None
    workers: int
    local: bool


@contextlib.contextmanager
def open_cluster(scheduler: str | None, workers: int | None) -> Iterator[Cluster]:
    """Connect to ``scheduler``, or start a local cluster of ``workers`` processes.

    Raises:
        SweepError: the scheduler address is malformed or does not answer in time.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise SweepError(f"no Dask scheduler answers at {scheduler} within "
                               f"{CONNECT_TIMEOUT} s ({exc})") from None
        except (ValueError, TypeError) as exc:
            raise SweepError(f"cannot use Dask scheduler address {scheduler!r}: {exc}") \
                from None
        try:
            info = client.scheduler_info()
            link = client.dashboard_link if "dashboard" in info.get("services", {}) else None
            n = len(info.get("workers", {}))
            yield Cluster(client, f"the Dask cluster at {scheduler} ({n} workers now)", link,
                          n, local=False)
        finally:
            client.close()
        return
    n = workers or default_workers()
    bokeh = importlib.util.find_spec("bokeh") is not None
    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0,
                          "distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.CRITICAL)
    try:
        client = Client(cluster, set_as_default=False)
        try:
            link = client.dashboard_link if bokeh else None
            yield Cluster(client, f"a local Dask cluster of {n} worker process"
                          f"{'es' if n > 1 else ''} (1 thread each)", link, n, local=True)
        finally:
            client.close()
    finally:
        cluster.close()


def count_running(client: Any, keys: set[str]) -> int:
    """How many of the tasks ``keys`` run now (at most one per worker thread)."""
    try:
        held = {str(k) for ks in client.processing().values() for k in ks}
        threads = sum(w.get("nthreads", 1)
                      for w in client.scheduler_info().get("workers", {}).values())
    except (OSError, TimeoutError):
        return 0
    return min(len(held & keys), threads)

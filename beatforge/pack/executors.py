"""Where jobs run: in this process, in a local process pool, or on a dask.distributed cluster.

Every executor has one method, ``run(jobs, on_start, on_done)``: it calls
``on_start(job)`` when a job is handed to a worker and ``on_done(job, result,
error)`` in this process when it finishes (``error`` is the exception, or None).
At most as many jobs are handed out as there are workers, so "started" really
means "running" and the progress display can show the current variants.

Ctrl-C (KeyboardInterrupt) stops handing out jobs, lets the running ones finish
(each writes its files atomically, so they are recorded and a re-run skips them),
then re-raises.  Workers ignore SIGINT themselves so that only this process decides.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from .jobs import run_job

ENGINES = ("local", "dask")


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class InlineExecutor:
    """Runs jobs one after another in this process (debugging, tiny packs)."""

    name = "inline"

    def run(self, jobs, on_start, on_done):
        for job in jobs:
            on_start(job)
            try:
                result = run_job(job)
            except Exception as exc:  # reported per variant by the caller
                on_done(job, None, exc)
            else:
                on_done(job, result, None)


def _ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalExecutor:
    """A process pool (forkserver: workers start from a clean, preloaded interpreter)."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or default_workers())

    def run(self, jobs, on_start, on_done):
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if ctx.get_start_method() == "forkserver":
            ctx.set_forkserver_preload(["beatforge.pack.jobs"])
        pending = deque(jobs)
        inflight = {}
        with ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_ignore_sigint) as pool:
            try:
                while pending or inflight:
                    while pending and len(inflight) < self.workers:
                        job = pending.popleft()
                        try:
                            fut = pool.submit(run_job, job)
                        except BrokenProcessPool as exc:  # a worker died (killed, out of memory)
                            for lost in [job, *pending]:
                                on_done(lost, None, exc)
                            pending.clear()
                            break
                        inflight[fut] = job
                        on_start(job)
                    done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                    for fut in done:
                        _finish(inflight.pop(fut), fut, on_done)
            except KeyboardInterrupt:
                pending.clear()
                # Let the running variants finish; their results are still recorded.
                for fut in list(inflight):
                    try:
                        wait([fut])
                    except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
                        break
                    _finish(inflight.pop(fut), fut, on_done)
                # Nothing is running now unless a second Ctrl-C cut the wait short: stop the
                # workers (what they were writing stays under a temporary name, swept later).
                procs = list((getattr(pool, "_processes", None) or {}).values())
                pool.shutdown(wait=False, cancel_futures=True)
                for proc in procs:
                    proc.terminate()
                raise


def _finish(job, fut, on_done):
    exc = fut.exception()
    on_done(job, None if exc else fut.result(), exc)


class DaskExecutor:
    """dask.distributed: an existing scheduler (``tcp://host:8786``) or a LocalCluster.

    Jobs carry paths, so every worker must see the manifest's files and the output folder
    at the same paths (a shared filesystem) and run the same beatforge version.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None, processes: bool = True):
        self.scheduler = scheduler
        self.workers = max(1, workers or default_workers())
        self.processes = processes
        self._client = None

    def connect(self, timeout: str = "10s"):
        """Reach the scheduler now, when one is given (so an unreachable one is a one-line error
        before anything is written, not a traceback after the connect timeout)."""
        if not self.scheduler or self._client is not None:
            return
        try:
            from dask.distributed import Client
        except ImportError:
            from ..errors import BeatforgeError
            raise BeatforgeError("--engine dask needs dask.distributed: pip install 'beatforge[dask]'") from None
        try:
            self._client = Client(self.scheduler, timeout=timeout)
        except (OSError, TimeoutError, ValueError, TypeError) as e:
            from ..errors import BeatforgeError
            raise BeatforgeError(f"cannot reach the Dask scheduler at {self.scheduler}: "
                                 f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None

    def run(self, jobs, on_start, on_done):
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError:
            from ..errors import BeatforgeError
            raise BeatforgeError("--engine dask needs dask.distributed: pip install 'beatforge[dask]'") from None

        cluster = None
        if self.scheduler:
            self.connect()
            client, self._client = self._client, None
        else:
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=self.processes,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
        try:
            slots = max(1, sum(client.nthreads().values()))
            pending = deque(jobs)
            inflight = {}
            ac = as_completed()

            def submit():
                while pending and len(inflight) < slots:
                    job = pending.popleft()
                    fut = client.submit(run_job, job, pure=False,
                                        key=f"beatforge-pack-{job.variant.name}-{job.input_hash[:12]}")
                    inflight[fut.key] = job
                    ac.add(fut)
                    on_start(job)

            try:
                submit()
                for fut in ac:
                    job = inflight.pop(fut.key)
                    if fut.status == "error":
                        on_done(job, None, fut.exception())
                    else:
                        on_done(job, fut.result(), None)
                    submit()
            except KeyboardInterrupt:
                pending.clear()
                for fut in list(ac.futures):
                    fut.cancel()
                raise
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def make_executor(engine: str = "local", workers: int | None = None, scheduler: str | None = None,
                  dask_processes: bool = True):
    if engine == "local":
        return LocalExecutor(workers)
    if engine == "dask":
        return DaskExecutor(scheduler, workers, dask_processes)
    if engine == "inline":
        return InlineExecutor()
    raise ValueError(f"unknown engine {engine!r} (choose from local, dask)")

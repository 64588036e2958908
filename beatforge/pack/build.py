"""Build a pack: validate, plan, skip what is already done, run the rest, keep the index current."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BeatforgeError, ManifestError
from . import deliver, index
from .executors import make_executor
from .jobs import Job, beatforge_version, load_beat, make_jobs
from .manifest import PackSpec, load_manifest


@dataclass
class PackResult:
    outdir: Path
    index: dict
    rendered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)   # wall seconds per variant in its worker
    cpu: dict[str, float] = field(default_factory=dict)       # CPU seconds per variant in its worker

    @property
    def ok(self) -> bool:
        return not self.failed and self.index.get("complete", False)


def check_patterns(pack: PackSpec) -> None:
    """Load every beat's pattern once, so broken pattern files are manifest errors (before rendering)."""
    lines = []
    for beat in pack.beats:
        try:
            load_beat(beat.pattern)
        except BeatforgeError as exc:
            msg = str(exc).replace("\n", "\n    ")
            lines.append(f"{pack.path.name}: beat[{beat.index}].pattern: {msg}")
    if lines:
        err = ManifestError("\n".join(lines))
        err.errors = lines
        raise err


def plan(manifest: str | Path, outdir: str | Path) -> tuple[PackSpec, list[Job]]:
    """Validate the manifest (and the patterns it names) and list the jobs; writes nothing."""
    pack = load_manifest(manifest)
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise ManifestError(f"{outdir}: output path exists and is not a folder")
    check_patterns(pack)
    return pack, make_jobs(pack, outdir.resolve())


def build_pack(manifest: str | Path, outdir: str | Path, *, workers: int | None = None,
               engine: str = "local", scheduler: str | None = None, progress: bool = False,
               dask_processes: bool = True, console=None) -> PackResult:
    """Render every variant of ``manifest`` into ``outdir`` (see the README's "Beat packs").

    Raises ManifestError (nothing written) for an invalid manifest; variant failures are
    reported in ``result.failed`` and leave the index incomplete.  KeyboardInterrupt is
    re-raised after the running variants finished and the index was written.
    """
    t0 = time.perf_counter()
    pack, jobs = plan(manifest, outdir)
    executor = make_executor(engine, workers, scheduler, dask_processes)
    if hasattr(executor, "connect"):
        executor.connect()   # an unreachable scheduler: an error before anything is written
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    deliver.remove_temp_files(outdir)
    version = beatforge_version()
    order = [j.variant.name for j in jobs]

    # Resume: keep variants whose recorded input hash matches and whose files are all there.
    old = index.read_index(outdir) or {"variants": [], "files": []}
    old_files: dict[str, list[dict]] = {}
    for f in old.get("files", []):
        if isinstance(f, dict) and "variant" in f:
            old_files.setdefault(f["variant"], []).append(f)
    old_entries = {v.get("name"): dict(v, files=old_files.get(v.get("name"), []))
                   for v in old["variants"] if isinstance(v, dict)}
    results: dict[str, dict] = {}
    todo: list[Job] = []
    result = PackResult(outdir, {})
    for job in jobs:
        entry = old_entries.get(job.variant.name)
        if entry and entry.get("input_hash") == job.input_hash and index.entry_is_intact(outdir, entry):
            results[job.variant.name] = entry
            result.skipped.append(job.variant.name)
        else:
            todo.append(job)
    # Files of variants that left the manifest are ours (they are in our index): remove them.
    for name, entry in old_entries.items():
        if name not in order:
            _remove_files(outdir, entry["files"], keep=set())

    def save():
        result.index = index.build_index(pack, order, results, version)
        index.write_index(outdir, result.index, results)

    save()
    running: dict[str, Job] = {}
    bar = _Progress(len(jobs), len(result.skipped), progress, console)

    def on_start(job):
        running[job.variant.name] = job
        bar.update(running)

    def on_done(job, res, exc):
        name = job.variant.name
        running.pop(name, None)
        if exc is not None:
            result.failed[name] = _describe(exc)
            bar.log(f"[red]failed[/red] {name}: {result.failed[name]}")
        else:
            previous = old_entries.get(name)
            if previous:
                _remove_files(outdir, previous["files"], keep={f["path"] for f in res["files"]})
            results[name] = res
            result.rendered.append(name)
            result.timings[name] = res.get("seconds", 0.0)
            result.cpu[name] = res.get("cpu_seconds", 0.0)
            save()
        bar.advance(running)

    try:
        with bar:
            executor.run(todo, on_start, on_done)
    finally:
        deliver.remove_temp_files(outdir)
        save()
        result.seconds = round(time.perf_counter() - t0, 3)
    return result


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BeatforgeError) or type(exc).__name__ == "DeliveryError":
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _remove_files(outdir: Path, files: list[dict], keep: set[str]) -> None:
    for f in files:
        path = f.get("path") if isinstance(f, dict) else None
        if not path or path in keep or ".." in Path(path).parts:
            continue
        p = outdir / path
        with contextlib.suppress(OSError):
            p.unlink()
        for parent in (p.parent, p.parent.parent):
            if parent != outdir and outdir in parent.parents:
                with contextlib.suppress(OSError):
                    parent.rmdir()  # only when empty


class _Progress:
    """A rich progress bar: variants done / total, elapsed, ETA and the variants running now."""

    def __init__(self, total: int, done: int, enabled: bool, console=None):
        self.enabled = enabled
        self.total, self.done = total, done
        self.progress = None
        if enabled:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)
            self.progress = Progress(
                SpinnerColumn(), TextColumn("[bold]pack"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                TextColumn("{task.fields[current]}", style="dim"),
                console=console or Console(stderr=True), transient=False)
            self.task = self.progress.add_task("pack", total=total, completed=done, current="")

    def __enter__(self):
        if self.progress:
            self.progress.start()
        return self

    def __exit__(self, *exc):
        if self.progress:
            self.progress.update(self.task, current="")
            self.progress.stop()

    def _current(self, running) -> str:
        names = sorted(running)
        text = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
        return text

    def update(self, running):
        if self.progress:
            self.progress.update(self.task, current=self._current(running))

    def advance(self, running):
        if self.progress:
            self.progress.update(self.task, advance=1, current=self._current(running))

    def log(self, text: str):
        if self.progress:
            self.progress.console.print(text)

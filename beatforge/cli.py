"""The ``beatforge`` command line: a thin shell over the Python API."""

from __future__ import annotations

import os
import sys

# beatforge does no linear algebra: one BLAS thread spares every command numpy's thread pool
# start-up (about a tenth of a short render's CPU time).  A value the user set is kept, and
# worker processes (packs) inherit it.  Must run before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from . import __version__  # noqa: E402
from .errors import BeatforgeError, PatternSyntaxError  # noqa: E402


class _Group(click.Group):
    """Turns user errors into one clear message and a non-zero exit, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PatternSyntaxError as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(2)
        except BeatforgeError as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="beatforge")
def main():
    """beatforge: step sequencer and sampler.  Patterns in, beats out."""
    import warnings

    warnings.showwarning = _warn_briefly  # "warning: <message>", without Python's source line


# --- leaving -------------------------------------------------------------------------------------

_finished = False


def _done_with_everything() -> None:
    """Called by a command whose work is complete and on disk (files closed and renamed): the
    process may end without the interpreter's teardown (see :func:`run`)."""
    global _finished
    _finished = True


def run(args=None) -> None:
    """The ``beatforge`` command (the console script and ``python -m beatforge``).

    After a finished render the process ends with ``os._exit``: tearing the interpreter
    down (freeing every module, numpy's first) takes about 25 ms, more than mixing a
    3-minute beat, and a finished render has nothing left to clean up.  It still runs the
    ``atexit`` handlers (a pattern file may register some) and flushes stdout/stderr; when
    another thread is still running, or the command failed, Python exits as usual."""
    global _finished
    _finished = False
    try:
        main(args=args, prog_name="beatforge")
    except SystemExit as e:
        if _finished and e.code in (0, None):
            _exit_now()
        raise


def _exit_now() -> None:
    import atexit
    import threading

    if threading.active_count() > 1:
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return          # let the normal exit report it
    os._exit(0)


@main.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file; the format follows the extension (.wav .flac .aiff .ogg .mp3, or .mid for MIDI).")
@click.option("--kit", help="Kit name or path (overrides the beat's kit).")
@click.option("--bpm", type=click.FloatRange(20, 999), help="Tempo (overrides the beat's).")
@click.option("--bars", type=click.IntRange(1), help="Bars to render (default: the beat's length).")
@click.option("--swing", type=click.FloatRange(50, 99), help="Swing percent, 50 = straight (overrides the beat's).")
@click.option("--seed", type=int, help="Seed for every random choice (overrides the beat's).")
@click.option("--sample-rate", type=click.IntRange(8000, 384000), default=44100, show_default=True)
@click.option("--bit-depth", type=click.Choice(["16", "24", "32"]), default="24", show_default=True,
              help="16/24-bit integer, or 32-bit float.")
@click.option("--stems", "stems_dir", type=click.Path(file_okay=False), help="Also write one file per track here.")
@click.option("--tail", type=click.Choice(["cut", "keep", "wrap"]), default="cut", show_default=True,
              help="cut: exactly the bars; keep: add the decaying tail; wrap: fold the tail onto the start.")
@click.option("--straight", is_flag=True, help="MIDI output: export the grid as written (no swing, no micro-timing).")
def render(source, output, kit, bpm, bars, swing, seed, sample_rate, bit_depth, stems_dir, tail, straight=False):
    """Render SOURCE (a pattern file defining `beat` or `song`, a MIDI file or a Hydrogen song)
    to an audio file, or to a MIDI file when OUTPUT ends in .mid."""
    import warnings

    from .source import load_source

    import os

    from .io.audio import FORMATS

    ext = os.path.splitext(output)[1].lower()
    if ext not in FORMATS and ext not in (".mid", ".midi"):
        raise BeatforgeError(f"{output}: unsupported output format {ext or '(none)'!r}; "
                             f"use one of {', '.join(sorted(FORMATS))}, or .mid for MIDI")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        beat = load_source(source)
        overrides = {k: v for k, v in (("kit", kit), ("bpm", bpm), ("swing", swing), ("seed", seed)) if v is not None}
        if overrides:
            beat = beat.replace(**overrides)
        if output.lower().endswith((".mid", ".midi")):
            if stems_dir is not None:
                raise BeatforgeError(f"{output}: --stems writes audio files; a MIDI file already has one "
                                     "track per beat track (render to .wav etc. for audio stems)")
            if not hasattr(beat, "to_midi"):
                raise BeatforgeError(f"{source}: MIDI export is not available for {type(beat).__name__}")
            beat.to_midi(output, bars=bars, straight=straight)
        elif tail == "cut" and stems_dir is None and hasattr(beat, "render_file"):
            # straight to the file, block by block (same bytes, no whole-mix buffer)
            beat.render_file(output, bars=bars, sample_rate=sample_rate, bit_depth=int(bit_depth))
        else:
            beat.render(output, bars=bars, sample_rate=sample_rate, bit_depth=int(bit_depth), tail=tail,
                        stems=stems_dir)
    for w in caught:
        if issubclass(w.category, UserWarning):
            click.echo(f"warning: {w.message}", err=True)
    click.echo(f"wrote {output}", err=True)
    _done_with_everything()


@main.command()
@click.argument("pattern", required=False, type=click.Path(dir_okay=False))
@click.option("--kit", help="Kit name or path (overrides the pattern's kit).")
@click.option("--audio", type=click.Choice(["portaudio", "jack"]), default="portaudio", show_default=True,
              help="Audio host (JACK: client 'beatforge', outputs auto-connected to the system playback).")
@click.option("--midi-api", type=click.Choice(["alsa", "jack"]), default="alsa", show_default=True,
              help="MIDI API (a virtual input named 'beatforge' is always opened).")
@click.option("--midi-in", "midi_in", multiple=True, metavar="NAME",
              help="Also connect MIDI inputs whose names contain NAME (default: every hardware input).")
@click.option("--map", "pad_map", metavar="FILE", help="Pad map: a TOML file, or 'gm' / 'mpc'.")
@click.option("--buffer", type=click.IntRange(16, 8192), default=256, show_default=True,
              help="Frames per audio block (JACK uses its own period).")
@click.option("--sample-rate", type=click.IntRange(8000, 384000), default=48000, show_default=True)
@click.option("--headless", is_flag=True, help="No terminal UI: status lines on stderr.")
@click.option("--record", type=click.Path(dir_okay=False), help="Write everything played (quantized) here (.mid) at the end.")
def jam(pattern, kit, audio, midi_api, midi_in, pad_map, buffer, sample_rate, headless, record):
    """Jam live on MIDI pads over a looping PATTERN (a pattern file; default: an empty bar)."""
    from .live.app import run_jam

    sys.exit(run_jam(pattern=pattern, kit=kit, audio=audio, midi_api=midi_api, midi_in=midi_in,
                     pad_map=pad_map, buffer=buffer, sample_rate=sample_rate, headless=headless, record=record))

# --- kits -----------------------------------------------------------------------------------------

def _warn_briefly(message, category, filename, lineno, file=None, line=None):
    click.echo(f"warning: {message}", err=True)


@main.command("kits")
def kits_command():
    """List the available kits: name, pads, format and where each comes from."""
    import warnings

    from .kit.tools import list_kits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # listing is not the place for per-kit format warnings
        entries = list_kits()
    if not entries:
        click.echo("no kits found", err=True)
        return
    width = max(len(e.name) for e in entries)
    origin = max(10, *(len(e.origin) for e in entries))   # BEATFORGE_KIT_PATH is wider than the rest
    for e in entries:
        if e.error:
            click.echo(f"{e.name:{width}}   ---  {'error':9} {e.origin:{origin}} {e.path}  ({e.error})")
            continue
        note = "  (shadowed by an earlier kit of that name)" if e.shadowed else ""
        click.echo(f"{e.name:{width}}  {e.pads:4d}  {e.format:9} {e.origin:{origin}} {e.path}{note}")


@main.group("kit", cls=_Group)
def kit_group():
    """Inspect, check, import and make kits."""


@kit_group.command("show")
@click.argument("kit")
def kit_show(kit):
    """Pads, layers, MIDI notes and choke groups of KIT (a name or a path)."""
    from .kit import load_kit
    from .kit.tools import describe

    click.echo(describe(load_kit(kit)))


@kit_group.command("check")
@click.argument("kit")
def kit_check(kit):
    """Validate KIT and list every problem, one per line: missing or unreadable samples, bad
    kit.toml keys and values, velocity holes, silent or clipping samples, duplicate notes.
    Exit code 0 only when the kit is clean."""
    from .kit.tools import check_kit_at

    loaded, issues = check_kit_at(kit)
    for issue in issues:
        click.echo(issue)
    if loaded is None:
        click.echo(f"{kit}: {len(issues)} problem(s); the kit cannot be loaded", err=True)
        sys.exit(1)
    layers = sum(len(p.all_layers()) for p in loaded.pads.values())
    if issues:
        click.echo(f"{loaded.name}: {len(issues)} problem(s) in {len(loaded.pads)} pads, {layers} samples", err=True)
        sys.exit(1)
    click.echo(f"{loaded.name}: ok ({len(loaded.pads)} pads, {layers} samples)", err=True)


@kit_group.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--name", help="Install under this name (default: the kit's own name).")
@click.option("--replace", is_flag=True, help="Replace an installed kit of the same name.")
def kit_import(path, name, replace):
    """Install a Hydrogen kit (.h2drumkit or folder), an SFZ kit (.sfz file or folder) or a
    sample folder into the user kit folder.  Archives are unpacked safely; a failed import
    leaves nothing behind."""
    from .kit.tools import import_kit

    final, kit = import_kit(path, name=name, replace=replace)
    click.echo(f"installed {kit.name!r} ({len(kit.pads)} pads) in {final}", err=True)
    for problem in kit.problems:
        click.echo(f"warning: {problem}", err=True)


@kit_group.command("chop")
@click.argument("sample", type=click.Path(dir_okay=False))
@click.option("--slices", type=click.IntRange(1, 999), help="Cut into N equal slices.")
@click.option("--onsets", is_flag=True, help="Cut at the hits (onset detection).")
@click.option("--bpm", type=click.FloatRange(20, 999), help="The loop's tempo (default: guessed from its length).")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="New folder for the kit (slices, kit.toml, pattern.py).")
def kit_chop(sample, slices, onsets, bpm, out_dir):
    """Chop the loop SAMPLE into a folder kit (pads slice01, slice02 ...) with a pattern that
    replays it."""
    from .kit.chop import chop_to_kit

    if (slices is None) == (not onsets):
        raise click.UsageError("give either --slices N or --onsets")
    out = chop_to_kit(sample, out_dir, slices=slices, onsets=onsets, bpm=bpm)
    count = len(list(out.glob("slice*.wav")))
    click.echo(f"wrote {count} slices, kit.toml and pattern.py to {out}", err=True)


@main.command()
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="Output folder: one folder per variant, plus manifest.json and summary.csv.")
@click.option("--workers", type=click.IntRange(1), help="Worker processes (default: the number of cores).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: a process pool on this machine; dask: a dask.distributed cluster.")
@click.option("--scheduler", metavar="ADDR", help="Dask scheduler, e.g. tcp://host:8786 (default: a local cluster).")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a progress bar on stderr.")
@click.pass_context
def pack(ctx, manifest, outdir, workers, engine, scheduler, progress):
    """Render every variant of a beat-pack MANIFEST (TOML) into a store-ready delivery.

    Re-running resumes: variants whose outputs and input hash are unchanged are skipped.
    Exit codes: 0 done, 1 some variants failed, 2 invalid manifest (nothing written),
    130 interrupted (re-run to resume).
    """
    from .errors import ManifestError
    from .pack import build_pack
    from .pack.index import read_index

    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    try:
        result = build_pack(manifest, outdir, workers=workers, engine=engine, scheduler=scheduler,
                            progress=progress)
    except ManifestError as e:
        click.echo(str(e), err=True)
        ctx.exit(2)
    except KeyboardInterrupt:
        idx = read_index(outdir) or {}
        done = len(idx.get("variants", []))
        click.echo(f"interrupted: {done} of {idx.get('variant_count', '?')} variants done; "
                   f"run the same command again to resume", err=True)
        ctx.exit(130)
    total = result.index.get("variant_count", 0)
    click.echo(f"{total} variants ({len(result.rendered)} rendered, {len(result.skipped)} up to date) "
               f"in {result.seconds:.1f} s -> {outdir}", err=True)
    if result.failed:
        for name, message in result.failed.items():
            click.echo(f"error: {name}: {message}", err=True)
        ctx.exit(1)


@main.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--bars", type=click.IntRange(1), help="Bars to show (default: the whole beat or song).")
@click.option("--velocities", "-v", is_flag=True, help="Add a velocity lane (0-9) under each track.")
def show(source, bars, velocities):
    """Print each track of SOURCE as a step grid, bar by bar (X accent, x hit, o ghost)."""
    from .show import show_text
    from .source import load_source

    click.echo(show_text(load_source(source), bars=bars, velocities=velocities))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

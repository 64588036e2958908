"""The ``beatforge`` command line: a thin shell over the Python API."""

from __future__ import annotations

import sys

import click

from . import __version__
from .errors import BeatforgeError, PatternSyntaxError


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

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        beat = load_source(source)
        overrides = {k: v for k, v in (("kit", kit), ("bpm", bpm), ("swing", swing), ("seed", seed)) if v is not None}
        if overrides:
            beat = beat.replace(**overrides)
        if output.lower().endswith((".mid", ".midi")):
            if not hasattr(beat, "to_midi"):
                raise BeatforgeError(f"{source}: MIDI export is not available for {type(beat).__name__}")
            beat.to_midi(output, bars=bars, straight=straight)
        else:
            beat.render(output, bars=bars, sample_rate=sample_rate, bit_depth=int(bit_depth), tail=tail,
                        stems=stems_dir)
    for w in caught:
        if issubclass(w.category, UserWarning):
            click.echo(f"warning: {w.message}", err=True)
    click.echo(f"wrote {output}", err=True)



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

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Beat packs: one TOML manifest in, a complete licensing delivery out.

``build_pack(manifest, outdir)`` validates the manifest, renders every variant
(beat x kit x bpm x seed) in parallel and writes WAV/MP3/stems/MIDI, tagged
previews, waveform images, license texts, zips per tier and the index
(``manifest.json``, ``summary.csv``).  See the README section "Beat packs".
"""

from .build import PackResult, build_pack, plan
from .manifest import PackSpec, load_manifest

__all__ = ["PackResult", "PackSpec", "build_pack", "load_manifest", "plan"]

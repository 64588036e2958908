"""How long loading a kit takes (samples decode lazily, so this is parsing and path checks).

    python benchmarks/kit_load.py [KIT ...]

Without arguments: every installed Hydrogen kit with 100+ samples, plus a generated
Hydrogen kit of 128 samples (so the figure exists where hydrogen-drumkits is absent).
The issue's budget: a 100+ sample Hydrogen kit loads in under 0.5 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from beatforge.kit import load_kit  # noqa: E402
from beatforge.kit import resolve  # noqa: E402

H2_SYSTEM = Path("/usr/share/hydrogen/data/drumkits")


def generated_kit(folder: Path, instruments: int = 16, layers: int = 8) -> Path:
    import numpy as np
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(instruments):
        lx = ""
        for j in range(layers):
            name = f"i{i}_l{j}.wav"
            sf.write(str(folder / name), np.zeros(22050, np.float32), 44100)
            lx += (f"<layer><filename>{name}</filename><min>{j / layers}</min><max>{(j + 1) / layers}</max>"
                   "<gain>1</gain><pitch>0</pitch></layer>")
        parts.append(f"<instrument><id>{i}</id><name>Drum {i}</name><midiOutNote>{35 + i}</midiOutNote>"
                     f"<instrumentComponent><component_id>0</component_id>{lx}</instrumentComponent></instrument>")
    (folder / "drumkit.xml").write_text("<drumkit_info><name>Generated</name><instrumentList>"
                                        + "".join(parts) + "</instrumentList></drumkit_info>")
    return folder


def measure(spec) -> tuple[float, int, str]:
    resolve._load_cached.cache_clear()
    t = time.perf_counter()
    kit = load_kit(spec)
    elapsed = time.perf_counter() - t
    return elapsed, sum(len(p.layers) for p in kit.pads.values()), kit.name


def main(argv: list[str]) -> int:
    specs: list = list(argv)
    tmp = None
    if not specs:
        if H2_SYSTEM.is_dir():
            for d in sorted(H2_SYSTEM.iterdir()):
                if (d / "drumkit.xml").is_file() and (d / "drumkit.xml").read_text(errors="replace").count(
                        "<filename>") >= 100:
                    specs.append(d)
        tmp = tempfile.TemporaryDirectory()
        specs.append(generated_kit(Path(tmp.name) / "generated"))
    worst = 0.0
    for spec in specs:
        elapsed, samples, name = measure(spec)
        worst = max(worst, elapsed)
        print(f"{name:32s} {samples:4d} samples  {elapsed * 1000:7.1f} ms")
    print(f"slowest: {worst * 1000:.1f} ms (budget 500 ms)")
    if tmp is not None:
        tmp.cleanup()
    return 0 if worst < 0.5 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Builders for generated kit fixtures (Hydrogen drumkits, archives)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np

from tests.conftest import write_wav


def tone(value: float, frames: int = 64) -> np.ndarray:
    """A constant signal: each sample file is recognisable by its level."""
    return np.full(frames, value, np.float32)


def h2_instrument_1x(iid, name, layers, *, note=None, algo="VELOCITY", mute=-1, extra=""):
    layer_xml = "".join(
        f"<layer><filename>{f}</filename><min>{lo}</min><max>{hi}</max><gain>{g}</gain><pitch>{p}</pitch></layer>"
        for f, lo, hi, g, p in layers)
    note_xml = f"<midiOutNote>{note}</midiOutNote>" if note is not None else ""
    return (f"<instrument><id>{iid}</id><name>{name}</name><volume>1</volume><pan>0</pan>"
            f"<pitchOffset>0</pitchOffset><randomPitchFactor>0</randomPitchFactor><gain>1</gain>"
            f"<Attack>0</Attack><Decay>0</Decay><Sustain>1</Sustain><Release>1000</Release>"
            f"<muteGroup>{mute}</muteGroup>{note_xml}<sampleSelectionAlgo>{algo}</sampleSelectionAlgo>{extra}"
            f"<instrumentComponent><component_id>0</component_id><gain>1</gain>{layer_xml}</instrumentComponent>"
            f"</instrument>")


def write_h2_kit_1x(folder: Path, name: str, instruments: list[str], samples: dict[str, float]) -> Path:
    """A Hydrogen 1.x drumkit (namespaced XML, components) with constant-level samples."""
    folder.mkdir(parents=True, exist_ok=True)
    for fname, level in samples.items():
        write_wav(folder / fname, tone(level), rate=44100)
    (folder / "drumkit.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<drumkit_info xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns="http://www.hydrogen-music.org/drumkit">'
        f"<name>{name}</name><author>test</author><license>CC0</license>"
        "<componentList><drumkitComponent><id>0</id><name>Main</name><volume>1</volume></drumkitComponent>"
        "</componentList><instrumentList>" + "".join(instruments) + "</instrumentList></drumkit_info>")
    return folder


def write_h2_kit_09(folder: Path, name: str) -> Path:
    """A Hydrogen 0.9.x drumkit: layers directly in the instrument, pan_L/pan_R, and one
    instrument in the oldest style (a <filename> and no layers)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_wav(folder / "kick.wav", tone(0.5), rate=44100)
    write_wav(folder / "snare_soft.wav", tone(0.2), rate=44100)
    write_wav(folder / "snare_hard.wav", tone(0.9), rate=44100)
    (folder / "drumkit.xml").write_text(f"""<drumkit_info>
  <name>{name}</name>
  <author>test</author>
  <instrumentList>
    <instrument>
      <id>0</id><filename>kick.wav</filename><name>Kick</name><volume>0.5</volume>
      <isMuted>false</isMuted><pan_L>1</pan_L><pan_R>0.5</pan_R><exclude/>
    </instrument>
    <instrument>
      <id>1</id><name>Snare</name><volume>1</volume><pan_L>1</pan_L><pan_R>1</pan_R>
      <randomPitchFactor>0.5</randomPitchFactor><gain>1</gain>
      <Attack>441</Attack><Decay>4410</Decay><Sustain>0.5</Sustain><Release>2205</Release>
      <muteGroup>-1</muteGroup>
      <layer><filename>snare_soft.wav</filename><min>0</min><max>0.5</max><gain>0.5</gain><pitch>-2</pitch></layer>
      <layer><filename>snare_hard.wav</filename><min>0.5</min><max>1</max><gain>1</gain><pitch>0</pitch></layer>
    </instrument>
  </instrumentList>
</drumkit_info>
""")
    return folder


def tar_folder(folder: Path, out: Path, arcroot: str | None = None) -> Path:
    """Pack *folder* as a gzip tarball (the .h2drumkit format) under *arcroot*/."""
    with tarfile.open(out, "w:gz") as tf:
        tf.add(folder, arcname=arcroot or folder.name)
    return out


def hostile_tar(out: Path, kind: str) -> Path:
    """A tarball holding a valid-looking kit plus one hostile member of *kind*."""
    with tarfile.open(out, "w:gz") as tf:
        def add_bytes(name, data=b"x" * 16, **kw):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            for k, v in kw.items():
                setattr(ti, k, v)
            tf.addfile(ti, io.BytesIO(data))

        buf = io.BytesIO()
        import soundfile as sf
        sf.write(buf, tone(0.5), 44100, format="WAV")
        add_bytes("Evil/kick.wav", buf.getvalue())
        add_bytes("Evil/drumkit.xml", (
            "<drumkit_info><name>Evil</name><instrumentList><instrument><id>0</id><name>Kick</name>"
            "<filename>kick.wav</filename></instrument></instrumentList></drumkit_info>").encode())
        if kind == "absolute":
            add_bytes("/tmp/beatforge-evil-absolute")
        elif kind == "dotdot":
            add_bytes("Evil/../../beatforge-evil-dotdot")
        elif kind == "symlink":
            ti = tarfile.TarInfo("Evil/passwd.wav")
            ti.type, ti.linkname = tarfile.SYMTYPE, "../../../../etc/passwd"
            tf.addfile(ti)
        elif kind == "abs_symlink":
            ti = tarfile.TarInfo("Evil/shadow.wav")
            ti.type, ti.linkname = tarfile.SYMTYPE, "/etc/shadow"
            tf.addfile(ti)
        elif kind == "hardlink":
            ti = tarfile.TarInfo("Evil/hard.wav")
            ti.type, ti.linkname = tarfile.LNKTYPE, "../outside.wav"
            tf.addfile(ti)
        elif kind == "device":
            ti = tarfile.TarInfo("Evil/null")
            ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
            tf.addfile(ti)
        elif kind == "fifo":
            ti = tarfile.TarInfo("Evil/pipe")
            ti.type = tarfile.FIFOTYPE
            tf.addfile(ti)
        elif kind == "inner_symlink":  # harmless: a link to a sample inside the kit
            ti = tarfile.TarInfo("Evil/kick2.wav")
            ti.type, ti.linkname = tarfile.SYMTYPE, "kick.wav"
            tf.addfile(ti)
        elif kind not in ("none", "huge"):
            raise ValueError(kind)
    if kind == "huge":
        # A header claiming 1 TiB: refused before any data is read.
        with open(out, "wb") as fh:
            import gzip
            ti = tarfile.TarInfo("Evil/huge.wav")
            ti.size = 1 << 40
            fh.write(gzip.compress(ti.tobuf(format=tarfile.GNU_FORMAT) + b"\0" * 1024))
    return out

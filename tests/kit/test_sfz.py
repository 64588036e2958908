import math

import numpy as np
import pytest

from beatforge import KitError, load_kit
from beatforge.engine.render import plan_voices
from beatforge.engine.voices import VoicePlanner
from beatforge.kit.formats.sfz import SfzWarning, load_sfz, note_value
from beatforge.sequence import Hit
from tests.conftest import write_wav
from tests.kit.helpers import tone


def _samples(folder, names):
    for i, n in enumerate(names):
        write_wav(folder / n, tone(0.1 * (i + 1), 100), rate=44100)


@pytest.fixture
def sfz_kit(tmp_path):
    folder = tmp_path / "drums"
    _samples(folder / "samples", ["kick_soft.wav", "kick_hard.wav", "sn1.wav", "sn2.wav", "sn3.wav",
                                  "hh.wav", "oh.wav", "tom.wav", "r1.wav", "r2.wav"])
    (folder / "defs.sfz").write_text("#define $HAT 42\n#define $OPEN 46\n")
    (folder / "hats.sfz").write_text("""
<group> group=1 off_by=1 volume=-3   // the hats choke each other
<region> sample=hh.wav key=$HAT
<region> sample=oh.wav key=$OPEN off_mode=normal ampeg_release=0.25
""")
    (folder / "kit.sfz").write_text("""/* A small generated drum kit.
   Block comments span lines. */
#include "defs.sfz"
<control> default_path=samples/
<global> amp_veltrack=50 loop_mode=one_shot
<group> key=36 pan=-50
<region> sample=kick_soft.wav hivel=80
<region> sample=kick_hard.wav lovel=81 volume=-2 tune=50
<group> key=d2 seq_length=3 ampeg_attack=0.01 ampeg_decay=0.2 ampeg_sustain=40 ampeg_hold=0.05
<region> sample=sn1.wav seq_position=1
<region> sample=sn2.wav seq_position=2
<region> sample=sn3.wav seq_position=3 transpose=-1
#include "hats.sfz"
<group> lokey=47 hikey=49 pitch_keycenter=48 offset=10 end=59
<region> sample=tom.wav
<group> lokey=60 hikey=61 pitch_keytrack=0
<region> sample=tom.wav
<group>
<region> sample=r1.wav key=51 lorand=0 hirand=0.5 fancy_opcode=3 other_unknown=1
<region> sample=r2.wav key=51 lorand=0.5 hirand=1 fancy_opcode=4
""")
    return folder


def _load(path):
    with pytest.warns(SfzWarning) as rec:
        kit = load_kit(path)
    return kit, [str(w.message) for w in rec]


def test_sfz_layers_inheritance_and_names(sfz_kit):
    kit, warned = _load(sfz_kit)
    assert kit.source == "sfz" and kit.problems == []
    kick = kit.pad(36)
    assert kick.name == "kick" and kick.note == 36
    assert [(l.vel_lo, l.vel_hi) for l in kick.layers] == [(1, 80), (81, 127)]
    hard = kick.layers[1]
    assert hard.gain_db == -2 and math.isclose(hard.tune, 0.5) and hard.pan == -0.5
    assert kick.amp_veltrack == 0.5 and not kick.gated            # global one_shot, amp_veltrack=50
    snare = kit.pad("snare")                                       # key=d2 = 38
    assert snare.note == 38
    env = snare.envelope
    assert (env.attack, env.hold, env.decay, env.sustain) == (0.01, 0.05, 0.2, 0.4)
    # unknown opcodes are warned about once each, not fatal
    assert sum("fancy_opcode" in w for w in warned) == 1 and any("other_unknown" in w for w in warned)


def test_sfz_round_robin_sequence(sfz_kit):
    kit, _ = _load(sfz_kit)
    snare = kit.pad(38)
    rng = np.random.default_rng(0)
    names = [snare.choose(100, None, n, rng).path.name for n in range(7)]
    assert names == ["sn1.wav", "sn2.wav", "sn3.wav"] * 2 + ["sn1.wav"]
    assert snare.layers[2].tune == -1


def test_sfz_random_ranges_are_seeded(sfz_kit):
    kit, _ = _load(sfz_kit)
    ride = kit.pad(51)
    run = lambda seed: [ride.choose(100, None, n, rng).path.name
                        for rng in [np.random.default_rng(seed)] for n in range(40)]
    assert run(3) == run(3)
    assert set(run(3)) == {"r1.wav", "r2.wav"}


def test_sfz_define_include_and_choke(sfz_kit):
    kit, _ = _load(sfz_kit)
    hat, ohat = kit.pad(42), kit.pad(46)
    assert hat.name == "hat" and ohat.name == "openhat"
    assert hat.layers[0].gain_db == -3
    assert ohat.choke_group == "1" and ohat.choked_by == {"1"} and ohat.choke_fade == 0.25
    assert hat.choke_fade is None                                  # off_mode=fast
    hits = [Hit(0, "h", 46, 100), Hit(5, "h", 46, 100), Hit(10, "h", 42, 100), Hit(20, "h", 42, 100)]
    _, cuts = plan_voices(hits, kit, 44100)
    # the closed hat (another key) cuts both open hats over their release (0.25 s); the same
    # key does not choke itself; the second closed hat cuts nothing that is not already cut
    assert cuts == {0: (10, 11025), 1: (10, 11025)}


def test_sfz_key_range_offset_end(sfz_kit):
    kit, _ = _load(sfz_kit)
    assert [kit.pad(n).layers[0].tune for n in (47, 48, 49)] == [-1, 0, 1]
    assert [kit.pad(n).layers[0].tune for n in (60, 61)] == [0, 0]      # pitch_keytrack=0
    planner = VoicePlanner(kit, 44100)
    spec = planner.plan(Hit(0, "t", 48, 100))
    assert (spec.start, spec.end) == (10, 60)                      # offset=10, end=59 inclusive


def test_sfz_file_path_and_missing_sample(sfz_kit):
    (sfz_kit / "samples" / "tom.wav").unlink()
    with pytest.warns(SfzWarning):
        kit = load_sfz(sfz_kit / "kit.sfz")
    assert kit.name == "kit"
    assert any("tom.wav" in p for p in kit.problems)


def test_sfz_errors_name_the_line(tmp_path):
    (tmp_path / "a.sfz").write_text("<region> sample=x.wav key=banana\n")
    with pytest.raises(KitError, match=r"a.sfz:1.*banana"):
        load_kit(tmp_path / "a.sfz")
    (tmp_path / "b.sfz").write_text('#include "missing.sfz"\n')
    with pytest.raises(KitError, match="missing.sfz"):
        load_kit(tmp_path / "b.sfz")
    (tmp_path / "c.sfz").write_text('#include "c.sfz"\n')
    with pytest.raises(KitError, match="nested"):
        load_kit(tmp_path / "c.sfz")
    two = tmp_path / "two"
    two.mkdir()
    (two / "x.sfz").write_text("")
    (two / "y.sfz").write_text("")
    with pytest.raises(KitError, match="expected one .sfz"):
        load_kit(two)


def test_note_names():
    assert note_value("c4", "") == 60 and note_value("C#2", "") == 37 and note_value("eb1", "") == 27
    assert note_value("36", "") == 36

"""Stacked layers: one hit plays every layer that sounds with the chosen one (SFZ regions
stacked on a key and slot, Hydrogen instruments with several components)."""

import math

import numpy as np
import pytest
import soundfile as sf

from beatforge import load_kit, load_source
from beatforge.engine.render import plan_voices, render_hits
from beatforge.engine.voices import CHOKE_FADE_SECONDS, STEAL_FADE_SECONDS, VoicePlanner
from beatforge.sequence import Hit
from tests.conftest import write_wav

RATE = 44100
HALF = math.cos(math.pi / 4)      # a centred mono voice, per side


def impulse(height: float, frames: int = 16) -> np.ndarray:
    data = np.zeros(frames, np.float32)
    data[0] = height
    return data


def stacked_sfz(folder, extra=""):
    """Key 36: a close (0.5, -6 dB, hard left) and an overhead (0.25, hard right) region stacked."""
    write_wav(folder / "close.wav", impulse(0.5), rate=RATE)
    write_wav(folder / "oh.wav", impulse(0.25), rate=RATE)
    (folder / "kit.sfz").write_text(f"""
<global> loop_mode=one_shot amp_veltrack=0
<region> sample=close.wav key=36 volume=-6 pan=-100
<region> sample=oh.wav key=36 pan=100
{extra}""")
    return folder / "kit.sfz"


def expected_stack(frames: int, at: int) -> np.ndarray:
    out = np.zeros((frames, 2), np.float32)
    out[at, 0] = 0.5 * 10 ** (-6 / 20) + 0.25 * math.cos(math.pi / 2)
    out[at, 1] = 0.25
    return out


def test_sfz_stacked_regions_play_together_with_their_own_gain_and_pan(tmp_path):
    kit = load_kit(stacked_sfz(tmp_path))          # no warning about stacked regions any more
    kick = kit.pad(36)
    assert len(kick.layers) == 1 and [c.path.name for c in kick.layers[0].companions] == ["oh.wav"]
    mix, _ = render_hits([Hit(10, "kick", 36, 100)], kit, 64, RATE)
    assert list(np.flatnonzero(np.abs(mix).sum(axis=1))) == [10]
    np.testing.assert_allclose(mix, expected_stack(64, 10), rtol=1e-6, atol=1e-9)


def test_sfz_stacked_regions_render_through_the_cli_and_the_api(tmp_path, cli):
    sfz = stacked_sfz(tmp_path / "kit")
    beat = tmp_path / "beat.py"
    beat.write_text("from beatforge import Beat\n"
                    f"beat = Beat(bpm=120, kit={str(sfz)!r})\n"
                    'beat.track("kick", "x...............")\n')
    out = tmp_path / "out.wav"
    r = cli("render", beat, "-o", out, "--bit-depth", "32")
    assert r.returncode == 0, r.stderr
    data, rate = sf.read(str(out), dtype="float32")
    assert rate == RATE and data.shape == (88200, 2)
    np.testing.assert_allclose(data, expected_stack(88200, 0), rtol=1e-6, atol=1e-9)
    api = load_source(beat).render(sample_rate=RATE)
    np.testing.assert_array_equal(api, data)


def test_sfz_stacked_regions_cycle_with_their_own_seq_position(tmp_path):
    for name, h in (("c1", 0.1), ("c2", 0.2), ("o1", 0.3), ("o2", 0.4)):
        write_wav(tmp_path / f"{name}.wav", impulse(h), rate=RATE)
    (tmp_path / "kit.sfz").write_text("""
<global> key=36 seq_length=2 loop_mode=one_shot
<region> sample=c1.wav seq_position=1
<region> sample=c2.wav seq_position=2
<region> sample=o1.wav seq_position=1
<region> sample=o2.wav seq_position=2
""")
    planner = VoicePlanner(load_kit(tmp_path / "kit.sfz"), RATE)
    played = [[round(float(s.data[0, 0]), 2) for s in planner.plan_all(Hit(i, "t", 36, 100))] for i in range(3)]
    assert played == [[0.1, 0.3], [0.2, 0.4], [0.1, 0.3]]


def test_a_choke_cuts_every_stacked_region_and_polyphony_counts_hits(tmp_path):
    write_wav(tmp_path / "hat.wav", impulse(1.0), rate=RATE)
    write_wav(tmp_path / "oh_close.wav", np.full(2000, 0.5, np.float32), rate=RATE)
    write_wav(tmp_path / "oh_room.wav", np.full(2000, 0.25, np.float32), rate=RATE)
    sfz = stacked_sfz(tmp_path, """
<region> sample=hat.wav key=42 group=1
<group> key=46 off_by=1
<region> sample=oh_close.wav pan=-100
<region> sample=oh_room.wav pan=100
""")
    text = sfz.read_text().replace("<region> sample=close.wav key=36", "<region> sample=close.wav key=36 "
                                                                        "note_polyphony=1")
    sfz.write_text(text)
    kit = load_kit(sfz)
    fade = round(CHOKE_FADE_SECONDS * RATE)
    hits = [Hit(0, "h", 46, 100), Hit(100, "h", 42, 100)]
    specs, cuts = plan_voices(hits, kit, RATE)
    assert len(specs) == 3 and cuts == {0: (100, fade), 1: (100, fade)}
    mix, _ = render_hits(hits, kit, 1000, RATE)
    assert mix[50, 0] == pytest.approx(0.5) and mix[50, 1] == pytest.approx(0.25)
    assert np.all(mix[100 + fade:] == 0.0)       # both open hat voices faded out; the hat is one frame
    # a pad with polyphony 1 keeps one hit sounding, both of its voices: the next hit steals the pair
    steal = round(STEAL_FADE_SECONDS * RATE)
    specs, cuts = plan_voices([Hit(0, "k", 36, 100), Hit(5, "k", 36, 100)], kit, RATE)
    assert len(specs) == 4 and cuts == {0: (5, steal), 1: (5, steal)}


def write_multi_mic_kit(folder):
    """A Hydrogen 1.x kit whose kick has two components (close, room) with different velocity layers."""
    for name, h in (("k_soft.wav", 0.1), ("k_hard.wav", 0.9), ("r_soft.wav", 0.3), ("r_hard.wav", 0.7)):
        write_wav(folder / name, impulse(h), rate=RATE)

    def layer(f, lo, hi):
        return f"<layer><filename>{f}</filename><min>{lo}</min><max>{hi}</max><gain>1</gain><pitch>0</pitch></layer>"

    (folder / "drumkit.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit"><name>Multi Mic</name>'
        "<componentList>"
        "<drumkitComponent><id>0</id><name>Close</name><volume>1</volume></drumkitComponent>"
        "<drumkitComponent><id>1</id><name>Room</name><volume>0.5</volume></drumkitComponent>"
        "</componentList><instrumentList><instrument><id>0</id><name>Kick</name><volume>1</volume>"
        "<pan>0</pan><gain>1</gain><midiOutNote>36</midiOutNote><sampleSelectionAlgo>VELOCITY</sampleSelectionAlgo>"
        "<instrumentComponent><component_id>0</component_id><gain>1</gain>"
        + layer("k_soft.wav", 0, 0.5) + layer("k_hard.wav", 0.5, 1) + "</instrumentComponent>"
        "<instrumentComponent><component_id>1</component_id><gain>0.8</gain>"
        + layer("r_soft.wav", 0, 0.7) + layer("r_hard.wav", 0.7, 1) + "</instrumentComponent>"
        "</instrument></instrumentList></drumkit_info>")
    return folder


def test_hydrogen_components_all_play_with_their_volumes(tmp_path):
    kit = load_kit(write_multi_mic_kit(tmp_path / "h2"))
    assert kit.problems == []
    kick = kit.pad("kick")
    assert [l.path.name for l in kick.layers] == ["k_soft.wav", "k_hard.wav"]
    assert [[l.path.name for l in g] for g in kick.stack] == [["r_soft.wav", "r_hard.wav"]]
    # velocity 80 (0.63): the close mic's hard layer (0.5..1), the room mic's soft one (0..0.7)
    hits = [Hit(0, "k", "kick", 80), Hit(20, "k", "kick", 120), Hit(40, "k", "kick", 30)]
    mix, _ = render_hits(hits, kit, 64, RATE)
    room = 0.8 * 0.5                                 # component gain x drumkitComponent volume
    for frame, vel, close, far in ((0, 80, 0.9, 0.3), (20, 120, 0.9, 0.7), (40, 30, 0.1, 0.3)):
        want = vel / 127 * HALF * (close + far * room)   # applyVelocity: linear in velocity
        assert mix[frame, 0] == pytest.approx(want, rel=1e-6) and mix[frame, 1] == pytest.approx(want, rel=1e-6)
    assert list(np.flatnonzero(mix[:, 0])) == [0, 20, 40]


def test_kit_show_and_check_list_stacked_layers(tmp_path, cli):
    sfz = stacked_sfz(tmp_path / "sfz")
    shown = cli("kit", "show", sfz)
    assert shown.returncode == 0, shown.stderr
    assert "kick: note 36; 1 stacked layer (&)" in shown.stdout and "    & oh.wav" in shown.stdout
    checked = cli("kit", "check", write_multi_mic_kit(tmp_path / "h2"))
    assert checked.returncode == 0 and "4 samples" in checked.stdout + checked.stderr


"""Live voices for stacked layers: one hit starts every stacked voice, as the offline render does."""
from __future__ import annotations

import numpy as np

from beatforge import load_kit
from beatforge.engine.render import render_hits
from beatforge.live.sound import LiveVoices, preload_kit
from beatforge.sequence import Hit
from tests.conftest import write_wav
from tests.kit.test_stacks import RATE, stacked_sfz, write_multi_mic_kit

BLOCK = 64


def play_live(kit, hits, frames, block=BLOCK):
    """Feed *hits* to a LiveVoices block by block (each at its block offset) and collect the mix."""
    voices = LiveVoices(preload_kit(kit), RATE, block)
    out = np.zeros((frames, 2), np.float32)
    for t0 in range(0, frames, block):
        for hit in hits:
            if t0 <= hit.frame < t0 + block:
                voices.start(hit, hit.frame, hit.frame - t0)
        out[t0:t0 + block] = voices.mix(block)[0]
    return out, voices


def test_a_stacked_hit_starts_two_voices_and_mixes_like_the_offline_render(tmp_path):
    kit = load_kit(stacked_sfz(tmp_path))
    voices = LiveVoices(preload_kit(kit), RATE, BLOCK)
    voices.start(Hit(10, "kick", 36, 100), 10, 10)
    assert voices.active == 2 and voices.dropped == 0
    live = voices.mix(BLOCK)[0].copy()
    offline, _ = render_hits([Hit(10, "kick", 36, 100)], kit, BLOCK, RATE)
    np.testing.assert_array_equal(live, offline)


def test_live_chokes_and_steals_cut_every_voice_of_a_stacked_hit(tmp_path):
    write_wav(tmp_path / "hat.wav", np.eye(1, 16, dtype=np.float32)[0], rate=RATE)
    write_wav(tmp_path / "oh_close.wav", np.full(2000, 0.5, np.float32), rate=RATE)
    write_wav(tmp_path / "oh_room.wav", np.full(2000, 0.25, np.float32), rate=RATE)
    kit = load_kit(stacked_sfz(tmp_path, """
<region> sample=hat.wav key=42 group=1
<group> key=46 off_by=1 note_polyphony=1
<region> sample=oh_close.wav pan=-100
<region> sample=oh_room.wav pan=100
"""))
    hits = [Hit(0, "h", 46, 100), Hit(100, "h", 46, 90), Hit(700, "h", 42, 100), Hit(900, "k", 36, 100)]
    live, voices = play_live(kit, hits, 1600)
    offline, _ = render_hits(hits, kit, 1600, RATE)
    np.testing.assert_allclose(live, offline, atol=1e-7)
    assert np.all(live[700 + 221:900] == 0.0)        # the closed hat cut both open hat voices
    assert voices.dropped == 0


def test_live_hydrogen_components_equal_the_offline_render(tmp_path):
    kit = load_kit(write_multi_mic_kit(tmp_path / "h2"))
    hits = [Hit(f, "k", "kick", v) for f, v in ((3, 80), (70, 120), (130, 30), (131, 127))]
    live, voices = play_live(kit, hits, 256)
    offline, _ = render_hits(hits, kit, 256, RATE)
    np.testing.assert_allclose(live, offline, atol=1e-7)
    assert np.count_nonzero(live[:, 0]) == 4

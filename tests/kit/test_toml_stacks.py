"""Stacked layers in kit.toml: a layer's ``with`` (layers sounding with it) and a pad's
``stack`` (further layer groups), written by ``Kit.save`` and read back to the same sound."""

import math

import numpy as np
import pytest
import soundfile as sf

from beatforge import load_kit
from beatforge.engine.render import render_hits
from beatforge.errors import KitError
from beatforge.kit.tools import check_kit_at
from beatforge.sequence import Hit
from tests.conftest import write_wav
from tests.kit.test_stacks import RATE, impulse, stacked_sfz, write_multi_mic_kit

SPACING = 80     # frames between the hits of a round trip: every voice ends before the next hit


def ramp(frames: int = 32) -> np.ndarray:
    return (np.arange(1, frames + 1) / 64).astype(np.float32)


def sfz_source(folder):
    """The stacked SFZ kit of test_stacks, plus a stack with offset/end/tune and one per velocity layer."""
    write_wav(folder / "ramp.wav", ramp(), rate=RATE)
    return stacked_sfz(folder, """
<region> sample=ramp.wav key=38 offset=4 end=20 tune=30 volume=-3 pan=20
<region> sample=oh.wav key=38 pan=-50 tune=-12
<region> sample=close.wav key=40 lovel=1 hivel=64
<region> sample=ramp.wav key=40 lovel=1 hivel=64 offset=3
<region> sample=oh.wav key=40 lovel=65 hivel=127
<region> sample=ramp.wav key=40 lovel=65 hivel=127 end=10 pan=-30
""")


SOURCES = {
    "sfz": (sfz_source, [36, 38, 40], [1, 40, 64, 65, 100, 127]),
    "hydrogen": (write_multi_mic_kit, ["kick"], [1, 30, 63, 64, 80, 88, 89, 127]),
}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_a_stacked_kit_saved_as_kit_toml_renders_bit_identical(tmp_path, cli, source):
    build, pads, velocities = SOURCES[source]
    original = load_kit(build(tmp_path / "src"))
    assert any(p.stack or any(l.companions for l in p.layers) for p in original)
    saved = original.save(tmp_path / "saved")
    again = load_kit(saved)
    assert again.source == "kit.toml" and again.problems == []
    for pad in original:
        copy = again.pad(pad.name)
        assert [len(g) for g in (copy.layers, *copy.stack)] == [len(g) for g in (pad.layers, *pad.stack)]
        assert [len(l.companions) for l in copy.all_layers()] == [len(l.companions) for l in pad.all_layers()]
    hits = [Hit(SPACING * i, "t", pad, vel) for i, (pad, vel) in
            enumerate((p, v) for p in pads for v in velocities for _ in range(2))]
    frames = SPACING * len(hits)
    want, _ = render_hits(hits, original, frames, RATE)
    got, _ = render_hits(hits, again, frames, RATE)
    assert all(want[h.frame].any() for h in hits)
    np.testing.assert_array_equal(got, want)
    assert check_kit_at(saved)[1] == []
    checked = cli("kit", "check", saved)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_saved_samples_are_24_bit_when_that_is_lossless_else_float(tmp_path):
    saved = load_kit(sfz_source(tmp_path / "sfz")).save(tmp_path / "sfz-saved")
    assert {sf.info(str(p)).subtype for p in saved.glob("*.wav")} == {"PCM_24"}   # 0.5, 0.25, n/64
    saved = load_kit(write_multi_mic_kit(tmp_path / "h2")).save(tmp_path / "h2-saved")
    # 0.1, 0.3 and 0.7 as float32 need more than 24 bits; 0.9 happens not to
    assert {p.name: sf.info(str(p)).subtype for p in saved.glob("*.wav")} == {
        "Kick_1.wav": "FLOAT", "Kick_2.wav": "PCM_24", "Kick_stack1_1.wav": "FLOAT", "Kick_stack1_2.wav": "FLOAT"}


def test_saved_sample_names_do_not_collide(tmp_path):
    from beatforge import Kit, Sample

    kit = Kit("names")
    kit.add_pad("kick", [Sample(impulse(0.5), RATE), Sample(impulse(0.25), RATE)])
    kit.add_pad("kick_1", Sample(impulse(0.125), RATE))
    again = load_kit(kit.save(tmp_path / "out"))
    heights = [[float(l.sample.data[0, 0]) for l in again.pad(name).layers] for name in ("kick", "kick_1")]
    assert heights == [[0.5, 0.25], [0.125]]


HAND_WRITTEN = '''[kit]
name = "stacks"

[pads.kick]
layers = [
    { sample = "close.wav", gain_db = -6.0, pan = -1.0, with = [{ sample = "oh.wav", pan = 1.0 }] },
]
amp_veltrack = 0

[pads.snare]
sample = "top.wav"
stack = [
    [
        { sample = "bottom_soft.wav", vel = [1, 80] },
        { sample = "bottom_hard.wav", vel = [81, 127], pan = 1.0, with = [{ sample = "room.wav", gain_db = -6.0 }] },
    ],
    [{ sample = "rr_a.wav", seq = 2 }, { sample = "rr_b.wav", seq = 1 }],
    [{ sample = "loud_only.wav", vel = [100, 127], pan = -1.0 }],
]
amp_veltrack = 0
'''


def delayed(height: float, at: int, frames: int = 16) -> np.ndarray:
    data = np.zeros(frames, np.float32)
    data[at] = height
    return data


def test_a_hand_written_kit_toml_with_with_and_stack_renders_the_expected_frames(tmp_path, cli):
    d = tmp_path / "k"
    for name, data in (("close.wav", impulse(0.5)), ("oh.wav", impulse(0.25)), ("top.wav", impulse(0.5)),
                       ("bottom_soft.wav", impulse(0.25)), ("bottom_hard.wav", impulse(0.125)),
                       ("room.wav", impulse(0.0625)), ("rr_a.wav", delayed(0.5, 2)), ("rr_b.wav", delayed(0.5, 4)),
                       ("loud_only.wav", delayed(0.75, 6))):
        write_wav(d / name, data, rate=RATE)
    (d / "kit.toml").write_text(HAND_WRITTEN)
    kit = load_kit(d)
    assert kit.problems == [] and check_kit_at(d)[1] == []
    hits = [Hit(10, "k", "kick", 100), Hit(100, "s", "snare", 60), Hit(200, "s", "snare", 110),
            Hit(300, "s", "snare", 90)]
    mix, _ = render_hits(hits, kit, 400, RATE)

    want = np.zeros((400, 2), np.float64)

    def voice(frame, height, gain_db=0.0, pan=0.0):
        theta = (pan + 1) * math.pi / 4
        want[frame] += height * 10 ** (gain_db / 20) * np.array([math.cos(theta), math.sin(theta)])

    voice(10, 0.5, -6.0, -1.0)            # kick: close, and the overhead stacked with it
    voice(10, 0.25, pan=1.0)
    for at, soft, rr_at in ((100, True, 4), (200, False, 2), (300, False, 4)):
        voice(at, 0.5)                    # the snare's own layer
        if soft:                          # group 1 by velocity, the hard layer with its room mic
            voice(at, 0.25)
        else:
            voice(at, 0.125, pan=1.0)
            voice(at, 0.0625, -6.0)
        voice(at + rr_at, 0.5)            # group 2 round robin in seq order: rr_b (frame 4) first
    voice(200 + 6, 0.75, pan=-1.0)        # group 3 only covers 100..127: silent at 60 and 90
    np.testing.assert_allclose(mix, want, rtol=1e-6, atol=1e-9)
    assert list(np.flatnonzero(np.abs(mix).sum(axis=1))) == [10, 100, 104, 200, 202, 206, 300, 304]
    shown = cli("kit", "show", d)
    assert shown.returncode == 0, shown.stderr
    assert "4 layer groups play together (+)" in shown.stdout
    assert "    & oh.wav" in shown.stdout and "    + rr_b.wav" in shown.stdout


def test_bad_with_and_stack_values_are_each_one_line_in_kit_check(tmp_path, cli):
    d = tmp_path / "k"
    write_wav(d / "a.wav", impulse(0.5), rate=RATE)
    (d / "kit.toml").write_text('''[pads.kick]
layers = [{ sample = "a.wav", with = [{ sample = "a.wav" }, { sample = "gone.wav", vel = [1, 2] }, 3] }]

[pads.snare]
sample = "a.wav"
stack = [[{ sample = "a.wav", vel = [1, 300], with = [{ sample = "a.wav", pan = 2 }] }], [], [{ seq = "x" }]]

[pads.hat]
layers = [{ sample = "a.wav", with = { sample = "a.wav" } }]
stack = "room.wav"
''')
    toml = d / "kit.toml"
    checked = cli("kit", "check", d)
    assert checked.returncode == 1
    lines = [line for line in checked.stdout.splitlines() if line.strip()]
    assert lines == [
        f"{toml}:2: unknown key pads.kick.layers[0].with[1].vel (allowed: gain_db, pan, sample, tune)",
        f"{toml}:2: pads.kick.layers[0].with[1].sample: sample file 'gone.wav' not found in {d}",
        f"{toml}:2: pads.kick.layers[0].with[2]: expected a table",
        f"{toml}:6: pads.snare.stack[0][0].vel: expected [lo, hi] with 0 <= lo <= hi <= 127, got [1, 300]",
        f"{toml}:6: pads.snare.stack[0][0].with[0].pan: 2 is outside -1..1",
        f"{toml}:6: pads.snare.stack[1]: expected a non-empty list of layer tables, got []",
        f"{toml}:6: pads.snare.stack[2][0].sample: expected a sample file name, got None",
        f"{toml}:6: pads.snare.stack[2][0].seq: expected an integer, got 'x'",
        f'{toml}:9: pads.hat.layers[0].with: expected a list of tables like [{{ sample = "room.wav" }}]',
        f'{toml}:10: pads.hat.stack: expected a list of layer groups like [[{{ sample = "room.wav" }}]]',
    ]
    with pytest.raises(KitError) as err:
        load_kit(d)
    assert str(err.value) == lines[0]

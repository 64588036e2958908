import numpy as np
import pytest

from beatforge import KitError, SampleError, load_kit, load_sample
from beatforge.kit.model import Kit, Pad, Layer
from beatforge.kit import names
from tests.conftest import write_wav


def test_names_are_normalised_and_aliased():
    assert names.normalise("Open Hat") == "openhat"
    assert names.normalise("open_hi-hat") == "openhihat"
    assert names.canonical("bd") == "kick"
    assert names.candidates("lt")[:2] == ["lt", "lowtom"]
    assert "tom" in names.candidates("lt")


def test_folder_kit_pads_and_aliases(impulse_kit):
    kit = load_kit(impulse_kit)
    assert kit.pad("BD").name == "kick"
    assert kit.pad("sd").name == "snare"
    assert kit.pad("hh").name == "hat"
    assert kit.pad("Open-Hat").name == "openhat"
    assert kit.pad(36).name == "kick"      # General MIDI numbers
    assert kit.pad(38).name == "snare"
    assert kit.pad(46).name == "openhat"


def test_unknown_pad_lists_the_kit_pads(impulse_kit):
    kit = load_kit(impulse_kit)
    with pytest.raises(KitError) as err:
        kit.pad("cowbell")
    assert "cowbell" in str(err.value) and "kick" in str(err.value) and "snare" in str(err.value)


def test_folder_variants_round_robin(tmp_path):
    for i in (1, 2, 3):
        write_wav(tmp_path / "k" / f"kick_{i}.wav", np.full(8, i / 10))
    write_wav(tmp_path / "k" / "snare" / "a.wav", np.ones(8))
    write_wav(tmp_path / "k" / "snare" / "b.wav", np.ones(8))
    kit = load_kit(tmp_path / "k")
    pad = kit.pad("kick")
    assert len(pad.layers) == 3
    rng = np.random.default_rng(0)
    picked = [pad.choose(100, None, n, rng).path.name for n in range(4)]
    assert picked == ["kick_1.wav", "kick_2.wav", "kick_3.wav", "kick_1.wav"]
    assert pad.choose(100, 1, 0, rng).path.name == "kick_2.wav"
    assert len(kit.pad("snare").layers) == 2


def test_kit_toml_full_model(tmp_path):
    write_wav(tmp_path / "soft.wav", np.ones(10))
    write_wav(tmp_path / "hard.wav", np.ones(10))
    write_wav(tmp_path / "bass.wav", np.ones(10))
    (tmp_path / "kit.toml").write_text('''
[kit]
name = "t"
polyphony = 12
[pads.snare]
layers = [{ sample = "soft.wav", vel = [1, 80] }, { sample = "hard.wav", vel = [81, 127], gain_db = -2 }]
note = 40
[pads.808]
sample = "bass.wav"
root = "c1"
envelope = { attack = 0.01, release = 0.2 }
choke_group = "bass"
choked_by = ["bass"]
gated = true
''')
    kit = load_kit(tmp_path)
    assert kit.name == "t" and kit.polyphony == 12
    snare = kit.pad(40)
    rng = np.random.default_rng(0)
    assert snare.choose(50, None, 0, rng).path.name == "soft.wav"
    assert snare.choose(100, None, 0, rng).path.name == "hard.wav"
    bass = kit.pad("808")
    assert bass.root == 24 and bass.gated and bass.envelope.release == 0.2
    assert bass.choke_group == "bass" and bass.choked_by == {"bass"}


@pytest.mark.parametrize("body, message", [
    ('[pads.kick]\nsample = "nope.wav"\n', "pads.kick.sample: sample file 'nope.wav' not found"),
    ('[pads.kick]\nsample = "a.wav"\nbogus = 1\n', "unknown key pads.kick.bogus"),
    ('[pads.kick]\nsample = "a.wav"\npan = 3\n', "pads.kick.pan: 3 is outside -1..1"),
    ('[pads.kick]\nlayers = [{ sample = "a.wav", vel = [90, 10] }]\n', "layers[0].vel"),
    ('[pads.kick]\nsample = "a.wav"\nroot = "h9"\n', "pads.kick.root"),
    ('[pads.kick\n', "kit.toml"),
])
def test_kit_toml_errors_name_file_and_key(tmp_path, body, message):
    write_wav(tmp_path / "a.wav", np.ones(4))
    (tmp_path / "kit.toml").write_text(body)
    with pytest.raises(KitError) as err:
        load_kit(tmp_path)
    assert message in str(err.value)
    assert "kit.toml" in str(err.value)


def test_missing_kit_name(tmp_path):
    with pytest.raises(KitError, match="kit 'no_such_kit_anywhere' not found"):
        load_kit("no_such_kit_anywhere")
    with pytest.raises(KitError, match="no such file or folder"):
        load_kit(str(tmp_path / "missing" / "kit"))


def test_shipped_factory_kit_is_found_by_name():
    kit = load_kit("factory")
    for pad in ("kick", "snare", "clap", "hat", "openhat", "rim", "tom", "crash", "808"):
        kit.pad(pad)
    assert kit.pad("808").root is not None


def test_unreadable_sample_is_a_sample_error(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really a wav")
    with pytest.raises(SampleError, match="bad.wav: cannot decode sample"):
        load_sample(bad)


def test_samples_load_any_rate_and_channels(tmp_path):
    write_wav(tmp_path / "s.flac", np.ones((100, 2)) * 0.5, rate=22050, subtype="PCM_24")
    s = load_sample(tmp_path / "s.flac")
    assert s.sample_rate == 22050 and s.channels == 2 and s.frames == 100
    assert s.data.dtype == np.float32 and s.data.flags.c_contiguous
    assert load_sample(tmp_path / "s.flac") is s  # cached


def test_kit_built_in_code():
    from beatforge import Sample
    kit = Kit("mine")
    kit.add_pad("Blip", Sample(np.ones(16, np.float32), 48000), note=60)
    assert kit.pad(60).name == "Blip" and kit.pad("blip").layers[0].sample.frames == 16


def _named_kit(tmp_path, pads):
    """A kit.toml kit with the given (name, note) pads, all on one tiny sample."""
    write_wav(tmp_path / "s.wav", np.ones(4))
    body = "".join(f'[pads."{name}"]\nsample = "s.wav"\nnote = {note}\n' for name, note in pads)
    (tmp_path / "kit.toml").write_text(body)
    return load_kit(tmp_path)


def test_descriptive_pad_names_are_found_by_kind(tmp_path):
    # notes numbered in kit order, as many Hydrogen kits do: not General MIDI
    names_ = ["Kick Low 1", "Kick Hard 2", "Snare 1", "Snare Rimshot", "Hand Clap", "Sabian Hat Closed",
              "Sabian Hat Open", "VariBreaks Hat 1 Pd", "Tom 2", "Tom 1", "Floor Tom", "Paiste Bell",
              "Cowbell", "Zildjian Crash"]
    kit = _named_kit(tmp_path, [(n, 36 + i) for i, n in enumerate(names_)])
    expect = {"kick": "Kick Low 1", "bd": "Kick Low 1", "sd": "Snare 1", "rs": "Snare Rimshot",
              "cp": "Hand Clap", "hh": "Sabian Hat Closed", "oh": "Sabian Hat Open",
              "ph": "VariBreaks Hat 1 Pd", "mt": "Tom 2", "ht": "Tom 1", "lt": "Floor Tom",
              "cb": "Cowbell", "cr": "Zildjian Crash"}
    assert {ref: kit.pad(ref).name for ref in expect} == expect
    # a kind the kit does not have is an error, not whichever pad sits on its GM note
    with pytest.raises(KitError, match="unknown pad 'rd'"):
        kit.pad("rd")
    assert kit.pad(38).name == "Snare 1"   # numbers still mean the kit's own notes


def test_pads_named_by_note_only_fall_back_to_general_midi_notes(tmp_path):
    kit = _named_kit(tmp_path, [("n36", 36), ("n38", 38), ("n42", 42)])
    assert (kit.pad("kick").name, kit.pad("sd").name, kit.pad("hh").name) == ("n36", "n38", "n42")


def test_name_group_prefers_the_longest_alias():
    assert names.name_group("Snare Rimshot")[0] == "rim"
    assert names.name_group("Cowbell")[0] == "cowbell"
    assert names.name_group("Paiste Bell")[0] == "ridebell"
    assert names.name_group("VariBreaks Hat 1 Op")[0] == "openhat"
    assert names.name_group("Main")[0] is None


def test_factory_808_is_outside_the_general_midi_drum_range():
    kit = load_kit("factory")
    assert kit.pad("808").note < 35          # GM drum notes start at 35 (acoustic bass drum)
    assert kit.pad(35).name == "kick"        # so a GM file's note 35 plays a kick, not the sub bass

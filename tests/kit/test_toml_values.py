"""Every kit.toml value is checked: a value of the wrong type is one problem line naming
the file, line and key (``kit check`` lists them all, ``load_kit`` raises the first as a
KitError), never a Python traceback.  Pads whose names differ only in case or spacing
are reported, not silently merged."""

import datetime as dt
import math
import tempfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from beatforge import load_kit
from beatforge.errors import KitError
from beatforge.kit.formats.toml import _ENV_KEYS, _LAYER_KEYS, _PAD_KEYS, _WITH_KEYS, load_toml
from beatforge.kit.tools import check_kit_at
from tests.conftest import run_cli, write_wav
from tests.kit.helpers import tone


@pytest.fixture
def env(tmp_path):
    return {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "HOME": str(tmp_path / "home"), "BEATFORGE_KIT_PATH": str(tmp_path / "extra")}


def _kit(folder: Path, text: str) -> Path:
    write_wav(folder / "a.wav", tone(0.5), rate=44100)
    write_wav(folder / "b.wav", tone(0.3), rate=44100)
    (folder / "kit.toml").write_text(text, encoding="utf-8")
    return folder


def _lines(proc):
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return [line for line in proc.stdout.splitlines() if line.strip()]


# --- the values found in review -------------------------------------------------------------------

MIXED = '''[pads.kick]
sample = "a.wav"
stem = ["drums"]

[pads.snare]
layers = [{ sample = "a.wav", seq = 1 }, { sample = "b.wav", seq = "two" }]
choke_group = { name = "x" }

[pads.hat]
sample = "a.wav"
choked_by = [true]
selection = ["random"]
stem = 3

[pads.tom]
sample = "b.wav"
pan = nan
envelope = { sustain = nan, release = inf }
start = 0.5
end = 0.2
'''


def test_bad_value_types_are_each_one_line_in_kit_check(tmp_path, env):
    kit = _kit(tmp_path / "k", MIXED)
    proc = run_cli("kit", "check", kit, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    toml = kit / "kit.toml"
    assert _lines(proc) == [
        f"{toml}:3: pads.kick.stem: expected a stem name (a non-empty text), got ['drums']",
        f"{toml}:6: pads.snare.layers[1].seq: expected an integer, got 'two'",
        f"{toml}:7: pads.snare.choke_group: expected a group name (a text or an integer), got {{'name': 'x'}}",
        f"{toml}:11: pads.hat.choked_by: expected a list of group names, got [True]",
        f"{toml}:12: pads.hat.selection: expected one of round_robin, random, first, got ['random']",
        f"{toml}:13: pads.hat.stem: expected a stem name (a non-empty text), got 3",
        f"{toml}:17: pads.tom.pan: expected a finite number, got nan",
        f"{toml}:18: pads.tom.envelope.sustain: expected a finite number, got nan",
        f"{toml}:18: pads.tom.envelope.release: expected a finite number, got inf",
        f"{toml}:20: pads.tom.end: 0.2 is not after start (0.5); nothing would play",
    ]
    assert "k: 10 problem(s) in 4 pads" in proc.stderr


def test_load_kit_raises_the_first_bad_value_as_one_kit_error(tmp_path):
    kit = _kit(tmp_path / "k", '[pads.snare]\nlayers = [{ sample = "a.wav", seq = 1 }, '
                               '{ sample = "b.wav", seq = "two" }]\n')
    with pytest.raises(KitError) as err:
        load_kit(kit)
    assert str(err.value) == f"{kit / 'kit.toml'}:2: pads.snare.layers[1].seq: expected an integer, got 'two'"


@pytest.mark.parametrize("line, message", [
    ('stem = { a = 1 }', "pads.kick.stem: expected a stem name"),
    ('stem = ""', "pads.kick.stem: expected a stem name"),
    ('choke_group = [1, 2]', "pads.kick.choke_group: expected a group name"),
    ('choke_group = true', "pads.kick.choke_group: expected a group name"),
    ('choked_by = { a = 1 }', "pads.kick.choked_by: expected a list of group names"),
    ('choked_by = [1.5]', "pads.kick.choked_by: expected a list of group names"),
    ('selection = 1', "pads.kick.selection: expected one of"),
    ('gated = 1', "pads.kick.gated: expected true or false"),
    ('amp_veltrack = "full"', "pads.kick.amp_veltrack: expected a number"),
    ('amp_veltrack = -inf', "pads.kick.amp_veltrack: expected a finite number"),
    ('tune = 1979-05-27', "pads.kick.tune: expected a number"),
    ('envelope = { attack = "slow" }', "pads.kick.envelope.attack: expected a number"),
    ('envelope = [0.1]', "pads.kick.envelope: expected a table"),
    ('polyphony = 2.5', "pads.kick.polyphony: expected a positive integer"),
])
def test_each_key_is_type_checked(tmp_path, line, message):
    kit = _kit(tmp_path / "k", f'[pads.kick]\nsample = "a.wav"\n{line}\n')
    with pytest.raises(KitError) as err:
        load_kit(kit)
    assert str(err.value).startswith(f"{kit / 'kit.toml'}:3: {message}"), str(err.value)
    assert "\n" not in str(err.value)


def test_kit_table_text_keys_are_checked(tmp_path):
    kit = _kit(tmp_path / "k", '[kit]\nname = 3\nlicense = ["CC0"]\n[pads.kick]\nsample = "a.wav"\n')
    loaded, issues = check_kit_at(kit)
    assert issues == [f"{kit / 'kit.toml'}:2: kit.name: expected a text, got 3",
                      f"{kit / 'kit.toml'}:3: kit.license: expected a text, got ['CC0']"]
    assert loaded.name == "k"


def test_good_values_still_load(tmp_path):
    kit = _kit(tmp_path / "k", '''[pads.hat]
layers = [{ sample = "a.wav", seq = 2 }, { sample = "b.wav", seq = 1 }]
choke_group = 1
choked_by = [1, "hats"]
stem = "cymbals"
envelope = { attack = 0, sustain = 0.5 }
start = 0.1
end = 0.2
[pads.openhat]
sample = "a.wav"
choked_by = "hats"
''')
    loaded = load_kit(kit)
    hat = loaded.pad("hat")
    assert [l.path.name for l in hat.layers] == ["b.wav", "a.wav"]
    assert hat.choke_group == "1" and hat.choked_by == {"1", "hats"} and hat.stem == "cymbals"
    assert loaded.pad("openhat").choked_by == {"hats"}
    assert loaded.problems == []


# --- pads that name the same pad --------------------------------------------------------------------

def test_pads_differing_only_in_case_or_spacing_are_reported(tmp_path, env):
    kit = _kit(tmp_path / "k", '''[pads.Kick]
sample = "a.wav"

[pads."kick "]
sample = "b.wav"

[pads."hi hat"]
sample = "a.wav"

[pads.hi_hat]
sample = "b.wav"
''')
    toml = kit / "kit.toml"
    proc = run_cli("kit", "check", kit, env=env)
    assert proc.returncode == 1
    lines = _lines(proc)
    assert lines == [f'{toml}:4: pads.Kick and pads."kick " name the same pad '
                     "(pad names ignore case, spaces, '_' and '-')",
                     f'{toml}:10: pads."hi hat" and pads.hi_hat name the same pad '
                     "(pad names ignore case, spaces, '_' and '-')"]
    # the first of each stays, as written
    assert "2 pads" in proc.stderr
    with pytest.raises(KitError) as err:
        load_kit(kit)
    assert str(err.value) == lines[0]


def test_a_pad_name_without_letters_or_digits_is_reported(tmp_path):
    kit = _kit(tmp_path / "k", '[pads."_ -"]\nsample = "a.wav"\n[pads.kick]\nsample = "b.wav"\n')
    loaded, issues = check_kit_at(kit)
    assert issues == [f'{kit / "kit.toml"}:1: pads."_ -": a pad name needs a letter or digit']
    assert loaded.pad_names() == ["kick"]


# --- sample lines name the kit.toml line --------------------------------------------------------------

def test_unreadable_samples_name_the_kit_toml_line(tmp_path, env):
    kit = _kit(tmp_path / "k", '''[pads.kick]
sample = "bad.wav"

[pads.hat]
samples = ["a.wav", "bad.wav"]

[pads.snare]
layers = [{ sample = "a.wav", vel = [1, 80] }, { sample = "quiet.wav", vel = [81, 127] }]
''')
    (kit / "bad.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot audio at all")
    write_wav(kit / "quiet.wav", tone(0.0), rate=44100)
    toml = kit / "kit.toml"
    lines = _lines(run_cli("kit", "check", kit, env=env))
    assert len(lines) == 3, lines
    assert lines[0].startswith(f"{toml}:2: pads.kick.sample: sample bad.wav is unreadable (")
    assert lines[1].startswith(f"{toml}:5: pads.hat.samples[1]: sample bad.wav is unreadable (")
    assert lines[2] == f"{toml}:8: pads.snare.layers[1].sample: sample quiet.wav is silent (peak below -60 dBFS)"


# --- any value of any type --------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.text(max_size=8), st.sampled_from(["a.wav", "gone.wav", "", "c1", "hats", "random", "first"]),
    st.integers(-2 ** 63, 2 ** 63 - 1), st.integers(-3, 130), st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.5, -1.0, 2.0]), st.booleans(),
    st.dates(), st.times(), st.datetimes(),
)
_KEYS = st.sampled_from(sorted(_PAD_KEYS | _LAYER_KEYS | _WITH_KEYS | _ENV_KEYS)) | st.text(max_size=4)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
                       max_leaves=6)
# a stacked layer (an entry of a layer's ``with``): mostly a sample that is there, any other values
_WITH = st.fixed_dictionaries({"sample": st.just("a.wav")}, optional={
    key: _VALUES for key in sorted(_WITH_KEYS - {"sample"})}) | st.fixed_dictionaries({}, optional={
        key: _VALUES for key in sorted(_WITH_KEYS) + ["vel", "seq"]}) | _VALUES
_WITHS = st.lists(_WITH, min_size=1, max_size=3) | _VALUES
_LAYER = st.fixed_dictionaries({}, optional={**{key: _VALUES for key in sorted(_LAYER_KEYS)}, "with": _WITHS})
_GOOD_LAYER = st.fixed_dictionaries({"sample": st.just("a.wav")}, optional={
    **{key: _VALUES for key in sorted(_LAYER_KEYS - {"sample"})}, "with": _WITHS})
_LAYERS = st.lists(_GOOD_LAYER | _LAYER | _VALUES, min_size=1, max_size=3)
# what the pad plays: mostly a sample that is there, so that loading gets to every other key
_SOURCE = st.one_of(
    st.just({"sample": "a.wav"}),
    st.fixed_dictionaries({"samples": st.lists(st.just("a.wav") | _VALUES, min_size=1, max_size=3)}),
    st.fixed_dictionaries({"layers": _LAYERS}),
    st.fixed_dictionaries({"layers": st.lists(_GOOD_LAYER, min_size=1, max_size=3)}),
    st.fixed_dictionaries({}, optional={"sample": _VALUES, "samples": _VALUES, "layers": _VALUES}),
)
# further layer groups: a list of lists of layer tables (or anything else)
_STACK = st.lists(st.lists(_GOOD_LAYER, min_size=1, max_size=2) | _LAYERS | _VALUES, min_size=1, max_size=3) | _VALUES
_ENVELOPE = st.fixed_dictionaries({}, optional={key: _VALUES for key in sorted(_ENV_KEYS)}) | _VALUES
_SETTINGS = st.fixed_dictionaries({}, optional={
    **{key: _VALUES for key in sorted(_PAD_KEYS - {"sample", "samples", "layers", "envelope", "stack"})},
    "envelope": _ENVELOPE, "stack": _STACK})
_PAD = st.builds(lambda source, settings: {**source, **settings}, _SOURCE, _SETTINGS)


def _toml_string(s: str) -> str:
    return '"' + "".join("\\" + c if c in '"\\' else f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c
                         for c in s) + '"'


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return ("nan" if math.isnan(value) else "inf" if value > 0 else "-inf") if not math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (dt.date, dt.time)):   # datetime is a date
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{ " + ", ".join(f"{_toml_string(k)} = {_toml(v)}" for k, v in value.items()) + " }"


def _document(pads: dict) -> str:
    lines = []
    for name, spec in pads.items():
        lines.append(f"[pads.{_toml_string(name)}]")
        lines += [f"{_toml_string(k)} = {_toml(v)}" for k, v in spec.items()]
        lines.append("")
    return "\n".join(lines)


_FOLDER = None


def _folder() -> Path:
    global _FOLDER
    if _FOLDER is None:
        _FOLDER = Path(tempfile.mkdtemp(prefix="kit-values-"))
        write_wav(_FOLDER / "a.wav", tone(0.5), rate=44100)
    return _FOLDER


def _loads_or_kit_error(text: str) -> None:
    tomllib.loads(text)   # the test writes valid TOML: the loader's own checks are what is tested
    folder = _folder()
    (folder / "kit.toml").write_text(text, encoding="utf-8")
    try:
        kit = load_toml(folder)
    except KitError as e:
        assert "\n" not in str(e) and str(e).startswith(str(folder / "kit.toml")), str(e)
    else:
        assert kit.problems == [] and len(kit.pads) >= 1
    loaded, issues = check_kit_at(folder)   # collecting: never raises, every issue one line
    assert all(isinstance(i, str) and "\n" not in i for i in issues), issues
    if loaded is not None:
        assert all(p.layers for p in loaded.pads.values())
        assert all(group for p in loaded.pads.values() for group in p.stack)
        assert all(l.path is not None and l.where for p in loaded.pads.values() for l in p.all_layers())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pad=_PAD)
def test_any_value_for_any_pad_key_loads_or_is_a_kit_error(pad):
    _loads_or_kit_error(_document({"kick": pad}))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pads=st.dictionaries(st.text(max_size=6) | st.sampled_from(["Kick", "kick ", "hi hat", "hi_hat", "-"]),
                            st.fixed_dictionaries({"sample": st.just("a.wav")}) | _PAD, max_size=4))
def test_any_pad_names_load_or_are_a_kit_error(pads):
    _loads_or_kit_error(_document(pads))


@pytest.mark.parametrize("text", [
    '[pads.kick]\nsample = "a.wav"\nseq = 1\nlayers = [{ sample = "a.wav", seq = [1] }, 3]\n',
    '[kit]\npolyphony = nan\nname = { a = 1 }\n[pads.kick]\nlayers = [{ sample = "a.wav", vel = ["1", 2.0] }]\n'
    'envelope = { hold = -inf, decay = 1979-05-27T07:32:00Z }\nnote = 1e400\nroot = "c99999999999"\n',
])
def test_kit_check_cli_on_bad_values_exits_1_without_a_traceback(tmp_path, env, text):
    kit = _kit(tmp_path / "k", text)
    proc = run_cli("kit", "check", kit, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = _lines(proc)
    assert lines and all(line.startswith(f"{kit / 'kit.toml'}:") for line in lines), lines
    render = run_cli("kit", "show", kit, env=env)
    assert render.returncode != 0 and "Traceback" not in render.stderr
    (error,) = [line for line in render.stderr.splitlines() if line.strip()]
    assert "kit.toml:" in error

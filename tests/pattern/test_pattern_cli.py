"""The CLI with pattern files: show, mini-notation errors (exit 2, one block), --seed."""

import textwrap

from beatforge import Beat, Song
from beatforge.show import show_text


def write(tmp_path, text, name="beat.py"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_show_prints_grids(tmp_path, cli):
    src = write(tmp_path, """
        from beatforge import Beat, mini
        beat = Beat(bpm=92, swing=56)
        beat.track("kick", "X......x.x......")
        beat.track("drums", mini("[~ sd]*2, hh*8").velocity("<60 127>"))
    """)
    r = cli("show", src, "--bars", "1")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("92 bpm, swing 56")
    rows = {line.split()[0]: line.split()[1] for line in lines[2:]}
    assert rows["kick"] == "|X...|...x|.x..|....|"
    assert rows["drums:sd"] == "|....|o...|....|o...|"
    assert rows["drums:hh"] == "|o.o.|o.o.|o.o.|o.o.|"


def test_show_velocities_rolls_and_fine_steps():
    beat = Beat()
    beat.track("hat", "x.X.o...\nrat: ....2...")
    text = show_text(beat, bars=1, velocities=True)
    lines = text.splitlines()
    assert lines[1].startswith("bar 1")
    hat = next(line for line in lines if line.startswith("hat"))
    # the roll needs 32nd notes
    assert hat.split()[1] == "|x...X...|oo......|x...X...|oo......|"
    vel = lines[lines.index(hat) + 1]
    assert vel.split()[0] == "vel" and vel.split()[1] == "|7...9...|44......|7...9...|44......|"
    triplets = Beat()
    triplets.track("trip", __import__("beatforge").mini("t*3"))
    trip = next(line for line in show_text(triplets).splitlines() if line.startswith("trip"))
    assert trip.count("x") == 3 and len(trip.split()[1]) == 48 + 5  # triplets need 48 steps


def test_show_song_marks_sections():
    beat = Beat()
    beat.track("kick", "x...")
    song = Song()
    song.section("intro", beat, bars=1)
    song.section("verse", beat, bars=1)
    text = show_text(song)
    assert "bar 1 (intro)" in text and "bar 2 (verse)" in text


def test_mini_syntax_error_is_one_block_exit_2(tmp_path, cli):
    src = write(tmp_path, """
        from beatforge import Beat, mini
        beat = Beat()
        beat.track("drums", mini("bd [sd hh"))
    """)
    for args in (("render", src, "-o", tmp_path / "x.wav"), ("show", src)):
        r = cli(*args)
        assert r.returncode == 2
        assert "Traceback" not in r.stderr
        err = r.stderr.strip().splitlines()
        assert "unclosed '['" in err[0] and "beat.py:4" in err[0]
        assert err[1].strip() == "bd [sd hh"
        assert err[2].index("^") - err[1].index("b") == 3


def test_grid_lane_error_is_one_block_exit_2(tmp_path, cli):
    src = write(tmp_path, """
        from beatforge import Beat
        beat = Beat()
        beat.track("hat", "x.x.x.x.\\nvel: 9.9.9.z.")
    """)
    r = cli("show", src)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    err = r.stderr.strip().splitlines()
    assert "velocity lane" in err[0] and "line 2" in err[0]
    assert err[1].strip() == "vel: 9.9.9.z."
    assert err[1][err[2].index("^")] == "z"


def test_seed_option_changes_random_patterns(tmp_path, cli):
    src = write(tmp_path, """
        from beatforge import Beat, mini
        beat = Beat(seed=1)
        beat.track("hat", mini("hh*16?"))
    """)
    a = cli("show", src).stdout
    assert a == cli("show", src).stdout
    import beatforge

    beat = beatforge.load_source(src)
    assert show_text(beat) != show_text(beat.replace(seed=2))


def test_show_midi_source(tmp_path, cli):
    beat = Beat(bpm=100)
    beat.track("kick", "x...x...x...x...")
    beat.track("snare", "....X.......X...")
    mid = tmp_path / "b.mid"
    beat.to_midi(mid, bars=1)
    r = cli("show", mid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("100 bpm")
    rows = [line.split() for line in r.stdout.splitlines()[2:]]
    assert [row[1] for row in rows] == ["|x...|x...|x...|x...|", "|....|X...|....|X...|"]

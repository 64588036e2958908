"""Grid strings with lanes of per-step velocity, probability, ratchet and nudge."""

from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beatforge import Beat, PatternSyntaxError
from beatforge.pattern.grid import grid, grid_length, parse_grid, parse_grid_steps

RATE = 48000


def test_simple_grids_unchanged():
    assert parse_grid_steps("x.X-o") == [{"velocity": 100}, None, {"velocity": 127}, None, {"velocity": 50}]
    assert parse_grid("x... x...|x... x...") == [100, None, None, None] * 4


def test_hits_continue_over_lines():
    text = """
        x...x...x...x...
        X.......X.......
    """
    assert grid_length(text) == 2
    assert parse_grid(text) == parse_grid("x...x...x...x...X.......X.......")


def test_lanes():
    steps = parse_grid_steps("""
        x.x.x.x.
        vel:   9.5.1.0.
        prob:  ..5.?.9.
        rat:   ....3...
        nudge: >.<.2.+.
    """)
    assert steps[0] == {"velocity": 127, "nudge": 5.0}
    assert steps[1] is None
    assert steps[2] == {"velocity": 71, "probability": 0.5, "nudge": -5.0}
    assert steps[4] == {"velocity": 14, "probability": 0.5, "ratchet": 3, "nudge": 10.0}
    assert steps[6] == {"velocity": 0, "probability": 0.9, "nudge": 5.0}


def test_lane_aliases_unit_and_repetition():
    steps = parse_grid_steps("x x x x | x x x x\nvelocity: 9 5\nroll: 2.\nnudge 2ms: <.")
    assert [s["velocity"] for s in steps] == [127, 71] * 4
    assert [s.get("ratchet", 1) for s in steps] == [2, 1] * 4
    assert [s.get("nudge", 0) for s in steps] == [-2.0, 0] * 4


def test_lanes_in_a_beat_land_on_frames():
    beat = Beat(bpm=120)
    beat.track("hat", "x...x...x...x...\n"
                      "rat:   ....2...........\n"
                      "nudge: ........+.......\n"
                      "vel:   ............0...")
    frames = [h.frame for h in beat.hits(bars=1, sample_rate=RATE)]
    # 16th = 6000 frames; step 4 ratcheted twice; step 8 five ms late; step 12 muted (velocity 0)
    assert frames == [0, 24000, 27000, 48000 + 240]


def test_probability_lane_is_seeded():
    beat = Beat(seed=7)
    beat.track("hat", "x" * 16 + "\nprob: " + "5" * 16)
    n = len(beat.hits(bars=64))
    assert 0.44 * 1024 < n < 0.56 * 1024
    assert beat.hits(bars=8) == beat.hits(bars=8)


ERRORS = [
    ("x..x?...", 1, 5, "unexpected character '?'"),
    ("x...\nvel: 9..x", 2, 9, "velocity lane"),
    ("x...\nfoo: 9...", 2, 1, "unknown grid lane 'foo'"),
    ("x...\nrat: 0...", 2, 6, "ratchet lane"),
    ("x...\nvel: 9...9", 2, 10, "longer than the grid"),
    ("x...\nvel: 9..", 2, 9, "must match"),
    ("x...\nvel 3ms: 9...", 2, 5, "only the nudge lane"),
    ("x...\nprob: 9..!", 2, 10, "probability lane"),
]


@pytest.mark.parametrize("text,line,column,message", ERRORS)
def test_lane_errors_point_at_the_character(text, line, column, message):
    with pytest.raises(PatternSyntaxError) as info:
        grid(text)
    err = info.value
    assert message in err.message
    assert (err.line, err.column) == (line, column)
    src, caret = str(err).splitlines()[-2:]
    assert src.strip() == text.split("\n")[line - 1].strip()
    assert caret.index("^") - 2 == column - 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from("xXo.-"), min_size=1, max_size=32),
       st.lists(st.sampled_from("0123456789."), min_size=1, max_size=32))
def test_any_velocity_lane_of_dividing_length_parses(hits, vel):
    n = len(hits)
    vel = (vel * n)[:n] if n % len(vel) else vel
    steps = parse_grid_steps("".join(hits) + "\nvel: " + "".join(vel))
    assert len(steps) == n
    assert [s is None for s in steps] == [c in ".-" for c in hits]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="xXo.-| \nvelprobatnudgms:0123456789<>+?!", max_size=40))
def test_any_text_parses_or_raises_pattern_syntax_error(text):
    try:
        grid(text).query(0, 1)
    except PatternSyntaxError as e:
        assert 1 <= e.line <= text.count("\n") + 1
        assert 1 <= e.column <= max(len(line) for line in text.split("\n")) + 1

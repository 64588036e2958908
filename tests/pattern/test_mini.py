"""Mini-notation against Strudel's own test cases and documented behaviour."""

from fractions import Fraction as F

import pytest

from beatforge.errors import PatternSyntaxError
from beatforge.pattern import fastcat, mini, pure, slowcat
from beatforge.pattern.mini import Atom, Sequence, Step, parse


def show(text, begin=0, end=1):
    """Strudel's showFirstCycle, sorted (value: begin - end)."""
    events = sorted(mini(text).query(begin, end), key=lambda e: (e.begin, e.end, str(e.value)))
    return [f"{e.value}: {e.begin} - {e.end}" for e in events]


def values(text, begin=0, end=1):
    return [e.value for e in mini(text).query(begin, end)]


def same(a, b, cycles=1):
    return all(show(a, c, c + 1) == show(b, c, c + 1) for c in range(cycles))


def test_single_elements_and_rests():
    assert values("a") == ["a"]
    assert values("~") == []
    assert values("-") == []
    assert values("") == [] and values("   ") == []


def test_sequences():
    assert show("a b") == ["a: 0 - 1/2", "b: 1/2 - 1"]
    assert show("a b c") == ["a: 0 - 1/3", "b: 1/3 - 2/3", "c: 2/3 - 1"]


def test_brackets():
    assert show("c3 [d3 e3]") == ["c3: 0 - 1/2", "d3: 1/2 - 3/4", "e3: 3/4 - 1"]
    assert show("c3 [d3 [e3 f3]]") == ["c3: 0 - 1/2", "d3: 1/2 - 3/4", "e3: 3/4 - 7/8", "f3: 7/8 - 1"]


def test_fast_slow():
    assert same("a*3 b", "[a a a] b")
    assert same("[a a a]/3 b", "a b")
    assert show("a/2") == ["a: 0 - 2"]
    assert show("[c3 d3]/2") == ["c3: 0 - 1"]
    assert show("c3*2") == ["c3: 0 - 1/2", "c3: 1/2 - 1"]
    assert values("[c3 d3]*2") == ["c3", "d3", "c3", "d3"]
    assert same("a*1.5", "a*[3/2]") or len(values("a*1.5", 0, 2)) == 3


def test_patterned_fast_slow():
    assert same("[a*<3 5>]*2", "[a a a] [a a a a a]")
    assert same("[a a a a a a a a]/[2 4]", "[a a] a")
    # a*<2 3>: cycle-by-cycle speed
    assert [len(values("a*<2 3>", c, c + 1)) for c in range(4)] == [2, 3, 2, 3]


def test_slowcat():
    assert values("<a b>") == ["a"]
    assert [values("<a b c>", c, c + 1) for c in range(4)] == [["a"], ["b"], ["c"], ["a"]]
    # nested alternation: the inner one advances only when visited
    assert [values("<a <b c>>", c, c + 1)[0] for c in range(4)] == ["a", "b", "a", "c"]
    # a sub-sequence as one step of the alternation
    assert show("<a [b c]>", 1, 2) == ["b: 1 - 3/2", "c: 3/2 - 2"]
    # weights inside <> stretch over cycles
    assert show("<a@3 b>", 0, 4) == ["a: 0 - 3", "b: 3 - 4"]
    # layers inside <>
    assert show("<a b, c d e>", 1, 2) == ["b: 1 - 2", "d: 1 - 2"]


def test_polymeter():
    assert same("{a b, c d e}*3", "[a b a b a b, c d e c d e]")
    assert same("{a b, c [d e] f}*3", "[a b a b a b, c [d e] f c [d e] f]")
    assert same("{a b c, d e}*2", "[a b c a b c, d e d e d e]")
    assert same("{a b, c d e}%3", "[a b a, c d e]")
    assert same("{a b, c d e}%5", "[a b a b a, c d e c d]")
    assert same("{a b, c d e}%6", "[a b a b a b, c d e c d e]")
    # polymeter keeps counting across cycles
    assert values("{a b c}%4", 1, 2) == ["b", "c", "a", "b"]
    # patterned steps
    assert [len(values("{a b c}%<2 4>", c, c + 1)) for c in range(2)] == [2, 4]


def test_stack():
    assert show("c3,e3,g3") == ["c3: 0 - 1", "e3: 0 - 1", "g3: 0 - 1"]
    assert show("[c3,e3,g3] f3") == ["c3: 0 - 1/2", "e3: 0 - 1/2", "g3: 0 - 1/2", "f3: 1/2 - 1"]


def test_elongation():
    assert show("a@3 b") == ["a: 0 - 3/4", "b: 3/4 - 1"]
    assert show("a@2 b@3") == ["a: 0 - 2/5", "b: 2/5 - 1"]
    assert show("a _ b _ _") == ["a: 0 - 2/5", "b: 2/5 - 1"]
    assert show("[a b] _") == ["a: 0 - 1/2", "b: 1/2 - 1"]
    assert same("a _ b _ _", "a@2 b@3")
    assert same("a @ b @ @", "a _2 b _3")
    assert show("a@1.5 b") == ["a: 0 - 3/5", "b: 3/5 - 1"]


def test_replication():
    assert show("a!3 b") == ["a: 0 - 1/4", "a: 1/4 - 1/2", "a: 1/2 - 3/4", "b: 3/4 - 1"]
    assert same("[<a b c>]!3 d", "<a b c> <a b c> <a b c> d", cycles=3)
    assert show("a ! ! b") == ["a: 0 - 1/4", "a: 1/4 - 1/2", "a: 1/2 - 3/4", "b: 3/4 - 1"]
    assert same("[<a b c>]!! d", "<a b c> <a b c> <a b c> d", cycles=3)
    assert same("a! b", "a a b")


def test_euclid():
    assert show("a(3, 8)") == ["a: 0 - 1/8", "a: 3/8 - 1/2", "a: 3/4 - 7/8"]
    assert same("[a(<3 5>, <8 16>)]*2", "a(3,8) a(5,16)")
    # rotation moves the rhythm later (Strudel's euclidRot direction)
    assert [e.begin for e in mini("a(3,8,1)").first_cycle()] == [F(1, 8), F(1, 2), F(7, 8)]
    assert [e.begin for e in mini("a(3,8,2)").first_cycle()] == [F(0), F(1, 4), F(5, 8)]
    assert same("a(3,8,<0 1>)", "a(3,8)") and same("[a(3,8,<0 1>)]/1", "a(3,8)")
    assert show("a(3,8,<0 1>)", 1, 2) == show("a(3,8,1)", 1, 2)
    assert values("a(0,8)") == [] and len(values("a(8,8)")) == 8


# Toussaint, "The Euclidean algorithm generates traditional musical rhythms" (2005), as corrected
# in Strudel's and Tidal's test suites (E(3,4), E(5,6), E(5,16) and E(7,8) are rotations there).
TOUSSAINT = [
    ((1, 2), "x ~"), ((1, 3), "x ~ ~"), ((1, 4), "x ~ ~ ~"), ((4, 12), "x ~ ~ x ~ ~ x ~ ~ x ~ ~"),
    ((2, 5), "x ~ x ~ ~"), ((3, 4), "x x x ~"), ((3, 5), "x ~ x ~ x"), ((3, 7), "x ~ x ~ x ~ ~"),
    ((3, 8), "x ~ ~ x ~ ~ x ~"), ((4, 7), "x ~ x ~ x ~ x"), ((4, 9), "x ~ x ~ x ~ x ~ ~"),
    ((4, 11), "x ~ ~ x ~ ~ x ~ ~ x ~"), ((5, 6), "x x x x x ~"), ((5, 7), "x ~ x x ~ x x"),
    ((5, 8), "x ~ x x ~ x x ~"), ((5, 9), "x ~ x ~ x ~ x ~ x"), ((5, 11), "x ~ x ~ x ~ x ~ x ~ ~"),
    ((5, 12), "x ~ ~ x ~ x ~ ~ x ~ x ~"), ((5, 16), "x ~ ~ x ~ ~ x ~ ~ x ~ ~ x ~ ~ ~"),
    ((7, 8), "x x x x x x x ~"), ((7, 12), "x ~ x x ~ x ~ x x ~ x ~"),
    ((7, 16), "x ~ ~ x ~ x ~ x ~ ~ x ~ x ~ x ~"), ((9, 16), "x ~ x x ~ x ~ x ~ x x ~ x ~ x ~"),
    ((11, 24), "x ~ ~ x ~ x ~ x ~ x ~ x ~ ~ x ~ x ~ x ~ x ~ x ~"),
    ((13, 24), "x ~ x x ~ x ~ x ~ x ~ x ~ x x ~ x ~ x ~ x ~ x ~"),
]


@pytest.mark.parametrize("spec,target", TOUSSAINT, ids=lambda v: str(v))
def test_euclid_toussaint(spec, target):
    k, n = spec
    assert show(f"x({k},{n})") == show(target)
    assert pure("x").euclid(k, n).first_cycle() == mini(target).first_cycle()


def test_rest_alias():
    assert same("a - b [- c]", "a ~ b [~ c]")


def test_degrade_matches_degrade_by():
    a = [e.begin for e in mini("a?").query(0, 20)]
    b = [e.begin for e in pure("a").degrade_by(0.5).query(0, 20)]
    assert a == b


def test_lists_and_tail():
    assert values("a:b c:d:[e:f] g") == [("a", "b"), ("c", "d", ("e", "f")), "g"]
    assert values("bd:3 sd") == [("bd", 3), "sd"]
    assert values("bd:<0 1>", 1, 2) == [("bd", 1)]


def test_ranges():
    assert values("0 .. 4") == [0, 1, 2, 3, 4]
    assert values("0..3") == [0, 1, 2, 3]
    assert values("3 .. 1") == [3, 2, 1]
    assert same("[<0 1> .. <2 4>]*2", "[0 1 2] [1 2 3 4]")


def test_dot_grouping():
    assert same("a . b c", "a [b c]")
    assert same("a . b c . [d e f . g h]", "a [b c] [[d e f] [g h]]")


def test_random_choice_one_per_cycle():
    p = mini("a | b | c")
    for c in range(20):
        assert len(p.query(c, c + 1)) == 1
    assert {v for c in range(50) for v in values("a | b | c", c, c + 1)} == {"a", "b", "c"}


def test_numbers_and_note_names():
    assert values("1 -2 1.5 .5 1e2") == [1, -2, 1.5, 0.5, 100.0]
    assert values("c3 f#2 eb1") == ["c3", "f#2", "eb1"]
    assert values("bd_2 hh-open") == ["bd_2", "hh-open"]


def test_whitespace_and_newlines():
    assert same("a\n  b\t[c d]", "a b [c d]")
    assert same("[ a  b ]", "[a b]")
    assert same("a * 2", "a*2")


def test_mini_passes_patterns_through():
    p = fastcat("a", "b")
    assert mini(p) is p


def test_string_arguments_are_mini_notation():
    assert [len(pure("a").fast("<1 2>").query(c, c + 1)) for c in range(2)] == [1, 2]
    assert pure("x").struct("x ~ x").first_cycle() == mini("x ~ x").first_cycle()


def test_source_locations_in_context():
    (e,) = [e for e in mini("bd sd").first_cycle() if e.value == "sd"]
    assert ("loc", (3, 5)) in e.context


def test_parse_tree_positions():
    tree = parse("bd sd*2")
    assert isinstance(tree, Sequence)
    first, second = tree.steps
    assert isinstance(first, Step) and isinstance(first.body, Atom)
    assert (first.body.start, first.body.end) == (0, 2)
    assert second.ops[0].kind == "fast" and (second.start, second.end) == (3, 7)


# -- errors -------------------------------------------------------------------------------------------

ERRORS = [
    ("bd [sd", 1, 4, "unclosed '['"),
    ("bd sd]", 1, 6, "unexpected ']'"),
    ("bd <sd", 1, 4, "unclosed '<'"),
    ("{a b", 1, 1, "unclosed '{'"),
    ("a(3,8", 1, 2, "unclosed '('"),
    ("a(3)", 1, 4, "expected ','"),
    ("bd*x", 1, 4, "needs a number"),
    ("bd/[2 x]", 1, 7, "needs numbers"),
    ("a(x,8)", 1, 3, "needs a number"),
    ("a(3.5,8)", 1, 3, "whole numbers"),
    ("a!0", 1, 3, "'!' needs a whole number"),
    ("a?2", 1, 3, "between 0 and 1"),
    ("[]", 1, 2, "expected a step"),
    ("a,,b", 1, 3, "expected a step"),
    ("a, b | c", 1, 6, "cannot mix"),
    ("_ a", 1, 1, "'_' must follow a step"),
    ("a 'b'", 1, 3, "unexpected"),
    ("a\nb [c", 2, 3, "unclosed '['"),
    ("a [b>", 1, 5, "expected ']'"),
    ("<a | b>", 1, 4, "not allowed directly inside"),
    ("a*", 1, 3, "pattern ended"),
]


@pytest.mark.parametrize("text,line,column,message", ERRORS)
def test_syntax_errors(text, line, column, message):
    with pytest.raises(PatternSyntaxError) as info:
        mini(text)
    err = info.value
    assert message in err.message
    assert (err.line, err.column) == (line, column), str(err)
    assert err.text == text
    # the caret sits under the reported column of the reported line
    lines = str(err).splitlines()
    caret_line = lines[-1]
    src_line = lines[-2]
    assert src_line.strip() == text.splitlines()[line - 1].strip()
    assert caret_line.index("^") - 2 == column - 1


def test_non_string_is_type_error():
    with pytest.raises(TypeError):
        mini(42)


def test_step_marker_is_accepted():
    assert same("^[a b] c", "[a b] c") and same("[^a b] c", "[a b] c")


def test_runaway_sizes_are_syntax_errors():
    with pytest.raises(PatternSyntaxError, match="Euclid steps"):
        mini("a(3,100000)")
    with pytest.raises(PatternSyntaxError, match="range") as info:
        mini("0 .. 100000").query(0, 1)
    assert info.value.column == 3

"""The pattern algebra against Strudel's documented examples."""

from fractions import Fraction as F

import pytest

from beatforge.pattern import (
    bjorklund,
    euclid_bools,
    fastcat,
    irand,
    mini,
    pure,
    rand,
    randcat,
    saw,
    sine,
    slowcat,
    stack,
)


def cyc(pat, c, **kw):
    return [e.value for e in pat.query(c, c + 1, **kw)]


def spans(pat, c=0, **kw):
    return [(e.begin, e.end, e.value) for e in pat.query(c, c + 1, **kw)]


def test_rev():
    # note("c d e f").rev()
    assert cyc(mini("c d e f").rev(), 0) == ["f", "e", "d", "c"]
    # rev keeps elongation structure: "a@3 b" -> "b a@3"
    assert spans(mini("a@3 b").rev()) == spans(mini("b a@3"))


def test_every():
    # note("c3 d3 e3 g3").every(4, x=>x.rev())
    p = mini("c3 d3 e3 g3").every(4, lambda x: x.rev())
    assert cyc(p, 0) == ["g3", "e3", "d3", "c3"]
    assert cyc(p, 1) == ["c3", "d3", "e3", "g3"] == cyc(p, 3)
    assert cyc(p, 4) == cyc(p, 0)
    # patterned n
    p = pure("a").every("<2 3>", lambda x: x.fast(2))
    assert [len(cyc(p, c)) for c in range(4)] == [2, 1, 2, 2]  # n=3 on cycle 3


def test_last_of():
    p = mini("c3 d3 e3 g3").last_of(4, lambda x: x.rev())
    assert [cyc(p, c)[0] for c in range(4)] == ["c3", "c3", "c3", "g3"]


def test_ply():
    # s("bd ~ sd cp").ply("<1 2 3>")
    p = mini("bd ~ sd cp").ply("<1 2 3>")
    assert cyc(p, 0) == ["bd", "sd", "cp"]
    assert cyc(p, 1) == ["bd", "bd", "sd", "sd", "cp", "cp"]
    assert len(cyc(p, 2)) == 9
    assert spans(mini("a b").ply(2)) == spans(mini("[a a] [b b]"))


def test_iter():
    # note("0 1 2 3".scale('A minor')).iter(4)
    p = mini("0 1 2 3").iter(4)
    assert [cyc(p, c) for c in range(5)] == [[0, 1, 2, 3], [1, 2, 3, 0], [2, 3, 0, 1], [3, 0, 1, 2], [0, 1, 2, 3]]
    p = mini("0 1 2 3").iter_back(4)
    assert cyc(p, 1) == [3, 0, 1, 2]


def test_palindrome():
    # note("c d e g").palindrome()
    p = mini("c d e g").palindrome()
    assert [cyc(p, c) for c in range(3)] == [["c", "d", "e", "g"], ["g", "e", "d", "c"], ["c", "d", "e", "g"]]


def test_struct():
    # note("c,eb,g").struct("x ~ x ~ ~ x ~ x ~ ~ ~ x ~ x ~ ~")
    p = mini("c,eb,g").struct("x ~ x ~ ~ x ~ x ~ ~ ~ x ~ x ~ ~")
    onsets = sorted({e.begin * 16 for e in p.first_cycle()})
    assert onsets == [0, 2, 5, 7, 11, 13]
    assert len(p.first_cycle()) == 18
    # false values do not make events
    assert len(pure("a").struct("1 0 true false t f").first_cycle()) == 3


def test_mask():
    # note("c [eb,g] d [eb,g]").mask("<1 [0 1]>")
    p = mini("c [eb,g] d [eb,g]").mask("<1 [0 1]>")
    assert cyc(p, 0) == ["c", "eb", "g", "d", "eb", "g"]
    assert cyc(p, 1) == ["d", "eb", "g"]


def test_segment_and_range():
    # n(saw.range(0,8).segment(8))
    assert cyc(saw.range(0, 8).segment(8), 0) == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]
    vals = cyc(sine.segment(4).range(0, 10), 0)
    assert len(vals) == 4 and all(0 <= v <= 10 for v in vals)
    assert cyc(mini("0 0.5 1").range("<0 10>", 20), 1) == [10, 15.0, 20]


def test_euclid_examples():
    # note("c3").euclid(3,8) - the Cuban tresillo
    assert [e.begin * 8 for e in pure("c3").euclid(3, 8).first_cycle()] == [0, 3, 6]
    # note("c3").euclidRot(3,16,14)
    bits = euclid_bools(3, 16, 14)
    assert [i for i, b in enumerate(bits) if b] == [3, 8, 14]
    assert [e.begin * 16 for e in pure("x").euclid_rot(3, 16, 14).first_cycle()] == [3, 8, 14]
    # patterned
    p = pure("x").euclid("<3 5>", 8)
    assert [len(cyc(p, c)) for c in range(2)] == [3, 5]


def test_bjorklund_counts():
    for n in range(1, 17):
        for k in range(0, n + 1):
            b = bjorklund(k, n)
            assert len(b) == n and sum(b) == k
            assert k == 0 or b[0] == 1


def test_euclid_inverted():
    assert [e.begin * 8 for e in pure("x").euclid(-3, 8).first_cycle()] == [1, 2, 4, 5, 7]


def test_early_late_strudel_example():
    # "bd ~".stack("hh ~".late(.25))
    p = stack(mini("bd ~"), mini("hh ~").late(0.25))
    assert spans(p) == [(0, F(1, 2), "bd"), (F(1, 4), F(3, 4), "hh")]
    # patterned: "bd ~".late("<0 .25>")
    p = mini("bd ~").late("<0 .25>")
    assert [e.begin for e in p.query(1, 2)] == [F(5, 4)]


def test_sometimes_by_partitions_events():
    base = pure(1).fast(16)
    p = base.sometimes_by(0.3, lambda x: x + 100)
    events = p.query(0, 16)
    assert len(events) == 16 * 16
    changed = sum(1 for e in events if e.value == 101)
    assert 0.2 * 256 < changed < 0.4 * 256
    assert all(f(base.sometimes_by(0.5, lambda x: x + 1)) for f in [lambda p: p.query(0, 1) == p.query(0, 1)])


def test_some_cycles_by():
    p = pure(1).fast(4).some_cycles_by(0.5, lambda x: x + 1)
    per_cycle = [set(cyc(p, c)) for c in range(40)]
    assert all(len(s) == 1 for s in per_cycle)
    assert {2} in per_cycle and {1} in per_cycle


def test_degrade_by_patterned():
    p = pure("x").fast(8).degrade_by("<0 1>")
    assert len(cyc(p, 0)) == 8 and cyc(p, 1) == []


def test_randcat_and_irand():
    p = randcat("a", "b", "c")
    seen = {cyc(p, c)[0] for c in range(30)}
    assert seen == {"a", "b", "c"}
    vals = {v for c in range(8) for v in cyc(irand(8).segment(4), c)}
    assert vals <= set(range(8)) and len(vals) >= 5


def test_rand_is_continuous_and_in_range():
    (e,) = rand.query_span(0, 1)
    assert e.whole is None and 0 <= e.value < 1


def test_arithmetic():
    # "0 2".add("<10 20>")
    p = mini("0 2").add("<10 20>")
    assert cyc(p, 0) == [10, 12] and cyc(p, 1) == [20, 22]
    assert cyc(mini("1 2") * 2, 0) == [2, 4]
    assert cyc(mini("1 2").mul("3"), 0) == [3, 6]
    assert cyc(mini("4 8").div(2), 0) == [2, 4]
    assert cyc(mini("4 8").sub(1), 0) == [3, 7]
    # structure from the left
    assert spans(mini("1 2") + mini("10 20 30")) == [
        (0, F(1, 2), 11), (F(1, 2), 1, 22)]


def test_superimpose_off_layer():
    p = mini("c e").off(0.125, lambda x: x)
    assert [e.begin for e in p.first_cycle()] == [0, F(1, 8), F(1, 2), F(5, 8)]
    assert len(mini("a b").layer(lambda x: x, lambda x: x.fast(2)).first_cycle()) == 6


def test_repeat_cycles():
    p = mini("<a b c>").repeat_cycles(2)
    assert [cyc(p, c)[0] for c in range(6)] == ["a", "a", "b", "b", "c", "c"]


@pytest.mark.parametrize("seed", [0, 1, 2, 12345])
def test_with_seed(seed):
    p = mini("hh*16?")
    assert p.with_seed(seed).query(0, 4) == p.query(0, 4, seed=seed)

import numpy as np

from beatforge import Kit, Sample
from beatforge.engine.voices import VoicePlanner
from beatforge.kit.model import Layer
from beatforge.sequence import Hit


def _s(level):
    return Sample(np.full(16, level, np.float32), 44100)


def _levels(kit, velocities, seed=0):
    planner = VoicePlanner(kit, 44100, seed)
    return [round(float(planner.plan(Hit(i, "t", "p", v)).data[0, 0]), 2) for i, v in enumerate(velocities)]


def test_round_robin_counts_per_velocity_band():
    kit = Kit("k")
    kit.add_pad("p", [(_s(0.1), 1, 64), (_s(0.2), 1, 64), (_s(0.7), 65, 127), (_s(0.8), 65, 127)])
    assert _levels(kit, [40, 100, 40, 100, 40, 40, 100]) == [0.1, 0.7, 0.2, 0.8, 0.1, 0.2, 0.7]


def test_velocity_layers_pick_by_range_and_nearest():
    kit = Kit("k")
    kit.add_pad("p", [(_s(0.1), 1, 40), (_s(0.9), 90, 127)])
    assert _levels(kit, [1, 40, 41, 70, 89, 90, 127]) == [0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9]


def test_random_selection_is_seeded():
    kit = Kit("k")
    kit.add_pad("p", [_s(0.1), _s(0.2), _s(0.3), _s(0.4)], selection="random")
    a, b, c = (_levels(kit, [100] * 24, seed) for seed in (7, 7, 8))
    assert a == b and a != c and set(a) == {0.1, 0.2, 0.3, 0.4}


def test_sequence_positions_and_random_ranges():
    kit = Kit("k")
    kit.add_pad("p", [Layer(None, data=_s(0.1), seq=1, seq_length=2),
                      Layer(None, data=_s(0.2), seq=2, seq_length=2, rand_lo=0.0, rand_hi=0.5),
                      Layer(None, data=_s(0.3), seq=2, seq_length=2, rand_lo=0.5, rand_hi=1.0)])
    levels = _levels(kit, [100] * 40, seed=3)
    assert levels[::2] == [0.1] * 20                   # odd hits: position 1
    assert set(levels[1::2]) == {0.2, 0.3}             # even hits: position 2, random half
    assert levels == _levels(kit, [100] * 40, seed=3)


def test_choke_self_and_fade():
    from beatforge.engine.render import plan_voices

    kit = Kit("k")
    kit.add_pad("hat", _s(0.5), choke_group="h", choked_by={"h"})
    kit.add_pad("open", _s(0.5), choke_group="h", choked_by={"h"}, choke_self=False, choke_fade=0.01)
    hits = [Hit(0, "t", "open", 100), Hit(4, "t", "open", 100), Hit(8, "t", "hat", 100), Hit(12, "t", "hat", 100)]
    _, cuts = plan_voices(hits, kit, 44100)
    assert cuts == {0: (8, 441), 1: (8, 441), 2: (12, 220)}

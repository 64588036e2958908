"""Wording of kit check reports and kit show summaries."""

import numpy as np

from beatforge import Kit, Sample
from beatforge.kit.tools import check_kit


def test_clipping_just_under_full_scale_reads_plus_zero_db():
    full = np.float32(1.0) - np.float32(2 ** -24)      # the largest float32 below 1.0
    kit = Kit("k")
    kit.add_pad("hot", Sample(np.full((64, 1), full, np.float32), 44100), note=36)
    (issue,) = check_kit(kit)
    assert "clipping (peak +0.0 dBFS)" in issue, issue


def test_one_uncovered_velocity_is_singular():
    one = Sample(np.full((64, 1), 0.5, np.float32), 44100)
    kit = Kit("k")
    kit.add_pad("a", [(one, 1, 71), (one, 73, 127)], note=36)
    kit.add_pad("b", [(one, 1, 60), (one, 80, 127)], note=38)
    issues = check_kit(kit)
    assert "pad 'a': velocity 72 falls between its layers' ranges" in issues, issues
    assert "pad 'b': velocities 61-79 fall between its layers' ranges" in issues, issues


def test_kit_show_gives_a_melodic_pads_root():
    from beatforge import load_kit
    from beatforge.kit.tools import describe

    text = describe(load_kit("factory"))
    (line,) = [l for l in text.splitlines() if l.strip().startswith("808:")]
    assert "root 24 (C1)" in line, line

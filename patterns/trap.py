"""Trap: 140 bpm, half-time snare and clap on beat 3, 32nd-note hat rolls and an 808 bass line.

The 808 pad chokes itself, so each new 808 note cuts the previous one (mono bass, the
way trap producers play it). Root is C1; pitch is in semitones (F minor here).
"""

from beatforge import Beat
from beatforge.pattern.grid import grid

beat = Beat(bpm=140, swing=50, kit="factory", name="trap")

#                     bar 1              bar 2              bar 3              bar 4
beat.track("kick",   "X.........x..... | X......x..x..... | X.........x..... | X......x.x...x..",
           gain_db=-3)
beat.track("snare",  "........X....... | ........X....... | ........X....... | ........X.....o.")
beat.track("clap",   "........x....... | ........x....... | ........x....... | ........x.......",
           gain_db=-3)
# Hats on a 32nd-note grid (32 characters per bar, played twice as fast as a 16th grid),
# so the rolls and ratchets can be written out: "x." is a 16th, "xx" two 32nds.
beat.track("hat", grid(
    "X.x.x.x.X.x.x.x.X.x.x.x.X.x.x.x. | X.x.x.x.X.x.x.x.X.x.x.x.ooxxxxXX |"
    "X.x.x.x.X.x.xxxxX.x.x.x.X.x.x.x. | X.x.x.x.X.x.x.x.ooooxxxxxxxxXXXX").fast(2),
    gain_db=-4, pan=0.1)
beat.track("crash",  "x............... | ................ | ................ | ................",
           gain_db=-4)

beat.track("808_f",  "X.........x..... | X.........x..... | X.........x..... | X...............",
           pad="808", pitch=5)
beat.track("808_ab", "................ | .......x........ | ................ | .......x........",
           pad="808", pitch=8)
beat.track("808_eb", "................ | ................ | .......x......x. | ................",
           pad="808", pitch=3)
beat.track("808_c",  "................ | ................ | ................ | .........x...x..",
           pad="808", pitch=12)

"""Boom bap: dusty 90s hip-hop at 90 bpm with a lazy 16th swing, on the lo-fi kit.

Grid: one character per 16th note, 16 per bar (bars separated by | for reading).
x = hit, X = accent, o = ghost note, . = rest.
"""

from beatforge import Beat

beat = Beat(bpm=90, swing=57, kit="lofi", name="boom_bap")

#                     bar 1              bar 2              bar 3              bar 4
beat.track("kick",   "X......x.x...... | X.........X..x.. | X......x.x...... | X......x.x...x..",
           gain_db=1)
beat.track("snare",  "....X.......X... | ....X.......X..o | ....X.......X... | ....X..o....X.o.",
           gain_db=2)
beat.track("hat",    "x.xox.x.x.xox.x. | x.xox.x.x.xox.xo | x.xox.x.x.xox.x. | x.xox.x.x.xox...",
           gain_db=1)
beat.track("openhat", "................ | ................ | ................ | ..............x.")
beat.track("rim",    "................ | ..........o..... | ................ | ......o...o.....",
           gain_db=2, pan=0.25)

# A walking bass on the tuned 808 (root C1; pitch in semitones): F minor, F - Ab - Eb - C.
beat.track("bass_f",  "x............... | x............... | x............... | x...............",
           pad="808", pitch=5, gain_db=-4)
beat.track("bass_ab", "..........x..... | ................ | ..........x..... | ................",
           pad="808", pitch=8, gain_db=-4)
beat.track("bass_eb", "................ | ..........x..x.. | ................ | ..........x.....",
           pad="808", pitch=3, gain_db=-4)
beat.track("bass_c",  "................ | ................ | ................ | ..............x.",
           pad="808", pitch=0, gain_db=-4)

"""Drum and bass: 174 bpm two-step break with ghost snares, driving hats and a long sub.
"""

from beatforge import Beat

beat = Beat(bpm=174, swing=50, kit="factory", name="dnb")

#                     bar 1              bar 2              bar 3              bar 4
beat.track("kick",   "X.........x..... | X.........x..x.. | X.........x..... | X.x.......x.....")
beat.track("snare",  "....X.......X... | ....X..o....X..o | ....X.......X... | ....X..o.o..X.XX")
beat.track("hat",    "x.xox.x.x.xox.xo | x.xox.x.x.xox.xo | x.xox.x.x.xox.xo | x.xox.x.x.xo....",
           gain_db=-1, pan=0.1)
beat.track("openhat", "................ | ..............x. | ................ | ................",
           gain_db=-2)
beat.track("ride",   "x...x...x...x... | x...x...x...x... | x...x...x...x... | x...x...x.......",
           gain_db=-4, pan=-0.2)
beat.track("crash",  "x............... | ................ | ................ | ................",
           gain_db=-7)

# Long sub notes (root C1): F1 ... Db1 ... Eb1.
beat.track("sub_f",  "x............... | ................ | x............... | ................",
           pad="808", pitch=5, gain_db=-3)
beat.track("sub_db", "................ | ..........x..... | ................ | ................",
           pad="808", pitch=1, gain_db=-3)
beat.track("sub_eb", "................ | ................ | ................ | ..........x.....",
           pad="808", pitch=3, gain_db=-3)

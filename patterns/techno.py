"""Techno: 130 bpm, driving kick with a rolling sub "rumble", off-beat ride, 3-3-2 rim.

The rumble is the 808 played quietly on the 16ths between kicks; because the 808 pad
chokes itself every note cuts the last, so it pulses like a filtered kick tail.
"""

from beatforge import Beat

beat = Beat(bpm=130, swing=50, kit="factory", name="techno")

#                     bar 1              bar 2              bar 3              bar 4
beat.track("kick",   "X...X...X...X... | X...X...X...X... | X...X...X...X... | X...X...X...X.x.")
beat.track("rumble", ".xo..xo..xo..xo. | .xo..xo..xo..xo. | .xo..xo..xo..xo. | .xo..xo..xo.....",
           pad="808", pitch=5, gain_db=-8)
beat.track("ride",   "..x...x...x...x. | ..x...x...x...x. | ..x...x...x...x. | ..x...x...x...x.",
           gain_db=1, pan=0.15)
beat.track("hat",    "xoxoxoxoxoxoxoxo | xoxoxoxoxoxoxoxo | xoxoxoxoxoxoxoxo | xoxoxoxoxoxoxoxo",
           gain_db=-3, pan=-0.15)
beat.track("clap",   "....x.......x... | ....x.......x... | ....x.......x... | ....x.......x.xx",
           gain_db=-2)
beat.track("rim",    "x..x..x...x..x.. | x..x..x...x..x.. | x..x..x...x..x.. | x..x..x...x..x..",
           gain_db=-6, pan=0.35)
beat.track("crash",  "x............... | ................ | ................ | ................",
           gain_db=-5)

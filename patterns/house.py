"""House: 124 bpm four on the floor, clap on 2 and 4, open hats on the off-beats.

The closed hats on the beat cut the open hats (same choke group), which gives the
classic short "tss" off-beat. A slight swing (54) loosens the 16ths.
"""

from beatforge import Beat

beat = Beat(bpm=124, swing=54, kit="factory", name="house")

#                     bar 1              bar 2              bar 3              bar 4
beat.track("kick",   "X...x...X...x... | X...x...X...x... | X...x...X...x... | X...x...X...x.x.")
beat.track("clap",   "....x.......x... | ....x.......x... | ....x.......x... | ....x.......x..o")
beat.track("openhat", "..x...x...x...x. | ..x...x...x...x. | ..x...x...x...x. | ..x...x...x...x.")
beat.track("hat",    "oo..oo..oo..oo.. | oo..oo..oo..oo.. | oo..oo..oo..oo.. | oo..oo..oo..oo..",
           gain_db=2, pan=-0.2)
beat.track("shaker", ".x.x.x.x.x.x.x.x | .x.x.x.x.x.x.x.x | .x.x.x.x.x.x.x.x | .x.x.x.x.x.x.x.x",
           gain_db=-3, pan=0.2)
beat.track("rim",    "...x..x.......x. | ...x..x......x.. | ...x..x.......x. | ...x..x...x..x..",
           gain_db=-4, pan=0.3)
beat.track("crash",  "x............... | ................ | ................ | ................",
           gain_db=-4)

# Off-beat bass: A1 and C2 on the tuned 808 (root C1).
beat.track("bass_a", "..x...x...x...x. | ..x...x......... | ..x...x...x...x. | ..x...x.........",
           pad="808", pitch=9, gain_db=-4)
beat.track("bass_c", "................ | ..........x...x. | ................ | ..........x.....",
           pad="808", pitch=12, gain_db=-4)
beat.track("bass_g", "................ | ................ | ................ | ..............x.",
           pad="808", pitch=7, gain_db=-4)

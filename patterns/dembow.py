"""Dembow / reggaeton: 100 bpm, four-on-the-floor kick under the "boom-ch-boom-chick" snare.

The snare (doubled by the rim) plays the dembow figure on 16ths 4, 7, 12 and 15 of
each bar; the 808 answers the kick with a tresillo, and toms fill the last bar.
"""

from beatforge import Beat

beat = Beat(bpm=100, swing=50, kit="factory", name="dembow")

#                     bar 1              bar 2              bar 3              bar 4
beat.track("kick",   "X...x...X...x... | X...x...X...x... | X...x...X...x... | X...x...x.......")
beat.track("snare",  "...x..x....x..x. | ...x..x....x..x. | ...x..x....x..x. | ...x..x.........",
           gain_db=-2)
beat.track("rim",    "...x..x....x..x. | ...x..x....x..x. | ...x..x....x..x. | ...x..x.........",
           gain_db=-5, pan=0.3)
beat.track("hat",    "x.x.x.x.x.x.x.x. | x.x.x.x.x.x.x... | x.x.x.x.x.x.x.x. | x.x.x.x.x.x.....",
           gain_db=-2, pan=-0.2)
beat.track("openhat", "................ | ..............x. | ................ | ................",
           gain_db=-3)
beat.track("hightom", "................ | ................ | ................ | ........x.x.....", gain_db=-3)
beat.track("midtom", "................ | ................ | ................ | ............x.x.", gain_db=-3)
beat.track("lowtom", "................ | ................ | ................ | ..............xx", gain_db=-3)
beat.track("crash",  "x............... | ................ | ................ | ................",
           gain_db=-4)

# Bass (root C1): G1 tresillo, moving to Bb1 in bars 2 and 4.
beat.track("bass_g", "x..x..x.x..x..x. | x..x..x......... | x..x..x.x..x..x. | x..x..x.........",
           pad="808", pitch=7, gain_db=-4)
beat.track("bass_bb", "................ | ........x..x..x. | ................ | ........x..x....",
           pad="808", pitch=10, gain_db=-4)

"""Afrobeats: 106 bpm, syncopated kick, rim "clave", shuffling shaker and a log-drum-ish tom line.

A touch of swing (55) gives the 16ths their bounce.
"""

from beatforge import Beat

beat = Beat(bpm=106, swing=55, kit="factory", name="afrobeats")

#                     bar 1              bar 2              bar 3              bar 4
beat.track("kick",   "X.....x...x..... | X.....x...x...x. | X.....x...x..... | X.....x...x.x...")
beat.track("clap",   "....x.......x... | ....x.......x... | ....x.......x... | ....x.......x...",
           gain_db=-3)
beat.track("rim",    "..x..x....x..x.. | ..x..x....x..x.. | ..x..x....x..x.. | ..x..x....x..x..",
           gain_db=-3, pan=0.3)
beat.track("hat",    "x.x.x.x.x.x.x.x. | x.x.x.x.x.x.x.x. | x.x.x.x.x.x.x.x. | x.x.x.x.x.x.....",
           gain_db=-5, pan=-0.2)
beat.track("shaker", "xoxxxoxxxoxxxoxx | xoxxxoxxxoxxxoxx | xoxxxoxxxoxxxoxx | xoxxxoxxxoxxxoxx",
           gain_db=-1, pan=0.25)
beat.track("openhat", "................ | ................ | ................ | ............x...",
           gain_db=-3)
beat.track("cowbell", "x.......x.x..... | ................ | x.......x.x..... | ................",
           gain_db=-6, pan=-0.35)
beat.track("midtom", "...x.....x...... | ...x.....x...x.. | ...x.....x...... | ...x.....x......",
           gain_db=-2)
beat.track("lowtom", "......x.......x. | ......x......... | ......x.......x. | ......x.......xx",
           gain_db=-2)

# Bass (root C1): A1 and G1.
beat.track("bass_a", "x.....x......... | x.....x......... | x.....x......... | x.....x.........",
           pad="808", pitch=9, gain_db=-5)
beat.track("bass_g", "..........x..... | ..........x..... | ..........x..... | ..........x.x...",
           pad="808", pitch=7, gain_db=-5)

"""A lo-fi song in mini-notation: sections, fills and a groove, rendered with the same CLI.

    beatforge render patterns/songs/lofi_song.py -o song.wav
    beatforge show patterns/songs/lofi_song.py --bars 4
"""

from beatforge import Beat, Song, mini, note

beat = Beat(bpm=88, swing=57, kit="lofi", seed=3, humanize_ms=4, humanize_vel=6)

# Drums in one track: the event values name the pads ("kick:1" is variant 1 of the kick).
beat.track("drums", mini("[kick ~ ~ kick] [~ snare] [~ kick:1 kick ~] [snare, clap?0.7]"))
# Hats with a per-event velocity pattern and a slight drag on the off-beats.
beat.track("hats", mini("hat*8").velocity("[96 58]*4").nudge("0 5"), gain_db=-2)
beat.track("rim", mini("rim(3,8,<0 2>)").velocity(70), pan=-0.3, mute=True)
# The bass plays notes relative to the 808's root (C1).
beat.track("bass", note("<[f1 ~ ~ f1] [ab1 ~ eb1 ~] [c2 ~ ~ bb1] [f1 ~ c1 ~]>"), pad="808", gain_db=-4)

song = Song(name="lofi_song")
song.section("intro", beat, bars=2, mute=["drums", "bass"])
song.section("verse", beat, bars=4, fills={"drums": mini("kick [snare*2] [snare*4] [snare*3, clap]")},
             fill_every=4)
song.section("hook", beat, bars=4, unmute=["rim"])
song.arrange("intro verse hook verse hook")

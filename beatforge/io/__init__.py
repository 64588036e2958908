"""Outputs: audio files, MIDI files, Hydrogen songs."""

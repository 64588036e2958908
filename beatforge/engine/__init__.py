"""Audio engine: voice banks and the mixer (native C with a numpy reference)."""

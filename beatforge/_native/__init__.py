"""Native (C) parts of beatforge, built with cffi by build_mixer.py."""

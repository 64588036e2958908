"""Live jam: MIDI pads into the engine over a looping beat (``beatforge jam``).

Importing this package is cheap; pyo, rtmidi and rich are imported only when a jam starts.
"""

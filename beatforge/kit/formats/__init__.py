"""Kit formats.  Each module turns files on disk into a :class:`~beatforge.kit.model.Kit`."""

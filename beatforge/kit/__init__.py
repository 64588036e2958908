"""Kits: pads, velocity layers and samples, in any supported format."""

from .model import Envelope, Kit, Layer, Pad
from .resolve import find_kit, load_kit, register_format, search_path
from .sample import Sample, load_sample

__all__ = ["Envelope", "Kit", "Layer", "Pad", "Sample", "find_kit", "load_kit", "load_sample",
           "register_format", "search_path"]

"""Applications built from the library: the demo, batch runs, guided sessions, emulated devices.

``app`` may import every library layer; only :mod:`emgkit.cli` imports ``app``.
"""

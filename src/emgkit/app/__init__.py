"""Applications built from the library.

The demo, batch runs, guided sessions, emulated devices and the clinic's live screen
(:mod:`emgkit.app.ui`).

``app`` may import every library layer; only :mod:`emgkit.cli` imports ``app``.
"""

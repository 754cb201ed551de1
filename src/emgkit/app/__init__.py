"""Applications built on the emgkit library (the clinic's live screen: :mod:`emgkit.app.ui`)."""

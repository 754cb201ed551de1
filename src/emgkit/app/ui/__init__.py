"""``emgkit ui``: the clinic's live screen in the browser (needs ``emgkit[ui]``).

A local aiohttp server drives the guided session of :mod:`emgkit.app.session.runner` with the
same recorder as ``emgkit record`` and pushes decimated envelopes to one page app over a
WebSocket. See docs/ui.md.
"""

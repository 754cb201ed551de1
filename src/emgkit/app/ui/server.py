"""The screen's HTTP + WebSocket server (aiohttp), bound to 127.0.0.1 unless ``--lan``.

Routes: ``/`` the page, ``/static/*`` its assets (shipped in the wheel, no CDN), ``/ws`` the
WebSocket (decimated envelopes pushed as soon as the live feed has them, the state on change
and 4x a second; commands from the page),
``/api/options``, ``/api/patient/<pseudonym>``, ``/files/<pseudonym>/<session>/<file>`` the
session's report and files. With a token (``--lan``) every request needs ``?token=`` or the
cookie the first page load sets.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import mimetypes
import secrets
import time
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from emgkit.app.ui.session import Controller, safe_pseudonym
from emgkit.errors import EmgkitError

__all__ = ["STATIC", "make_app", "new_token"]

STATIC = Path(__file__).with_name("static")
_COOKIE = "emgkit_token"
_STATE_GAP = 1.0 / 30  # seconds between state messages at most


def new_token() -> str:
    """A random URL-safe token for ``--lan`` (128 bits)."""
    return secrets.token_urlsafe(16)


def _points_json(pts: list[Any], seq: int) -> str:
    # arrival: when the feed received the chunk of the message's *oldest* point (the worst
    # case of the message); sent: when the message left (both time.time(), for the latency
    # breakdown the page keeps in window.__emgkit.lat); byte (only when the recorder stamps
    # arrivals, a diagnostic mode): when the serial read() returned the bytes of that oldest
    # point's newest row (window.__emgkit.stamps)
    msg: dict[str, Any] = {
        "type": "env",
        "seq": seq,
        "t": [round(p.t, 4) for p in pts],
        "env": [[round(v, 2) for v in p.env] for p in pts],
        "raw": [[round(v, 1) for v in p.raw] for p in pts],
        "arrival": pts[0].arrival if pts else None,
    }
    if pts and pts[0].byte is not None:
        msg["byte"] = pts[0].byte
    msg["sent"] = time.time()
    return json.dumps(msg, separators=(",", ":"))


def make_app(
    ctl: Controller, *, token: str | None = None, push_hz: float = 120.0
) -> web.Application:
    """The aiohttp application around one :class:`Controller`.

    Parameters
    ----------
    ctl : Controller
    token : str, optional
        Required on every request when given (the ``--lan`` mode).
    push_hz : float
        At most this many envelope pushes per second. A push goes out as soon as the live
        feed has new points (the feed wakes the push loop), so the points are not held for a
        push period; the cap only coalesces bursts (a faster-than-real-time emulator). The
        feed itself keeps 50 points per second of samples.
    """

    @web.middleware
    async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
        if token is not None:
            given = request.query.get("token") or request.cookies.get(_COOKIE, "")
            if not hmac.compare_digest(given.encode(), token.encode()):
                raise web.HTTPForbidden(text="this screen needs the token printed by emgkit ui")
        resp: web.StreamResponse = await handler(request)
        if token is not None and request.query.get("token"):
            resp.set_cookie(_COOKIE, token, httponly=True, samesite="Strict")
        resp.headers["Content-Security-Policy"] = (
            "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
        )
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    async def index(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def options(request: web.Request) -> web.Response:
        return web.json_response(await asyncio.to_thread(ctl.options))

    async def identify(request: web.Request) -> web.Response:
        port = request.query.get("port", "")
        if port not in {p["port"] for p in ctl.options()["ports"]}:
            return web.json_response({"error": "unknown port"}, status=400)
        return web.json_response(await asyncio.to_thread(ctl.identify, port))

    async def patient(request: web.Request) -> web.Response:
        try:
            pseudo = safe_pseudonym(request.match_info["pseudonym"])
        except EmgkitError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        from emgkit.app.ui.patient import patient_sessions

        return web.json_response(await asyncio.to_thread(patient_sessions, ctl.data_dir, pseudo))

    async def files(request: web.Request) -> web.StreamResponse:
        root = ctl.data_dir.resolve()
        path = (root / request.match_info["path"]).resolve()
        if root not in path.parents or not path.is_file():
            raise web.HTTPNotFound()
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return web.FileResponse(path, headers={"Content-Type": ctype})

    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        # WebSockets are not covered by the browser's same-origin policy: without this check any
        # web page open in the same browser could drive the session on 127.0.0.1
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            raise web.HTTPForbidden(text="the live screen accepts connections from its own page")
        ws = web.WebSocketResponse(heartbeat=10.0, max_msg_size=1 << 16)
        await ws.prepare(request)
        seq = 0
        version = -1
        feed = None

        async def push() -> None:
            nonlocal seq, version, feed
            min_gap = 1.0 / push_hz
            loop = asyncio.get_running_loop()
            wake = asyncio.Event()

            def notify() -> None:  # called in the feed's thread
                with contextlib.suppress(RuntimeError):  # the loop is closing
                    loop.call_soon_threadsafe(wake.set)

            sent_at = 0.0
            last_env = 0.0
            ctl.add_listener(notify)
            try:
                while not ws.closed:
                    if ctl.feed is not feed:  # a new segment: start from its kept window
                        if feed is not None:
                            feed.remove_listener(notify)
                        feed, seq = ctl.feed, 0
                        if feed is not None:
                            feed.add_listener(notify)
                    wake.clear()
                    if feed is not None:
                        pts, last = feed.since(seq)
                        if pts:
                            await ws.send_str(_points_json(pts, last))
                            last_env = loop.time()
                        seq = last
                    # envelopes first (latency); the state on a change (at most 30 times a
                    # second: the countdown ticks) and 4 times a second (the counters)
                    now = loop.time()
                    changed = ctl.version != version
                    if (changed and now - sent_at >= _STATE_GAP) or now - sent_at >= 0.25:
                        version, sent_at = ctl.version, now
                        state = json.dumps({"type": "state", "state": ctl.public_state()})
                        await ws.send_str(state)
                        changed = False
                    # wait for new points or a state change; a change held back by the 30/s cap
                    # is sent when the cap allows
                    timeout = max(0.0, sent_at + _STATE_GAP - now) if changed else 0.25
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), timeout)
                    gap = last_env + min_gap - loop.time()
                    if gap > 0:
                        await asyncio.sleep(gap)
            finally:
                ctl.remove_listener(notify)
                if feed is not None:
                    feed.remove_listener(notify)

        task = asyncio.create_task(push())
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except json.JSONDecodeError:
                    continue
                if isinstance(data, dict):
                    await asyncio.to_thread(ctl.command, data)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        return ws

    app = web.Application(middlewares=[guard])
    app.router.add_get("/", index)
    app.router.add_get("/api/options", options)
    app.router.add_get("/api/identify", identify)
    app.router.add_get("/api/patient/{pseudonym}", patient)
    app.router.add_get("/ws", ws_handler)
    app.router.add_get("/files/{path:.+}", files)
    app.router.add_static("/static/", STATIC, show_index=False)
    return app

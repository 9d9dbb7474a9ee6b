"""A real HTTP/1.1 site on 127.0.0.1, for katas whose code under test is an HTTP client (httpx or any other). The
judge is the server: it sees every request arrive, every response leave, and every connection the client closes.

`SiteServer({path: Page(...)})`: serves the pages on keep-alive connections. A page chooses its status, its links
(an HTML body of `<a href>`s in document order), extra headers, a raw body, and how it misbehaves: answered only
once other paths have been requested (`after`, a gate that makes orders exact without timing), after a delay,
stalling midway through its body, trickling its body a byte at a time, dropping the connection unanswered, or
sending a broken response.

Instruments: `hits` (every request, in arrival order: path, Host header, when it arrived and ended, whether its
response went out whole or the client left first), `peak` (most requests in flight at once, from a request's
head read to its last byte handed to the transport: such an interval lies within the client's own, so the
count never exceeds what the client had in flight), `gave_up` (gates that opened by patience, not by the
requests they waited for), and `watch_end(call)`: which connections the client still held open when the judge
learned its call ended.
"""

import asyncio
import html
import select
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .network import HOST, PATIENCE, stop_server
from .sandbox import RemoteCall
from .timing import real_perf_counter, real_sleep, units, until

REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found", 500: "Internal Server Error"}
# A stalled or trickling response gives up on a client that is still there after this long: far past any
# timeout a check sets, so a client that never gave up shows as one.
STALL_LIMIT = units(12)


@dataclass
class Page:
    """How the server answers one path."""

    status: int = 200
    links: tuple[str, ...] = ()  # hrefs, as written in the page (relative or absolute)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # instead of the HTML made from `links`
    after: tuple[str, ...] = ()  # answer only once these paths have been requested (or PATIENCE has passed)
    delay: float = 0.0  # seconds before the response (after the gate)
    stall: bool = False  # send the headers and half the body, then nothing more
    trickle: float = 0.0  # send the body one byte every `trickle` seconds
    drop: bool = False  # close the connection without answering
    raw: bytes | None = None  # send these bytes as the whole response (a broken one, say), then close

    def content(self) -> bytes:
        if self.body is not None:
            return self.body
        anchors = "".join(f'<li><a href="{html.escape(href, quote=True)}">link</a></li>\n' for href in self.links)
        return f"<!doctype html>\n<html><body><ul>\n{anchors}</ul></body></html>\n".encode()


@dataclass
class Hit:
    """One request the server read."""

    path: str
    host: str
    connection: "SiteConnection"
    arrived: float
    ended: float | None = None
    answered: bool = False  # its whole response was handed to the transport
    left: bool = False  # the client closed the connection before the whole response went out
    dropped: bool = False  # the server closed it unanswered (Page.drop), or gave up on a stalled client

    @property
    def done(self) -> bool:
        return self.ended is not None


@dataclass
class SiteConnection:
    """One connection the server accepted."""

    opened: float
    sock: Any = field(default=None, repr=False)
    closed: float | None = None
    closed_by_client: bool = False
    open_at_end: bool | None = None  # the client still held it open when the judge learned its call ended

    def open_now(self) -> bool:
        """Does the client still hold the connection open, now? Not if either side has closed it: the client's FIN
        or reset is asked of the kernel (on loopback it is there at once, before the server's task has read it)."""
        if self.closed is not None:
            return False
        fileno = self.sock.fileno() if self.sock is not None else -1
        if fileno < 0:
            return False
        poller = select.poll()
        poller.register(fileno, select.POLLRDHUP)
        events = poller.poll(0)
        return not (events and events[0][1] & (select.POLLRDHUP | select.POLLHUP | select.POLLERR))


class _Gone(Exception):
    """The client closed the connection while the server was answering."""


class SiteServer:
    """`async with SiteServer({"/": Page(links=("/a",)), "/a": Page()}) as site:` an HTTP server on 127.0.0.1
    (`site.port`; `site.url(path)` is a page's URL). A path it has no page for answers 404 with an empty page."""

    def __init__(self, pages: dict[str, Page]) -> None:
        self.pages = pages
        self.hits: list[Hit] = []
        self.connections: list[SiteConnection] = []
        self.peak = 0
        self.in_flight = 0
        self.gave_up: list[str] = []  # paths whose gate opened by patience
        self._handlers: set[asyncio.Task] = set()

    async def __aenter__(self) -> "SiteServer":
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.host, self.port = self._server.sockets[0].getsockname()[:2]
        self.origin = f"http://{self.host}:{self.port}"
        return self

    async def __aexit__(self, *exc_info) -> None:
        await stop_server(self._server, self._handlers)

    def url(self, path: str) -> str:
        return self.origin + path

    @property
    def requested(self) -> list[str]:
        """The path of every request, in the order they arrived."""
        return [hit.path for hit in self.hits]

    def counts(self) -> Counter:
        return Counter(self.requested)

    def hit(self, path: str) -> Hit | None:
        return next((hit for hit in self.hits if hit.path == path), None)

    def watch_end(self, call: RemoteCall) -> None:
        """Note, in the very step the judge learns that `call` ended, which connections were still open."""

        def at_end() -> None:
            for conn in self.connections:
                conn.open_at_end = conn.open_now()

        call.on_end.append(at_end)

    def open_at_end(self) -> list[SiteConnection]:
        return [conn for conn in self.connections if conn.open_at_end]

    def running_at_end(self) -> list[Hit]:
        """Requests whose response had not gone out whole, on connections the client still held open, when the
        call ended: requests still running."""
        return [hit for hit in self.hits if not hit.answered and hit.connection.open_at_end]

    async def until_ended(self, within: float = PATIENCE) -> bool:
        """Wait until every request has ended (answered, or the client left, or the server gave up): a client
        that closed a connection is seen by the server's task a few loop iterations later."""
        return await until(lambda: all(hit.done for hit in self.hits), within)

    async def until_requested(self, *paths: str, within: float = PATIENCE) -> bool:
        return await until(lambda: all(path in self.requested for path in paths), within)

    # --- serving ----------------------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        task.set_name("harness:site")
        self._handlers.add(task)
        conn = SiteConnection(opened=real_perf_counter(), sock=writer.get_extra_info("socket"))
        self.connections.append(conn)
        try:
            while True:
                head = await self._read_head(reader)
                if head is None:
                    conn.closed_by_client = True
                    return
                path, host = head
                hit = Hit(path=path, host=host, connection=conn, arrived=real_perf_counter())
                self.hits.append(hit)
                self.in_flight += 1
                self.peak = max(self.peak, self.in_flight)
                try:
                    keep = await self._answer(reader, writer, hit)
                except _Gone:
                    hit.left = conn.closed_by_client = True
                    return
                finally:
                    hit.ended = real_perf_counter()
                    self.in_flight -= 1
                if not keep:
                    return
        except (ConnectionError, OSError):
            conn.closed_by_client = True
        except asyncio.CancelledError:
            return  # the server is closing (a cancelled stream handler is logged as an error on 3.11 and 3.12)
        finally:
            conn.closed = real_perf_counter()
            self._handlers.discard(task)
            writer.transport.abort()

    @staticmethod
    async def _read_head(reader: asyncio.StreamReader) -> tuple[str, str] | None:
        """The next request's path and Host header; None when the client closed the connection."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            return None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        path = parts[1] if len(parts) >= 2 else ""
        host = ""
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "host":
                host = value.strip()
        return path, host

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, hit: Hit) -> bool:
        """Answer one request, watching for the client leaving meanwhile; whether the connection stays open."""
        page = self.pages.get(hit.path, Page(status=404))
        watching = asyncio.ensure_future(reader.read(1))  # b"": the client has gone (it sends nothing meanwhile)
        try:
            if page.after:
                if not await self._while_there(watching, self.until_requested(*page.after)):
                    self.gave_up.append(hit.path)
            if page.delay:
                await self._while_there(watching, real_sleep(page.delay))
            if page.drop or page.raw is not None:
                if page.raw is not None:
                    writer.write(page.raw)
                hit.dropped = True
                return False
            body = page.content()
            head = f"HTTP/1.1 {page.status} {REASONS.get(page.status, 'Whatever')}\r\n"
            headers = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body)), **page.headers}
            head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
            if page.stall:
                writer.write(head.encode() + body[: len(body) // 2])
                await self._while_there(watching, real_sleep(STALL_LIMIT))
                hit.dropped = True  # the client never gave up: the server does
                return False
            if page.trickle:
                writer.write(head.encode())
                for index in range(len(body) - 1):
                    writer.write(body[index : index + 1])
                    await self._while_there(watching, real_sleep(page.trickle))
                body = body[-1:]
            else:
                body = head.encode() + body
            if watching.done():
                raise _Gone
            writer.write(body)
            hit.answered = True  # handed over: nothing the server does after this delays the client
            await writer.drain()
            return True
        finally:
            if not watching.done():
                watching.cancel()
                await asyncio.wait([watching])
            if not watching.cancelled():
                watching.exception()  # retrieved: a reset there is the client leaving

    @staticmethod
    async def _while_there(watching: asyncio.Future, work) -> bool:
        """Run `work` unless the client leaves first (then raise _Gone); what `work` returned, or True."""
        task = asyncio.ensure_future(work)
        try:
            await asyncio.wait([task, watching], return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait([task])
        if watching.done():
            raise _Gone
        result = task.result()
        return True if result is None else bool(result)

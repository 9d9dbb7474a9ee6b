"""A server of length-prefixed frames on 127.0.0.1, for katas whose client under test speaks a framed protocol: a
4-byte big-endian unsigned length, then that many bytes. It plays the other side for real, and plays it badly on
purpose: replies cut into pieces a few loop turns apart, replies that stall, lengths larger than allowed, a close
in the middle of a frame.

`FrameServer(script)`: `script(index, payload) -> Reply` says what to do with a connection's index-th request.
The server sees for itself: every request (its payload, when it arrived, whether the next request's bytes had
arrived before its reply was complete), frames that never came whole, and whether the client had closed the
connection when the judge learned its call ended (`watch_end`).
"""

import asyncio
import contextlib
import select
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .network import HOST, stop_server
from .sandbox import RemoteCall, SandboxEnded, current_sandbox
from .timing import real_perf_counter, real_sleep, units, until
from .watch import LoopWatch

PATIENCE = units(3)  # how long the server waits for what a correct client does at once (a whole frame, a close)
HOLD = units(30)  # how long a stalled reply stalls: longer than any check waits, shorter than its budget


# No check sends a request this large (what crosses to the sandbox is less than a mebibyte): a header announcing
# more is a wrong header, given up on at once.
LARGEST = 1 << 20


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


@dataclass
class Reply:
    """What the server does with one request.

    data: the reply's payload (framed with its length), or `raw` bytes sent as they are (a header alone, a cut
    frame); cuts: offsets at which the bytes sent are cut into pieces, each sent a few loop turns after the last;
    delay: seconds before the first piece; stall: seconds before the last piece (HOLD: it never comes in any
    check); close: close the connection once the bytes are sent (before any stall); turn: a LoopWatch, and the
    reply is sent only once the sandbox's loop has had a turn since the request came, or TURN_PATIENCE after it
    (code that waits for the reply in a blocking way holds its loop that long, exactly)."""

    data: bytes | None = None
    raw: bytes | None = None
    cuts: tuple[int, ...] = ()
    delay: float = 0.0
    stall: float = 0.0
    close: bool = False
    turn: LoopWatch | None = None

    @property
    def wire(self) -> bytes:
        return self.raw if self.raw is not None else frame(self.data or b"")


def reversed_reply(index: int, payload: bytes) -> Reply:
    """The default: the payload reversed, in two pieces (the header cut in the middle)."""
    return Reply(data=payload[::-1], cuts=(2,))


@dataclass
class Request:
    payload: bytes
    arrived: float
    replied: float | None = None  # when its reply's last byte was written
    early: bool = False  # bytes of the next request had arrived before its reply was complete


@dataclass
class FrameConnection:
    opened: float
    port: int = 0  # the client's end
    requests: list[Request] = field(default_factory=list)
    received: bytearray = field(default_factory=bytearray)
    problem: str | None = None  # what the server gave up waiting for, in a learner's words
    closed: float | None = None
    closed_by_client: bool = False
    closed_at_end: bool | None = None
    sock: Any = field(default=None, repr=False)

    def client_has_closed(self) -> bool:
        """Has the client closed its end, now? Asked of the kernel (a FIN or reset is there at once on loopback)."""
        if self.closed is not None:
            return self.closed_by_client
        fileno = self.sock.fileno() if self.sock is not None else -1
        if fileno < 0:
            return False
        poller = select.poll()
        poller.register(fileno, select.POLLRDHUP)
        events = poller.poll(0)
        return bool(events) and bool(events[0][1] & (select.POLLRDHUP | select.POLLHUP | select.POLLERR))


class FrameServer:
    """`async with FrameServer(script) as server:` (`server.host`, `server.port`, `server.connections`)."""

    def __init__(self, script: Callable[[int, bytes], Reply] = reversed_reply) -> None:
        self.script = script
        self.connections: list[FrameConnection] = []
        self._handlers: set[asyncio.Task] = set()

    async def __aenter__(self) -> "FrameServer":
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.host, self.port = self._server.sockets[0].getsockname()[:2]
        return self

    async def __aexit__(self, *exc_info) -> None:
        await stop_server(self._server, self._handlers)

    @property
    def requests(self) -> list[Request]:
        return [request for conn in self.connections for request in conn.requests]

    @property
    def payloads(self) -> list[bytes]:
        return [request.payload for request in self.requests]

    def watch_end(self, call: RemoteCall) -> RemoteCall:
        """Note, for every connection, whether its client had closed it when `call` ended."""

        def at_end() -> None:
            for conn in self.connections:
                conn.closed_at_end = conn.client_has_closed()

        call.on_end.append(at_end)
        return call

    async def until_ended(self, within: float = PATIENCE) -> None:
        await until(lambda: all(conn.closed is not None for conn in self.connections), within)

    def problems(self) -> str:
        found = [conn.problem for conn in self.connections if conn.problem]
        return f"; the server noted: {found[0]}" if found else ""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        task.set_name("harness:frame-server")
        self._handlers.add(task)
        conn = FrameConnection(
            real_perf_counter(), writer.get_extra_info("peername")[1], sock=writer.get_extra_info("socket")
        )
        self.connections.append(conn)
        arrived = asyncio.Event()
        ended = asyncio.Event()

        async def receive() -> None:
            try:
                while chunk := await reader.read(65536):
                    conn.received += chunk
                    arrived.set()
                conn.closed_by_client = True
            except (ConnectionError, OSError):
                conn.closed_by_client = True
            finally:
                ended.set()
                arrived.set()

        receiving = asyncio.create_task(receive(), name="harness:frame-receive")
        try:
            try:
                await self._answer(conn, writer, arrived, ended)
            except (ConnectionError, OSError):
                pass
            # Wait for the client to close (or give up), so that "closed by the client" is the client's doing;
            # not after a problem: the server closes at once, and the client hears of it.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0 if conn.problem else PATIENCE):
                    await ended.wait()
        finally:
            # Whatever happened, this one included (cancelled at the end of the block): the transport closed, or
            # from 3.12 on the server's wait_closed() would wait for it for ever.
            conn.closed = real_perf_counter()
            self._handlers.discard(task)
            receiving.cancel()
            writer.close()
        await asyncio.wait([receiving])
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()

    async def _answer(self, conn: FrameConnection, writer, arrived: asyncio.Event, ended: asyncio.Event) -> None:
        offset = 0
        while True:
            # One whole request: its header, then its payload.
            while True:
                if len(conn.received) >= offset + 4:
                    size = struct.unpack(">I", conn.received[offset : offset + 4])[0]
                    if len(conn.received) >= offset + 4 + size:
                        break
                    if size > LARGEST:
                        header = bytes(conn.received[offset : offset + 4])
                        conn.problem = (
                            f"a frame's header, {header!r}, announced {size} bytes, more than any request a check "
                            "sends: a frame starts with the payload's length as 4 bytes, big-endian and unsigned"
                        )
                        return
                if ended.is_set():
                    if len(conn.received) > offset:
                        rest = bytes(conn.received[offset : offset + 40])
                        conn.problem = f"the client closed the connection in the middle of a frame ({rest!r})"
                    return
                arrived.clear()
                try:
                    async with asyncio.timeout(PATIENCE):
                        await arrived.wait()
                except TimeoutError:
                    if len(conn.received) > offset:
                        conn.problem = (
                            f"after {PATIENCE:.2f} s the server still had an incomplete frame "
                            f"({bytes(conn.received[offset : offset + 40])!r}...): each frame is a 4-byte big-endian "
                            "length, then exactly that many bytes"
                        )
                    return
            payload = bytes(conn.received[offset + 4 : offset + 4 + size])
            offset += 4 + size
            request = Request(payload, real_perf_counter())
            conn.requests.append(request)
            reply = self.script(len(conn.requests) - 1, payload)
            await self._send(reply, writer)
            request.early = len(conn.received) > offset  # the next request came before this reply was whole
            request.replied = real_perf_counter()
            if reply.close:
                writer.close()
                return
            if reply.stall >= HOLD:
                return

    async def _handed_over(self) -> None:
        """Wait until the piece just written has reached the client's code by itself: on loopback it is in the
        sandbox's socket when the write returns, so two turns of the sandbox's loop later a reader waiting for it
        has had it. A loop held (blocking code) answers late: after a moment, the next piece goes anyway."""
        sandbox = current_sandbox()
        if sandbox is None or sandbox.ended is not None:
            await real_sleep(0.001)
            return
        with contextlib.suppress(TimeoutError, SandboxEnded):
            async with asyncio.timeout(units(1)):
                await sandbox.turns(2)

    async def _send(self, reply: Reply, writer) -> None:
        data = reply.wire
        if reply.turn is not None:
            await reply.turn.until_turn(real_perf_counter())
        if reply.delay:
            await real_sleep(reply.delay)
        cuts = sorted({cut for cut in reply.cuts if 0 < cut < len(data)})
        start = 0
        for cut in [*cuts, len(data)]:
            if cut == len(data) and reply.stall:
                await real_sleep(reply.stall)
                if reply.stall >= HOLD:
                    return
            if start:
                await self._handed_over()
            writer.write(data[start:cut])
            await writer.drain()
            start = cut

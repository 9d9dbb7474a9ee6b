"""Real network peers on 127.0.0.1, for the katas that use asyncio streams. The learner's code runs in the
sandbox; these run in the judge, which is the other end of every connection and sees it for itself.

`EchoPeer`: a server for a client under test. It echoes the first line of each connection (after a gate, an
order and a delay the check chooses) and records every connection: what arrived, when it was answered, when
and by whom it was closed, whether the client had closed it by the time its call ended, and how many lines
waited for their reply at once.
`LineClient`: a client for a server under test: sends bytes, reads lines under a time limit, half-closes.
`refused_port()`: a port on 127.0.0.1 where nothing listens.
`LoopHold`: stops code that holds the sandbox's event loop for good (a loop around a read that returns b"" at
once), and ends the check saying so (`stopped`).
`StreamWatch`: the sandbox holds every stream writer the code under test makes, and says which connections were
waited for with `await
writer.wait_closed()` (it can only fail a check).

Everything binds to 127.0.0.1 and port 0 and closes what it opened on exit, whatever the code under test did.
"""

import asyncio
import contextlib
import select
import socket
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import checks
from .checks import expect, short
from .sandbox import RemoteCall, SandboxEnded, current_sandbox
from .timing import real_perf_counter, real_sleep, seconds, units, until

HOST = "127.0.0.1"
# How long a peer or client waits for what a correct partner does within milliseconds (a whole line, an echo,
# a close) before it gives up, notes why, and goes on: a mistake then fails a check with a message instead of
# hanging it. A correct echo took 30 ms at worst, twenty clients at once on a 2-core machine at load 16.
PATIENCE = units(3)
_CHUNK = 65536


async def _ticks(count: int) -> None:
    for _ in range(count):
        await real_sleep(0)


def free_port() -> int:
    """A port on loopback that the system has just found free: for a check that gives the learner's server one."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


async def close_writer(writer: asyncio.StreamWriter) -> None:
    """A judge client's side of a connection closed, its closing waited for at most a while; a server that never
    completes it gets the connection aborted."""
    if not writer.is_closing():
        writer.close()
    try:
        async with asyncio.timeout(units(5)):
            await writer.wait_closed()
    except (TimeoutError, ConnectionError, OSError):
        writer.transport.abort()


async def stop_server(server: asyncio.Server, handlers: set[asyncio.Task]) -> None:
    """A loopback server of the judge's, stopped: no new connection, every handler cancelled and waited for, the
    server closed (from 3.12 on `wait_closed` waits for the connections too: all are closed by then, and the wait
    is bounded all the same), then a few turns of the loop for its transports to close."""
    server.close()
    for task in list(handlers):
        task.cancel()
    if handlers:
        await asyncio.wait(handlers, timeout=units(5))
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(units(5)):
            await server.wait_closed()
    await _ticks(5)


@dataclass
class PeerConnection:
    """One connection an EchoPeer accepted."""

    opened: float
    port: int = 0  # the client's own port: its end of the connection
    received: bytes = b""  # everything the client sent on it
    line: bytes | None = None  # its first whole line, newline included
    replied: float | None = None
    closed: float | None = None  # when the connection ended
    closed_by_client: bool = False  # the client closed it (or reset it) before the peer gave up waiting
    closed_at_end: bool | None = None  # the client had closed it when the judge learned its call ended
    problem: str | None = None  # what the peer gave up waiting for, in a learner's words
    trouble: str | None = None  # the same as a word: "no_newline", "closed_early" or "left_open"
    sock: Any = field(default=None, repr=False)

    @property
    def extra(self) -> bytes:
        """What the client sent after its first line."""
        return self.received[len(self.line) :] if self.line is not None else b""

    def client_has_closed(self) -> bool:
        """Has the client closed its end, now? Asked of the kernel: a FIN or a reset that reached this socket
        is there at once (on loopback the client's close delivers it), before this peer's task has read it."""
        if self.closed is not None:
            return self.closed_by_client
        return self.sock is not None and self.sock.fileno() >= 0 and other_end_closed(self.sock)


def other_end_closed(sock: socket.socket) -> bool:
    """Has the other end of this connection closed (FIN) or reset it, now? Asked of the kernel: a FIN or a reset
    is at the socket as soon as the other end's close() or abort() has run (on loopback), before any task here
    has read it."""
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLRDHUP)
    events = poller.poll(0)
    return bool(events) and bool(events[0][1] & (select.POLLRDHUP | select.POLLHUP | select.POLLERR))


class EchoPeer:
    """`async with EchoPeer(...) as peer:` a TCP server on 127.0.0.1 (`peer.host`, `peer.port`) for a client
    under test. Each connection: read one line, then (after the gate, in `order`, after `delay`) echo it back in
    two pieces, then wait for the client to close.

    delay: seconds between the gate opening and a line's reply.
    gather: hold every reply until this many lines have arrived (a concurrent client sends them all before
            reading any reply; one that waits for a reply before opening the next connection never gets there).
            After PATIENCE the gate gives up (`gate_met` stays False) and replies go out as lines come.
    order: once the gate has opened, reply to these lines (str, UTF-8 encoded) in this order, one at a time,
           each a few loop iterations after the previous one; lines not in it are answered at once.

    Instruments: `connections` (PeerConnection, in accept order), `peak` (most lines waiting for their reply at
    once: exact, whatever the clock does), `gate_met`; `watch_end(call)` notes, in the very step the judge learns
    that the call ended, which connections the client had closed by then (`closed_at_end`).
    While it runs, a `LoopHold` (`peer.hold`) stops client code that holds the sandbox's event loop for good.
    """

    def __init__(self, *, delay: float = 0.0, gather: int = 0, order: Sequence[str] | None = None) -> None:
        self.delay = delay
        self.gather = gather
        self.order = [text.encode() for text in order] if order is not None else None
        self.connections: list[PeerConnection] = []
        self.peak = 0
        self.gate_met = False
        self._waiting = 0
        self._arrived: list[bytes] = []
        self._handlers: set[asyncio.Task] = set()

    async def __aenter__(self) -> "EchoPeer":
        self._gate = asyncio.Event()
        if self.gather <= 0:
            self._gate.set()
        self._turn = asyncio.Condition()
        self._sequence: list[bytes] | None = None
        self._next = 0
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.host, self.port = self._server.sockets[0].getsockname()[:2]
        self.hold = LoopHold(
            saw=f"your code held the event loop for {seconds(CLIENT_HOLD_LIMIT)} without pausing, and was stopped",
            expected="every wait awaited, so the event loop keeps running",
            mistake="a loop around a read that returns b'' at once (the connection is closed) never ends: stop "
            "when a read returns b''",
            limit=CLIENT_HOLD_LIMIT,
        )
        await self.hold.__aenter__()
        return self

    async def __aexit__(self, *exc_info) -> None:
        try:
            await stop_server(self._server, self._handlers)
        finally:  # last: a hold found meanwhile is what failed the check, whatever else went wrong
            await self.hold.__aexit__(*exc_info)

    def watch_end(self, call: RemoteCall) -> None:
        """Note, for every connection, whether its client had closed it when `call` ended."""

        def at_end() -> None:
            for conn in self.connections:
                conn.closed_at_end = conn.client_has_closed()

        call.on_end.append(at_end)

    async def until_ended(self, within: float = 2 * PATIENCE) -> None:
        """Wait until every connection has ended (closed by the client, or given up on by the peer)."""
        await until(lambda: all(conn.closed is not None for conn in self.connections), within)

    @property
    def lines(self) -> list[bytes]:
        """The first line of every connection, in accept order (None where none came whole)."""
        return [conn.line for conn in self.connections]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        task.set_name("harness:echo-peer")
        self._handlers.add(task)
        conn = PeerConnection(
            opened=real_perf_counter(), port=writer.get_extra_info("peername")[1], sock=writer.get_extra_info("socket")
        )
        self.connections.append(conn)
        try:
            if await self._read_line(reader, conn):
                await self._answer(reader, writer, conn)
        except (ConnectionError, OSError):
            conn.closed_by_client = True  # reset: closed abruptly, but closed
        finally:
            conn.closed = real_perf_counter()
            self._handlers.discard(task)
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass

    async def _read_line(self, reader: asyncio.StreamReader, conn: PeerConnection) -> bool:
        deadline = conn.opened + PATIENCE
        while b"\n" not in conn.received:
            try:
                async with asyncio.timeout(max(0.0, deadline - real_perf_counter())):
                    chunk = await reader.read(_CHUNK)
            except TimeoutError:
                conn.trouble = "no_newline"
                conn.problem = (
                    f"after {PATIENCE:.2f} s the server had received {short(conn.received)}, with no newline "
                    "ending it, and gave up waiting"
                )
                return False
            if not chunk:
                conn.closed_by_client = True
                conn.trouble = "closed_early"
                conn.problem = f"the client closed the connection having sent {short(conn.received)}, no whole line"
                return False
            conn.received += chunk
        conn.line = conn.received[: conn.received.index(b"\n") + 1]
        return True

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: PeerConnection) -> None:
        text = conn.line[:-1]
        self._waiting += 1
        self.peak = max(self.peak, self._waiting)
        self._arrived.append(text)
        if self.gather and len(self._arrived) >= self.gather and not self._gate.is_set():
            self.gate_met = True
            if self.order is not None:
                self._sequence = [line for line in self.order if line in self._arrived]
            self._gate.set()
        try:
            async with asyncio.timeout(PATIENCE):
                await self._gate.wait()
        except TimeoutError:
            self._gate.set()  # given up: from now on every line is answered as it comes
        sequenced = self._sequence is not None and text in self._sequence
        if sequenced:
            async with self._turn:
                await self._turn.wait_for(
                    lambda: self._next >= len(self._sequence) or self._sequence[self._next] == text
                )
        try:
            if self.delay:
                await real_sleep(self.delay)
            await self._reply(writer, conn.line)
            conn.replied = real_perf_counter()
            self._waiting -= 1
        finally:
            if sequenced:
                await _ticks(10)  # the client has read this reply before the next one goes out
                await real_sleep(0.002)
                async with self._turn:
                    self._next += 1
                    self._turn.notify_all()
        await self._until_client_closes(reader, conn)

    async def _reply(self, writer: asyncio.StreamWriter, line: bytes) -> None:
        """The line back in two pieces, a moment apart, as TCP may deliver it: a client must read a whole line,
        not whatever one read returns."""
        middle = len(line) // 2
        if middle:
            writer.write(line[:middle])
            await writer.drain()
            await _ticks(3)
            await real_sleep(0.001)
        writer.write(line[middle:])
        await writer.drain()

    async def _until_client_closes(self, reader: asyncio.StreamReader, conn: PeerConnection) -> None:
        try:
            async with asyncio.timeout(PATIENCE):
                while chunk := await reader.read(_CHUNK):
                    conn.received += chunk
        except TimeoutError:
            conn.trouble = "left_open"
            conn.problem = f"the connection was still open {PATIENCE:.2f} s after the reply, so the server closed it"
            return
        conn.closed_by_client = True


# A correct solution holds the loop for tens of milliseconds at most, even on a loaded machine.
HOLD_LIMIT = units(10)
# A client on blocking sockets, waiting in turn for each reply an EchoPeer holds back, holds it up to 1.3 s (0.3 s
# at a gate, then ten replies after 0.1 s each): its checks fail on their own, with their own message. A client's
# hold "for good" is one longer than that, yet short of the check's budget (2.5 s).
CLIENT_HOLD_LIMIT = units(20)
_PING_EVERY = units(0.5)  # a hold is found within its limit and this


def stopped(**message: str) -> checks.CheckOverrun:
    """The failure, said as `expect` says it, of code that had to be stopped (it held the event loop for good, or
    never returned) or would be again: raised, it ends the check at once, since hypothesis replays no example for
    an exception that is not an Exception."""
    try:
        expect(False, **message)
    except AssertionError as failure:
        return checks.CheckOverrun(str(failure))


class LoopHold:
    """`async with LoopHold(saw=..., expected=..., mistake=...) as hold:` the judge pings the sandbox's event loop
    while the block runs. Code that never gives the loop back (a `while True:` around a read that returns b""
    at once, forever, once the other side has closed) answers no ping: after `limit` the sandbox is killed
    (nothing else stops a loop stuck in one task step; the next check gets a new one), `hold.fired` and
    `LoopHold.ever` are set, and the check ends with the message given (`stopped`), whatever else went wrong in
    the block meanwhile (the hold caused it).
    """

    ever = False  # over this run: a later check can fail at once instead of holding the loop again

    def __init__(self, *, saw: str, expected: str, mistake: str, limit: float = HOLD_LIMIT) -> None:
        self.message = {"saw": saw, "expected": expected, "mistake": mistake}
        self.limit = limit
        self.fired = False
        self._ping: asyncio.Future | None = None

    async def __aenter__(self) -> "LoopHold":
        self._watcher = asyncio.create_task(self._watch(), name="harness:loop-hold")
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._watcher.cancel()
        await asyncio.wait([self._watcher])
        if self._ping is not None:
            self._ping.cancel()
        if self.fired:
            raise stopped(**self.message)

    async def _watch(self) -> None:
        while True:
            # Asked anew each time: the check's first call of the learner's code may replace an ended sandbox.
            sandbox = current_sandbox()
            if sandbox is None or sandbox.ended is not None:
                await real_sleep(_PING_EVERY)
                continue
            self._ping = ping = sandbox.ask({"op": "ping"})
            ping.add_done_callback(lambda done: done.cancelled() or done.exception())
            await asyncio.wait([ping], timeout=self.limit)
            if not ping.done():
                self.fired = LoopHold.ever = True
                sandbox.kill(f"its event loop was held for {seconds(self.limit)}")
                return
            await real_sleep(_PING_EVERY)


class StreamWatch:
    """`async with StreamWatch() as watch:` around the code under test. Meanwhile the sandbox holds every stream
    writer it makes: one it never closed stays open for the peer to see (from 3.12 on, asyncio closes a writer
    nobody holds); on exit those still open are aborted. `watch.waited`: the local ports (its own ends) of the
    connections whose `await writer.wait_closed()` ran to its end. The sandbox's own doing: it can only fail a
    check."""

    async def __aenter__(self) -> "StreamWatch":
        self.waited: set[int] = set()
        self._sandbox = current_sandbox()
        await self._sandbox.probe("watch_streams", on=True)
        return self

    async def __aexit__(self, *exc_info) -> None:
        with contextlib.suppress(SandboxEnded):
            answer = await self._sandbox.probe("watch_streams", on=False)
            addresses = answer.get("waited") if isinstance(answer.get("waited"), list) else []
            self.waited = {
                address[1]
                for address in addresses
                if isinstance(address, list) and len(address) == 2 and isinstance(address[1], int)
            }


@contextmanager
def refused_port():
    """`with refused_port() as port:` a port on 127.0.0.1 that is bound (so nothing else takes it) but not
    listening: connecting to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        yield sock.getsockname()[1]


class LineClient:
    """`async with await LineClient.connect(port) as client:` a client for a server under test.

    `received` holds what arrived and was not yet taken; `eof` says the server closed its side. Every wait has
    a limit, and all of them together stay within the check's budget: a server that never answers fails a
    check, it does not hang it.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self.received = b""
        self.eof = False
        self.reset = False  # the server reset the connection (closed it with data unread, or crashed)

    @classmethod
    async def connect(cls, port: int, host: str = HOST) -> "LineClient":
        async with asyncio.timeout(PATIENCE):
            reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def __aenter__(self) -> "LineClient":
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def send(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    async def end(self) -> None:
        """Close the sending side: the server reads end of file; the client can still read."""
        if not self._writer.is_closing():
            try:
                self._writer.write_eof()
            except (ConnectionError, OSError):
                pass

    async def _fill(self, enough, within: float) -> bool:
        """Read until `enough()` or the server closes its side or `within` seconds pass; say if enough came."""
        deadline = real_perf_counter() + within
        while not enough():
            if self.eof:
                return False
            if real_perf_counter() >= checks._budget_ends:
                raise checks.CheckOverrun(
                    f"Saw: this check's clients still waiting for the server when the check's time ran out "
                    f"({checks.CHECK_BUDGET:.2f} s), having received {short(self.received)}.\n"
                    "Expected: every answer within a few milliseconds.\n"
                    "Likely mistake: the server never answers some clients, or never closes their connections."
                )
            try:
                async with asyncio.timeout(max(0.0, min(deadline, checks._budget_ends) - real_perf_counter())):
                    chunk = await self._reader.read(_CHUNK)
            except TimeoutError:
                if real_perf_counter() >= deadline:
                    return False
                continue
            except ConnectionError:
                chunk = b""
                self.reset = True
            if not chunk:
                self.eof = True
            self.received += chunk
        return True

    async def read_line(self, within: float = PATIENCE) -> bytes | None:
        """The next whole line (newline included), or None if none came whole within the limit."""
        if not await self._fill(lambda: b"\n" in self.received, within):
            return None
        line, _, self.received = self.received.partition(b"\n")
        return line + b"\n"

    async def read_bytes(self, size: int, within: float = PATIENCE) -> bytes:
        """The next `size` bytes, or fewer if the server closed its side or the limit passed first."""
        await self._fill(lambda: len(self.received) >= size, within)
        data, self.received = self.received[:size], self.received[size:]
        return data

    async def listen(self, duration: float) -> bytes:
        """Everything that arrives within `duration` seconds (and what had arrived before), taken."""
        await current_sandbox().turns(1)
        await self._fill(lambda: False, duration)
        data, self.received = self.received, b""
        return data

    async def finish(self, within: float = PATIENCE) -> bytes:
        """Close the sending side and read everything until the server closes its side too (`eof` says whether
        it did within the limit). Returns what arrived."""
        await self.end()
        await self._fill(lambda: False, within)
        data, self.received = self.received, b""
        return data

    async def close(self) -> None:
        await close_writer(self._writer)

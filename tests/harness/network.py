"""Real network peers on 127.0.0.1, for the katas that use asyncio streams.

`EchoPeer`: a server for a client under test. It echoes the first line of each connection (after a gate, an
order and a delay the check chooses) and records every connection: what arrived, when it was answered, when
and by whom it was closed, and how many lines waited for their reply at once.
`StreamSpy`: the stream connections the code under test opens to a port, and whether each was closed and
waited for (`close()`, then `await wait_closed()`), at the moment the code returned.
`LineClient`: a client for a server under test: sends bytes, reads lines under a time limit, half-closes.
`refused_port()`: a port on 127.0.0.1 where nothing listens.
`LoopGuard`: stops code that holds the event loop for good (a loop around a read that returns b"" at once).

Everything binds to 127.0.0.1 and port 0 and closes what it opened on exit, whatever the code under test did.
"""

import asyncio
import ctypes
import socket
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from . import checks
from .checks import settle, short
from .timing import real_perf_counter, real_sleep, units

HOST = "127.0.0.1"
# How long a peer or client waits for what a correct partner does within milliseconds (a whole line, an echo,
# a close) before it gives up, notes why, and goes on: a mistake then fails a check with a message instead of
# hanging it. A correct echo took 30 ms at worst, twenty clients at once on a 2-core machine at load 16.
PATIENCE = units(3)
_CHUNK = 65536


async def _ticks(count: int) -> None:
    for _ in range(count):
        await real_sleep(0)


@dataclass
class PeerConnection:
    """One connection an EchoPeer accepted."""

    opened: float
    received: bytes = b""  # everything the client sent on it
    line: bytes | None = None  # its first whole line, newline included
    replied: float | None = None
    closed: float | None = None  # when the connection ended
    closed_by_client: bool = False  # the client closed it (or reset it) before the peer gave up waiting
    problem: str | None = None  # what the peer gave up waiting for, in a learner's words
    trouble: str | None = None  # the same as a word: "no_newline", "closed_early" or "left_open"

    @property
    def extra(self) -> bytes:
        """What the client sent after its first line."""
        return self.received[len(self.line) :] if self.line is not None else b""


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
    once: exact, whatever the clock does), `gate_met`.
    While it runs, a blocking socket (`socket.socket` without asyncio) times out after PATIENCE instead of
    stopping the event loop, and with it this peer, for good; and a `LoopGuard` (`peer.guard`) stops code that
    holds the loop for good.
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
        self._default_timeout = socket.getdefaulttimeout()
        socket.setdefaulttimeout(PATIENCE)
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.host, self.port = self._server.sockets[0].getsockname()[:2]
        self.guard = LoopGuard()
        await self.guard.__aenter__()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.guard.__aexit__(*exc_info)
        socket.setdefaulttimeout(self._default_timeout)
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=units(5))
        await self._server.wait_closed()
        await settle()

    async def until_ended(self, within: float = 2 * PATIENCE) -> None:
        """Wait until every connection has ended (closed by the client, or given up on by the peer)."""
        deadline = real_perf_counter() + within
        while any(conn.closed is None for conn in self.connections) and real_perf_counter() < deadline:
            await real_sleep(0.002)

    @property
    def lines(self) -> list[bytes]:
        """The first line of every connection, in accept order (None where none came whole)."""
        return [conn.line for conn in self.connections]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        task.set_name("harness:echo-peer")
        self._handlers.add(task)
        conn = PeerConnection(opened=real_perf_counter())
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


@dataclass
class SpiedWriter:
    """One stream connection the code under test opened."""

    writer: asyncio.StreamWriter
    closed: bool = False  # close() called
    waited: bool = False  # an `await wait_closed()` ran to its end


@dataclass
class StreamSpy:
    """`async with StreamSpy(port) as spy:` records every asyncio stream connection (every StreamWriter) the
    code under test opens to `port` on 127.0.0.1 (`side="server"`: every one a server on `port` accepts),
    whether `close()` was called on it and whether `await wait_closed()` ran to its end. `spy.snapshot()`, at
    the moment the code under test returns, fixes `spy.at_return`.

    The spy holds every writer until it exits, then aborts those still open (after a moment, for a server's
    handlers to close theirs): a connection the code under test never closed stays open until the check has
    seen it (not closed behind its back, with a ResourceWarning, by garbage collection), and is closed before
    the next check.
    """

    port: int
    side: str = "client"
    opened: list[SpiedWriter] = field(default_factory=list)
    at_return: list[SpiedWriter] | None = None

    async def __aenter__(self) -> "StreamSpy":
        spy = self
        cls = asyncio.StreamWriter
        self._originals = original_init, original_close, original_wait_closed = cls.__init__, cls.close, cls.wait_closed

        def __init__(writer, transport, *args, **kwargs):
            original_init(writer, transport, *args, **kwargs)
            if spy._watched(transport):
                spy.opened.append(SpiedWriter(writer))

        def close(writer):
            for entry in spy._entries(writer):
                entry.closed = True
            return original_close(writer)

        async def wait_closed(writer):
            await original_wait_closed(writer)
            for entry in spy._entries(writer):
                entry.waited = True

        cls.__init__, cls.close, cls.wait_closed = __init__, close, wait_closed
        return self

    async def __aexit__(self, *exc_info) -> None:
        cls = asyncio.StreamWriter
        cls.__init__, cls.close, cls.wait_closed = self._originals
        # A server's handler closes its side a few loop iterations after its client closed: give it fifty.
        for _ in range(50 if self.side == "server" else 0):
            if all(entry.writer.is_closing() for entry in self.opened):
                break
            await real_sleep(0)
        for entry in self.opened:
            if not entry.writer.is_closing():
                entry.writer.transport.abort()
        await settle()

    def _watched(self, transport) -> bool:
        peer = transport.get_extra_info("peername")
        own = transport.get_extra_info("sockname")
        if not peer or not own:
            return False
        if self.side == "server":
            return own[1] == self.port
        return peer[1] == self.port and own[1] != self.port

    def _entries(self, writer: asyncio.StreamWriter) -> list[SpiedWriter]:
        return [entry for entry in self.opened if entry.writer is writer]

    def snapshot(self) -> None:
        """Fix what was closed and waited for, now (call it the moment the code under test returns)."""
        self.at_return = [SpiedWriter(entry.writer, entry.closed, entry.waited) for entry in self.opened]


class LoopHeld(BaseException):
    """Raised by LoopGuard inside code that held the event loop for GUARD_LIMIT seconds without pausing. Not an
    Exception, so an `except Exception:` in that code does not swallow it."""


# A correct solution holds the loop for at most tens of milliseconds, even on a loaded machine.
GUARD_LIMIT = units(10)


class LoopGuard:
    """`async with LoopGuard() as guard:` a watchdog thread for code that never gives the event loop back:
    a `while True:` around a read that returns b"" at once, forever, once the other side has closed. Such a
    loop is stuck inside one task step: no timeout, no cancellation and no pytest-timeout signal stops it
    (the signal's exception lands in that task and is lost). After GUARD_LIMIT seconds without a loop
    iteration, the guard raises LoopHeld in the event loop's thread, inside the code that holds it; that task
    ends with it and the loop goes on. `guard.fired` counts the times. Once a task has been caught holding the
    loop, others like it (every connection's handler or client runs the same code) are stopped after a fifth of
    the time.
    """

    ever_fired = 0  # over every guard of this run: a later check can fail at once instead of holding it again

    def __init__(self, limit: float = GUARD_LIMIT) -> None:
        self.limit = limit
        self.fired = 0

    async def __aenter__(self) -> "LoopGuard":
        self._loop = asyncio.get_running_loop()
        self._thread_id = threading.get_ident()
        self._beat = real_perf_counter()
        self._stop = threading.Event()
        self._tick()
        self._watcher = threading.Thread(target=self._watch, name="harness:loop-guard", daemon=True)
        self._watcher.start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._stop.set()
        self._watcher.join()
        self._handle.cancel()
        if self.fired:  # not yet delivered (the loop's thread was in one long C call): never deliver it
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread_id), None)

    def _tick(self) -> None:
        self._beat = real_perf_counter()
        self._handle = self._loop.call_later(0.005, self._tick)

    def _watch(self) -> None:
        while not self._stop.wait(0.01):
            now = real_perf_counter()
            if now - self._beat > (self.limit / 5 if self.fired else self.limit):
                self.fired += 1
                LoopGuard.ever_fired += 1
                self._beat = now
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread_id), ctypes.py_object(LoopHeld))


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
        await settle(10)
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
        if not self._writer.is_closing():
            self._writer.close()
        try:
            async with asyncio.timeout(units(5)):
                await self._writer.wait_closed()
        except (TimeoutError, ConnectionError, OSError):
            self._writer.transport.abort()

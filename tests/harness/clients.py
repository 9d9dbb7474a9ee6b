"""Real clients of a server under test, on 127.0.0.1, for servers that relay between clients (a chat, a pub/sub
broker). The judge is the other end of every connection and sees it for itself.

`TalkClient`: reads everything the server sends, all the time (a task of the judge's), and keeps it: `received`,
`lines`; waits for lines under a time limit; half-closes, resets, closes.
`SilentClient`: never reads, with a small receive buffer, so that the server's writes to it back up soon (its
transport's writing pauses once the kernel holds `backlog_bytes()` at most); reads on demand later; knocks (one
byte) to learn whether the server's end is closed when bytes queued for it hide the FIN.
`closed_by_server(sock)`: the kernel's word, at this very moment, on whether the other end has closed or reset
the connection: a FIN or a reset is at the socket as soon as the server's close() or abort() has run.

Every wait has a limit (`PATIENCE`, and the check's budget): a server that never answers fails a check, it does
not hang it.
"""

import asyncio
import contextlib
import os
import socket
import struct

from . import checks
from .checks import short
from .network import HOST, PATIENCE, close_writer, other_end_closed
from .timing import real_perf_counter, real_sleep, until

_CHUNK = 65536
# SO_RCVBUF of a SilentClient: small, set before connecting (it also caps the window it offers).
SILENT_RCVBUF = 4096


def closed_by_server(sock: socket.socket | None) -> bool:
    """Has the server closed or reset this connection, now (`network.other_end_closed`)? A socket this side has
    closed already counts as closed."""
    return sock is None or sock.fileno() < 0 or other_end_closed(sock)


# tcp_wmem's maximum in a network of the kata's own: a server's socket then holds at most about 100 KB for a client
# that never reads, instead of megabytes (4 MB by default), so a check backs it up with far fewer bytes.
SMALL_SEND_BUFFER = 128 * 1024
_WMEM = "/proc/sys/net/ipv4/tcp_wmem"


def _network_of_its_own() -> bool:
    """Does this process run in a network namespace other than its parent's (the grader starts a kata's judge and
    sandbox in one of their own where the kernel allows it)? Unknown counts as no."""
    try:
        return os.readlink("/proc/self/ns/net") != os.readlink(f"/proc/{os.getppid()}/ns/net")
    except OSError:
        return False


def small_send_buffers() -> None:
    """In a network namespace of the kata's own, cap how far the kernel grows a socket's send buffer (tcp_wmem, a
    setting of each namespace): a server's writes to a client that never reads back up after about 100 KB. Never
    elsewhere: the machine's own setting is left alone (backlog_bytes() reads whichever holds)."""
    if not _network_of_its_own():
        return
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open(_WMEM) as limits:
            low, default, high = (int(value) for value in limits.read().split()[:3])
        if high > SMALL_SEND_BUFFER:
            with open(_WMEM, "w") as limits:
                limits.write(f"{low} {min(default, SMALL_SEND_BUFFER)} {SMALL_SEND_BUFFER}")


def backlog_bytes() -> int:
    """At most how many bytes a server can write to a SilentClient before its transport's writing pauses: the
    largest send buffer the kernel grows to (tcp_wmem's maximum, made small first where the kata has a network of
    its own), the client's small receive buffer, and the transport's high-water mark (64 KiB) with a line over it,
    all with room to spare."""
    small_send_buffers()
    try:
        with open(_WMEM) as limits:
            send_buffer = int(limits.read().split()[2])
    except (OSError, ValueError, IndexError):
        send_buffer = 4 * 1024 * 1024
    return send_buffer + 4 * SILENT_RCVBUF + 256 * 1024


class TalkClient:
    """`client = await TalkClient.connect(port)`: a client that reads everything the server sends, as it comes.

    `received`: every byte so far; `lines`: the whole lines among them (newline included); `eof`: the server
    closed its side; `reset`: it reset the connection.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self.sock = writer.get_extra_info("socket")
        self._received = bytearray()
        self.eof = False
        self.reset = False
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._read(), name="harness:talk-client")

    @classmethod
    async def connect(cls, port: int, host: str = HOST) -> "TalkClient":
        async with asyncio.timeout(PATIENCE):
            reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def _read(self) -> None:
        try:
            while chunk := await self._reader.read(_CHUNK):
                self._received += chunk
                self._arrived.set()
        except (ConnectionError, OSError):
            self.reset = True
        self.eof = True
        self._arrived.set()

    @property
    def received(self) -> bytes:
        return bytes(self._received)

    @property
    def lines(self) -> list[bytes]:
        return [bytes(line) + b"\n" for line in self._received.split(b"\n")[:-1]]

    @property
    def line_count(self) -> int:
        return self._received.count(b"\n")

    def server_closed(self) -> bool:
        """The server has closed or reset this connection (seen by this client's reads, or by the kernel now)."""
        return self.eof or closed_by_server(self.sock)

    async def until(self, enough, within: float = PATIENCE) -> bool:
        """Wait until `enough()` holds (asked whenever bytes arrive), the server closes its side, or `within`
        passes; whether it holds."""
        deadline = min(real_perf_counter() + within, checks._budget_ends)
        while not enough():
            if self.eof or real_perf_counter() >= deadline:
                return enough()
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, deadline - real_perf_counter())):
                    await self._arrived.wait()
        return True

    async def until_lines(self, count: int, within: float = PATIENCE) -> bool:
        return await self.until(lambda: self.line_count >= count, within)

    async def until_line(self, line: bytes, within: float = PATIENCE) -> bool:
        """Wait for this very line (newline included) to arrive whole."""
        return await self.until(lambda: line in self.lines if line in self._received else False, within)

    def before(self, line: bytes) -> list[bytes]:
        """The whole lines that arrived before the first `line`, or all of them if it never came."""
        lines = self.lines
        return lines[: lines.index(line)] if line in lines else lines

    async def send(self, data: bytes, within: float = PATIENCE) -> None:
        """Send, waiting at most `within` for the server to take it (a server that stops reading this client
        leaves the rest in this client's buffer)."""
        if self._writer.is_closing():
            return
        self._writer.write(data)
        with contextlib.suppress(ConnectionError, OSError, TimeoutError):
            async with asyncio.timeout(within):
                await self._writer.drain()

    async def end(self) -> None:
        """Close the sending side: the server reads end of file; this client goes on reading."""
        if not self._writer.is_closing():
            with contextlib.suppress(ConnectionError, OSError):
                self._writer.write_eof()

    async def until_closed(self, within: float = PATIENCE) -> bool:
        """Wait until the server has closed (or reset) this connection; whether it has."""
        deadline = real_perf_counter() + within
        while not self.server_closed() and real_perf_counter() < min(deadline, checks._budget_ends):
            await real_sleep(0.002)
        return self.server_closed()

    def abort(self) -> None:
        """Reset the connection (SO_LINGER 0: the server's next read raises ConnectionResetError)."""
        with contextlib.suppress(OSError):
            if self.sock is not None and self.sock.fileno() >= 0:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._writer.transport.abort()

    async def close(self) -> None:
        if self._writer.transport.get_write_buffer_size():  # a server that stopped reading never takes the rest
            self._writer.transport.abort()
        await close_writer(self._writer)
        self._task.cancel()
        await asyncio.wait([self._task])

    def __repr__(self) -> str:
        return f"<TalkClient received {short(self.received)}>"


class SilentClient:
    """`client = await SilentClient.connect(port)`: a client that sends but does not read until told to, with a
    small receive buffer: what the server writes to it backs up in the server's socket and transport."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._received = bytearray()

    @classmethod
    async def connect(cls, port: int, host: str = HOST) -> "SilentClient":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SILENT_RCVBUF)
        sock.setblocking(False)
        try:
            async with asyncio.timeout(PATIENCE):
                await asyncio.get_running_loop().sock_connect(sock, (host, port))
        except BaseException:
            sock.close()
            raise
        return cls(sock)

    async def send(self, data: bytes) -> None:
        async with asyncio.timeout(PATIENCE):
            await asyncio.get_running_loop().sock_sendall(self.sock, data)

    def knock(self) -> None:
        """Send one byte (no newline). The server's end, once closed (aborted, or closed with lines still queued
        for this client in the kernel, whose FIN waits behind them), answers it with a reset, which
        `disconnected()` sees; an end still open takes it in."""
        with contextlib.suppress(OSError):
            self.sock.send(b"?")

    def disconnected(self) -> bool:
        """The server has closed or reset this connection (the kernel's word; nothing is read). A server that
        closes its end while the kernel still holds bytes for this client sends its FIN only after them: `knock()`
        first, and wait a moment for the reset."""
        return closed_by_server(self.sock)

    async def until_disconnected(self, within: float) -> bool:
        """`knock()`, then wait until the connection shows closed or reset, or `within` passes; whether it does."""
        self.knock()
        return await until(self.disconnected, within)

    async def read_until(self, size: int, within: float = PATIENCE) -> bool:
        """Start reading: wait until `size` bytes in all have arrived, the server has closed, or `within` passes;
        whether they did. The server resetting the connection ends it too."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(OSError):  # reading now: a window wider than the small buffer's, for speed
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        deadline = min(real_perf_counter() + within, checks._budget_ends)
        while len(self._received) < size and real_perf_counter() < deadline:
            try:
                async with asyncio.timeout(max(0.0, deadline - real_perf_counter())):
                    chunk = await loop.sock_recv(self.sock, _CHUNK)
            except TimeoutError:
                break
            except (ConnectionError, OSError):
                break
            if not chunk:
                break
            self._received += chunk
        return len(self._received) >= size

    @property
    def received(self) -> bytes:
        return bytes(self._received)

    def close(self) -> None:
        self.sock.close()

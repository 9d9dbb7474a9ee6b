"""A failed block's place is freed before its connection's close() has returned: a new connection is opened while the
old one still closes, one more than `size`."""

import asyncio
import contextlib
from collections import deque

CAUGHT_IN = "exceptions"


class Pool:
    def __init__(self, connect, size: int) -> None:
        if size < 1:
            raise ValueError(f"a pool needs size >= 1, got {size!r}")
        self._connect = connect
        self._size = size
        self._count = 0  # connections that exist: being opened, idle, lent out or being closed
        self._idle: deque = deque()
        self._waiters: deque[asyncio.Future] = deque()  # each gets ("connection", conn) or ("place", None)
        self._closed = False
        self._emptied: asyncio.Event | None = None  # set by the last connection to go, once closing

    @contextlib.asynccontextmanager
    async def connection(self):
        """An async context manager: `async with pool.connection() as conn:` (see the class's contract)."""
        if self._closed:
            raise RuntimeError("the pool is closed")
        conn = await self._acquire()
        try:
            yield conn
        except BaseException:
            # The connection may be broken: close it, free its place only then, and let the error go on.
            self._free_place()
            try:
                await conn.close()
            except Exception:
                pass
            raise
        if self._closed:
            try:
                await conn.close()
            finally:
                self._free_place()
        else:
            self._hand_on(("connection", conn))

    async def close(self) -> None:
        """Close the pool and every connection (see the class's contract)."""
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(RuntimeError("the pool is closed"))
        self._emptied = asyncio.Event()
        while self._idle:
            conn = self._idle.popleft()
            try:
                await conn.close()
            finally:
                self._free_place()
        if self._count:
            await self._emptied.wait()

    async def _acquire(self):
        if not self._waiters and self._idle:
            return self._idle.popleft()
        if not self._waiters and self._count < self._size:
            self._count += 1
            return await self._open()
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            kind, conn = await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._hand_on(waiter.result())  # handed over at this very instant: it goes to the next
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise
        return conn if kind == "connection" else await self._open()

    async def _open(self):
        """Open a connection in a place already counted; if that fails, the place frees."""
        try:
            return await self._connect()
        except BaseException:
            self._free_place()
            raise

    def _hand_on(self, grant: tuple) -> None:
        """A connection or a place, to the oldest waiter still waiting; else back to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(grant)
                return
        kind, conn = grant
        if kind == "connection":
            self._idle.append(conn)
        else:
            self._count -= 1

    def _free_place(self) -> None:
        if self._closed:
            self._count -= 1
            if self._count == 0 and self._emptied is not None:
                self._emptied.set()
        else:
            self._hand_on(("place", None))

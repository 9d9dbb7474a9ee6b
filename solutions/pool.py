"""Kata: a connection pool.

Opening a connection (to a database, a server) is slow; keeping one open per task is wasteful, and a server
accepts only so many. A pool keeps a few connections open and lends them out: a caller borrows one for a block
of code and gives it back, and when all are in use, callers wait their turn. An async context manager fits the
borrowing exactly: `async with pool.connection() as conn:` gives a connection on entry and takes it back on exit,
however the block ends.

The pool's hard parts are the edges. How many connections exist at once, counting those still being opened and
those being closed? Who gets a connection that comes back while several callers wait (the one who waited
longest) and what of a caller who arrives just then (it queues behind them)? A block that fails may have left its
connection in a bad state: close it instead of lending it again. A waiter may be cancelled, even at the very
moment a connection is handed to it: nothing may be lost. And closing the pool must close every connection,
waiting for those still lent out.
"""

import asyncio
import contextlib
from collections import deque


class Pool:
    """A pool of at most `size` connections made by `connect`, lent out first come, first served.

    Contract:
    - `Pool(connect, size)`: `connect` is an async function of no arguments that opens a new connection; a
      connection has an async `close()` method. `size < 1`: raise ValueError. Nothing is opened in advance.
    - `async with pool.connection() as conn:` gives a connection: an idle one if there is one (any idle one),
      else a new one from `await connect()` if fewer than `size` exist, else it waits until one is returned (or
      a place frees). At most `size` connections exist at once, counting those being opened and those being
      closed. The `connect()` calls of different callers run at the same time.
    - Fair: a returned connection or a freed place goes to the caller that has waited longest, and a caller
      arriving while anyone waits queues behind them, even at the very moment a connection comes back.
    - A waiter that is cancelled ends cancelled at once and leaves the queue; a connection or place handed to it
      at that instant goes to the next waiter.
    - The block ends normally: its connection goes back to the pool, open, to be lent again. The block raises or
      is cancelled: the connection may be broken, so it is closed (`await conn.close()`) and never lent again,
      and its place frees once `close()` has returned; the block's exception propagates (also when `close()`
      itself raises). Leaving the block never suppresses an exception.
    - `connect()` raises: that caller gets the exception, and its place is free for the next.
    - `await pool.close()`: from then on `pool.connection()` raises RuntimeError (on the call or on entering),
      and so does every caller that was waiting. It closes the idle connections, then waits for those lent out
      and closes each as it comes back; it returns once every connection is closed.

    Example:
        pool = Pool(open_connection, 2)
        async def query(n):
            async with pool.connection() as conn:
                return await conn.execute(f"SELECT {n}")
        await asyncio.gather(*(query(n) for n in range(5)))  # two connections opened, each lent several times
        await pool.close()

    Worth reading: contextlib.asynccontextmanager
    (https://docs.python.org/3/library/contextlib.html#contextlib.asynccontextmanager), asyncio futures
    (https://docs.python.org/3/library/asyncio-future.html), asyncio.Condition and asyncio.Semaphore
    (https://docs.python.org/3/library/asyncio-sync.html), and task cancellation
    (https://docs.python.org/3/library/asyncio-task.html#task-cancellation).
    """

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

    def connection(self):
        """An async context manager: `async with pool.connection() as conn:` (see the class's contract)."""
        return self._lease()

    @contextlib.asynccontextmanager
    async def _lease(self):
        if self._closed:
            raise RuntimeError("the pool is closed")
        conn = await self._acquire()
        try:
            yield conn
        except BaseException:
            # The connection may be broken: close it, free its place only then, and let the error go on.
            try:
                await conn.close()
            except Exception:
                pass
            finally:
                self._free_place()
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

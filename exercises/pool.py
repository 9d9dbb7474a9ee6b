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
        raise NotImplementedError

    def connection(self):
        """An async context manager: `async with pool.connection() as conn:` (see the class's contract)."""
        raise NotImplementedError

    async def close(self) -> None:
        """Close the pool and every connection (see the class's contract)."""
        raise NotImplementedError

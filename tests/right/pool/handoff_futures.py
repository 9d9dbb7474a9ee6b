"""Waiters as futures in a deque, given a connection or a place directly; entering and leaving are written as
an async context manager class, and close() closes the idle connections concurrently."""

import asyncio
from collections import deque


class _Borrow:
    def __init__(self, pool):
        self._pool = pool

    async def __aenter__(self):
        self._conn = await self._pool._borrow()
        return self._conn

    async def __aexit__(self, kind, error, traceback):
        if kind is None and not self._pool._closing:
            self._pool._give(self._conn)
            return None
        try:
            await self._conn.close()
        except Exception:
            if kind is None:
                raise
        finally:
            self._pool._free()
        return None


class Pool:
    def __init__(self, connect, size):
        if not isinstance(size, int) or size < 1:
            raise ValueError("size < 1")
        self._connect, self._size = connect, size
        self._existing = 0
        self._idle = []
        self._queue = deque()
        self._closing = False
        self._gone = None

    def connection(self):
        if self._closing:
            raise RuntimeError("the pool is closed")
        return _Borrow(self)

    async def _borrow(self):
        if not self._queue:
            if self._idle:
                return self._idle.pop()
            if self._existing < self._size:
                self._existing += 1
                return await self._open()
        future = asyncio.get_running_loop().create_future()
        self._queue.append(future)
        try:
            conn = await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                handed = future.result()
                if handed is None:
                    self._free()
                else:
                    self._give(handed)
            elif future in self._queue:
                self._queue.remove(future)
            raise
        return conn if conn is not None else await self._open()

    async def _open(self):
        try:
            return await self._connect()
        except BaseException:
            self._free()
            raise

    def _next_waiter(self):
        while self._queue:
            future = self._queue.popleft()
            if not future.done():
                return future
        return None

    def _give(self, conn):
        waiter = self._next_waiter()
        if waiter is not None:
            waiter.set_result(conn)
        else:
            self._idle.append(conn)

    def _free(self):
        waiter = None if self._closing else self._next_waiter()
        if waiter is not None:
            waiter.set_result(None)  # a place: it opens a connection of its own
            return
        self._existing -= 1
        if self._closing and self._existing == 0:
            self._gone.set()

    async def close(self):
        self._closing = True
        self._gone = asyncio.Event()
        while self._queue:
            future = self._queue.popleft()
            if not future.done():
                future.set_exception(RuntimeError("the pool is closed"))
        idle, self._idle = self._idle, []

        async def close_one(conn):
            try:
                await conn.close()
            finally:
                self._free()

        await asyncio.gather(*(close_one(conn) for conn in idle))
        if self._existing:
            await self._gone.wait()

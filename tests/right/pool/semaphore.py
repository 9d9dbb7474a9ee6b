"""A Semaphore of `size` places (fair: it serves its waiters in order) and a deque of idle connections; the
context manager is a class of its own."""

import asyncio
from collections import deque


class _Lease:
    def __init__(self, pool):
        self.pool = pool
        self.conn = None

    async def __aenter__(self):
        self.conn = await self.pool._get()
        return self.conn

    async def __aexit__(self, exc_type, exc, tb):
        await self.pool._put(self.conn, broken=exc_type is not None)
        return False


class Pool:
    def __init__(self, connect, size: int) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.connect = connect
        self.places = asyncio.Semaphore(size)
        self.idle = deque()
        self.closed = False
        self.waiting = 0
        self.lent = 0
        self.all_back = asyncio.Event()

    def connection(self):
        if self.closed:
            raise RuntimeError("pool closed")
        return _Lease(self)

    async def _get(self):
        if self.closed:
            raise RuntimeError("pool closed")
        self.waiting += 1
        try:
            await self.places.acquire()
        finally:
            self.waiting -= 1
        if self.closed:
            self.places.release()
            raise RuntimeError("pool closed")
        if self.idle:
            conn = self.idle.popleft()
        else:
            try:
                conn = await self.connect()
            except BaseException:
                self.places.release()
                raise
        self.lent += 1
        return conn

    async def _put(self, conn, broken):
        self.lent -= 1
        try:
            if broken or self.closed:
                try:
                    await conn.close()
                except Exception:
                    if not broken:
                        raise
            else:
                self.idle.append(conn)
        finally:
            self.places.release()
            if self.closed and not self.lent:
                self.all_back.set()

    async def close(self):
        self.closed = True
        for _ in range(self.waiting):  # each waiter wakes, sees the pool closed, and raises
            self.places.release()
        while self.idle:
            await self.idle.popleft().close()
        if self.lent:
            await self.all_back.wait()

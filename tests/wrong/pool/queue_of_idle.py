"""Idle connections in an asyncio.Queue and a counter of places: a connection given back is put in the queue,
where a caller arriving at that moment takes it before the waiter that was woken for it."""

import asyncio
import contextlib

CAUGHT_IN = "correctness"


class Pool:
    def __init__(self, connect, size):
        if size < 1:
            raise ValueError("size < 1")
        self.connect = connect
        self.size = size
        self.count = 0
        self.idle = asyncio.Queue()
        self.closed = False

    @contextlib.asynccontextmanager
    async def connection(self):
        if self.closed:
            raise RuntimeError("closed")
        if self.idle.empty() and self.count < self.size:
            self.count += 1
            try:
                conn = await self.connect()
            except BaseException:
                self.count -= 1
                raise
        else:
            conn = await self.idle.get()
        try:
            yield conn
        except BaseException:
            try:
                await conn.close()
            except Exception:
                pass
            self.count -= 1
            raise
        self.idle.put_nowait(conn)

    async def close(self):
        self.closed = True
        while not self.idle.empty():
            await self.idle.get_nowait().close()

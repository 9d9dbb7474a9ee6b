"""The reference design without checking `size`: Pool(connect, 0) makes a pool nobody can ever borrow from."""

import asyncio
import contextlib

CAUGHT_IN = "exceptions"


class Pool:
    def __init__(self, connect, size):
        self.connect = connect
        self.slots = asyncio.Semaphore(max(size, 0))
        self.idle = []

    @contextlib.asynccontextmanager
    async def connection(self):
        async with self.slots:
            conn = self.idle.pop() if self.idle else await self.connect()
            try:
                yield conn
            except BaseException:
                try:
                    await conn.close()
                except Exception:
                    pass
                raise
            self.idle.append(conn)

    async def close(self):
        for conn in self.idle:
            await conn.close()

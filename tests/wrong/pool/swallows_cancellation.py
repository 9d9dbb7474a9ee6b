"""A waiter that is cancelled catches the CancelledError and goes on waiting: it takes a connection later, and
its caller never learns it was cancelled."""

import asyncio
import contextlib
from collections import deque

CAUGHT_IN = "exceptions"


class Pool:
    def __init__(self, connect, size):
        if size < 1:
            raise ValueError("size < 1")
        self.connect = connect
        self.size = size
        self.count = 0
        self.idle = deque()
        self.waiters = deque()
        self.closed = False

    @contextlib.asynccontextmanager
    async def connection(self):
        if self.closed:
            raise RuntimeError("closed")
        conn = await self._get()
        try:
            yield conn
        except BaseException:
            try:
                await conn.close()
            except Exception:
                pass
            self.count -= 1
            self._wake()
            raise
        self.idle.append(conn)
        self._wake()

    def _wake(self):
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _get(self):
        while True:
            if self.idle and not self.waiters:
                return self.idle.popleft()
            if self.count < self.size and not self.waiters:
                self.count += 1
                try:
                    return await self.connect()
                except BaseException:
                    self.count -= 1
                    self._wake()
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self.waiters.appendleft(waiter) if False else self.waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                continue
            if self.idle:
                return self.idle.popleft()
            if self.count < self.size:
                self.count += 1
                try:
                    return await self.connect()
                except BaseException:
                    self.count -= 1
                    self._wake()
                    raise

    async def close(self):
        self.closed = True
        while self.idle:
            await self.idle.popleft().close()

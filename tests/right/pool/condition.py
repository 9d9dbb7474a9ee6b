"""An asyncio.Condition and a queue of tickets: a caller waits until its ticket is first and a connection or a
place is free; the pool's state changes only while the condition's lock is held."""

import asyncio
import contextlib
from collections import deque


class Pool:
    def __init__(self, connect, size):
        if size < 1:
            raise ValueError(size)
        self._connect = connect
        self._size = size
        self._count = 0
        self._idle = []
        self._line = deque()
        self._closed = False
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def connection(self):
        conn = await self._take()
        ok = False
        try:
            yield conn
            ok = True
        finally:
            if ok and not self._closed:
                async with self._changed:
                    self._idle.append(conn)
                    self._changed.notify_all()
            else:
                try:
                    await conn.close()
                except Exception:
                    if ok:
                        raise
                finally:
                    async with self._changed:
                        self._count -= 1
                        self._changed.notify_all()

    async def _take(self):
        async with self._changed:
            if self._closed:
                raise RuntimeError("closed")
            ticket = object()
            self._line.append(ticket)
            try:
                await self._changed.wait_for(
                    lambda: self._closed or (self._line[0] is ticket and (self._idle or self._count < self._size))
                )
            finally:
                self._line.remove(ticket)
                self._changed.notify_all()
            if self._closed:
                raise RuntimeError("closed")
            if self._idle:
                return self._idle.pop()
            self._count += 1
        try:
            return await self._connect()
        except BaseException:
            async with self._changed:
                self._count -= 1
                self._changed.notify_all()
            raise

    async def close(self):
        async with self._changed:
            self._closed = True
            self._changed.notify_all()
            idle, self._idle = self._idle, []
        for conn in idle:
            try:
                await conn.close()
            finally:
                async with self._changed:
                    self._count -= 1
                    self._changed.notify_all()
        async with self._changed:
            await self._changed.wait_for(lambda: self._count == 0)

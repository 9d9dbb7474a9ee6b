"""Each attempt in a task of its own, under asyncio.wait with a timeout; cancelled (and awaited) when too slow,
and when retry itself is cancelled."""

import asyncio


async def retry(op, attempts: int, base_delay: float, timeout: float):
    if attempts < 1:
        raise ValueError(attempts)
    last_error = None
    for number in range(attempts):
        if number:
            await asyncio.sleep(base_delay * 2 ** (number - 1))
        task = asyncio.create_task(op())
        try:
            done, _ = await asyncio.wait({task}, timeout=timeout)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if not done:
            task.cancel()
            await asyncio.wait({task})
            last_error = TimeoutError(f"attempt {number + 1} took longer than {timeout} s")
            continue
        error = task.exception()
        if error is None:
            return task.result()
        if not isinstance(error, Exception):
            raise error
        last_error = error
    raise last_error

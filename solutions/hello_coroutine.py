"""Reference solution: hello, coroutine."""

import asyncio


async def delayed_greeting(name: str, delay: float) -> str:
    await asyncio.sleep(delay)
    return f"Hello, {name}!"

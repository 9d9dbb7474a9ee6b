"""Yields by awaiting a future that the loop itself completes on its next turn."""

import asyncio


async def _next_turn():
    loop = asyncio.get_running_loop()
    turn = loop.create_future()
    loop.call_soon(turn.set_result, None)
    await turn


async def process_all(items, work):
    results = []
    for index, item in enumerate(items):
        if index and index % 4 == 0:
            await _next_turn()
        results.append(work(item))
    return results

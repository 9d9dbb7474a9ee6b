"""Awaits each fetch before starting the next: right results, ten times too slow."""

CAUGHT_IN = "concurrency"


async def fetch_all(fetch, keys):
    return [await fetch(key) for key in keys]

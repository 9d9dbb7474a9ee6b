"""Safe from overload, but one call at a time: a limit of 1 whatever `limit` says."""

CAUGHT_IN = "concurrency"


async def fetch_limited(fetch, keys, limit):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return [await fetch(key) for key in keys]

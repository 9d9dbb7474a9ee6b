"""Lets every fetch run to the end, then raises the failures together: nothing is cancelled, and it is slow."""

import asyncio

CAUGHT_IN = "timeout"


async def fetch_all_or_nothing(fetch, keys):
    results = await asyncio.gather(*(fetch(key) for key in keys), return_exceptions=True)
    failures = [result for result in results if isinstance(result, BaseException)]
    if failures:
        raise ExceptionGroup("some fetches failed", failures)
    return results

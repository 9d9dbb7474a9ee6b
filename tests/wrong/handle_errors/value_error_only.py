"""Catches only ValueError: other ordinary errors escape."""

CAUGHT_IN = "correctness"


async def fetch_or_default(fetch, key, default):
    try:
        return await fetch(key)
    except ValueError:
        return default

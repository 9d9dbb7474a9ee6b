"""Returns None on failure instead of the default."""

CAUGHT_IN = "correctness"


async def fetch_or_default(fetch, key, default):
    try:
        return await fetch(key)
    except Exception:
        return None

"""`or default`: a falsy result (None, 0, "") is replaced by the default."""

CAUGHT_IN = "correctness"


async def fetch_or_default(fetch, key, default):
    try:
        return await fetch(key) or default
    except Exception:
        return default

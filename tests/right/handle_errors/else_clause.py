"""The default decided in the except clause, the result returned after the try."""


async def fetch_or_default(fetch, key, default):
    try:
        value = await fetch(key)
    except Exception:
        value = default
    return value

"""Reference solution: handle errors, keep cancellation."""


async def fetch_or_default(fetch, key, default):
    try:
        return await fetch(key)
    except Exception:  # CancelledError and KeyboardInterrupt are BaseExceptions: they go on up
        return default

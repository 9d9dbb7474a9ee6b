"""except BaseException: catches KeyboardInterrupt and CancelledError too."""

CAUGHT_IN = "exceptions"


async def fetch_or_default(fetch, key, default):
    try:
        return await fetch(key)
    except BaseException:
        return default

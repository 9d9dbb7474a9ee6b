"""Catches everything, then re-raises what is not an ordinary error."""


async def fetch_or_default(fetch, key, default):
    try:
        return await fetch(key)
    except BaseException as error:
        if not isinstance(error, Exception):
            raise
        return default

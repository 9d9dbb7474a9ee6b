"""A bare except: swallows cancellation along with everything else."""

CAUGHT_IN = "exceptions"


async def fetch_or_default(fetch, key, default):
    try:
        return await fetch(key)
    except:  # noqa: E722
        return default

"""Each source read to its end before the next: a quiet source holds up every other."""

CAUGHT_IN = "concurrency"


async def merge(*sources):
    for source in sources:
        async for item in source:
            yield item

"""Every caller calls load itself: nothing is shared."""

CAUGHT_IN = "correctness"


class SingleFlight:
    def __init__(self):
        pass

    async def get(self, key, load):
        return await load(key)

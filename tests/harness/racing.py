"""Racing and hedging: calls that end in an exact order as the learner's loop sees it, how soon the next call
starts once one has ended, and a guard that stops a function which leaves nothing running.

The learner's code runs in the sandbox, so "at once" is judged on what the judge sees: a fake call's end is
stamped as its outcome is sent, the next call's start as its request arrives. Between the two lies a round
trip to the sandbox (well under 10 ms, even on a loaded machine) for a function that calls the next one at
once; a function that waits for a timer lets that timer run out first. Orders are judged in turns of the
sandbox's event loop, which a judge-side count of loop iterations no longer measures.
"""

import asyncio

from .checks import KataCall
from .fakes import FakeFetch
from .timing import real_perf_counter, real_sleep, seconds, units

# The next call "at once": a round trip, under 10 ms (55 ms at worst, a stall of the sandbox's loop on a loaded
# machine): this is 2.7x that worst case. The checks give a function that waits for its timer at least 0.3 s.
AT_ONCE = units(1.5)
POLL = 0.005  # how often IdleWatch looks


def handoff(fake: FakeFetch, before: int, after: int) -> float | None:
    """Seconds from the end of `fake.calls[before]` (its outcome sent) to the start of `fake.calls[after]` (its
    request received); None if either never happened."""
    calls = fake.calls
    if max(before, after) >= len(calls) or calls[before].ended is None:
        return None
    return calls[after].started - calls[before].ended


class IdleWatch:
    """`async with IdleWatch(fake, call) as watch:` around `await call.outcome()` (`call` a KataCall).

    It stops a function that leaves nothing running: when none of the fake's calls has been running for
    `limit` seconds in a row while the call is still pending, it describes what it saw in `watch.idle` and
    cancels the call (which then ends, cancelled or however its code makes it end).
    """

    def __init__(self, fake: FakeFetch, call: KataCall, limit: float = AT_ONCE) -> None:
        self.fake = fake
        self.call = call
        self.limit = limit
        self.idle: str | None = None

    async def __aenter__(self) -> "IdleWatch":
        self._task = asyncio.create_task(self._watch(), name="harness:idle")
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._task.cancel()
        await asyncio.wait([self._task])

    async def _watch(self) -> None:
        idle_since = self.call.started
        while not self.call.task.done():
            await real_sleep(POLL)
            now = real_perf_counter()
            if self.fake.in_flight:
                idle_since = now
            elif now - idle_since >= self.limit and not self.call.task.done():
                self.idle = self._describe_idle(now - idle_since)
                self.call.cancel()
                return

    def _describe_idle(self, idle: float) -> str:
        calls = self.fake.calls
        if not calls:
            before = "before any call of fetch"
        else:
            last = max(calls, key=lambda call: call.ended or 0.0)
            how = {"raised": "raised", "returned": "returned", "cancelled": "was cancelled"}.get(last.outcome, "ended")
            before = f"after fetch({last.key!r}) {how}"
        return (
            f"{before}, no call was running and your function went on waiting ({seconds(idle)}) instead of "
            "calling anything, so the check stopped it"
        )

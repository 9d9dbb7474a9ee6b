"""Racing and hedging: how many event-loop iterations pass between one call of a fake ending and the next
starting, and a guard that stops a function which leaves nothing running.

"When a call fails, the next one starts at once" is judged in loop iterations, not in seconds: a harness task
takes one step per iteration (`await asyncio.sleep(0)`) and stamps each call of the fake with the iteration it
started and ended in. A function that starts the next call at once does so within a few iterations; one that
waits for a timer lets hundreds or thousands go by, whatever the machine's load.
"""

import asyncio

from .checks import KataCall
from .fakes import FakeFetch
from .timing import real_sleep

# A correct function starts the next call within a handful of iterations (a task finishing, a done callback,
# a waiter woken, a task created): this is several times that. A timer of even 50 ms lets far more go by.
AT_ONCE = 50


class IterationWatch:
    """`async with IterationWatch(fake, call) as watch:` around `await call.outcome()` (`call` a KataCall).

    While the call runs, a harness task takes one step per loop iteration and stamps the fake's calls:
    `watch.started[i]`, `watch.ended[i]`: the iteration in which `fake.calls[i]` started and ended (None if it
    has not). `watch.gap(i, j)`: iterations from call i's end to call j's start.

    With `idle_limit=N`, it also stops a function that leaves nothing running: when none of the fake's calls has
    been running for N iterations in a row while the call is still pending, it describes what it saw in
    `watch.idle` and cancels the call (which then ends, cancelled or however its code makes it end).
    """

    def __init__(self, fake: FakeFetch, call: KataCall, idle_limit: int | None = None) -> None:
        self.fake = fake
        self.call = call
        self.idle_limit = idle_limit
        self.iteration = 0
        self.started: list[int] = []
        self.ended: list[int | None] = []
        self.idle: str | None = None

    async def __aenter__(self) -> "IterationWatch":
        self._task = asyncio.create_task(self._watch(), name="harness:iterations")
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._task.cancel()
        await asyncio.wait([self._task])

    async def _watch(self) -> None:
        idle_since = None
        while not self.call.task.done():
            await real_sleep(0)
            self.iteration += 1
            self._stamp()
            if self.idle_limit is None or self.fake.in_flight:
                idle_since = None
            elif idle_since is None:
                idle_since = self.iteration
            elif self.iteration - idle_since >= self.idle_limit and not self.call.task.done():
                self.idle = self._describe_idle(self.iteration - idle_since)
                self.call.cancel()
                return

    def _stamp(self) -> None:
        calls = self.fake.calls
        while len(self.started) < len(calls):
            self.started.append(self.iteration)
            self.ended.append(None)
        for index, call in enumerate(calls):
            if self.ended[index] is None and call.ended is not None:
                self.ended[index] = self.iteration

    def _describe_idle(self, iterations: int) -> str:
        calls = self.fake.calls
        if not calls:
            before = "before any call of fetch"
        else:
            last = max(calls, key=lambda call: call.ended or 0.0)
            how = {"raised": "raised", "returned": "returned", "cancelled": "was cancelled"}.get(last.outcome, "ended")
            before = f"after fetch({last.key!r}) {how}"
        return (
            f"{before}, no call was running and your function went on waiting ({iterations} turns of the event "
            "loop) instead of calling anything, so the check stopped it"
        )

    def gap(self, before: int, after: int) -> int | None:
        """Iterations from the end of call `before` to the start of call `after` (None if either never
        happened)."""
        if max(before, after) >= len(self.started) or self.ended[before] is None:
            return None
        return self.started[after] - self.ended[before]

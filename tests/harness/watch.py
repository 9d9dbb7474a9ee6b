"""Is the sandbox's event loop free? The judge pings it and times the answers; the sandbox names time.sleep calls."""

import asyncio
import contextlib
import math

from .checks import expect
from .sandbox import SandboxEnded, current_sandbox
from .timing import STALL_BOUND, real_perf_counter, real_sleep, seconds, units, until

TICK = 0.005
# How long what the judge lets happen only once the sandbox's loop has had a turn waits for that turn at most: what
# blocking code holds the loop for, exactly, 3x STALL_BOUND; code that awaits lets it happen within a ping or two.
TURN_PATIENCE = units(3)


class LoopWatch:
    """`async with LoopWatch() as watch:` around the learner's call; then `watch.expect_free()`.

    The judge pings the sandbox's event loop every 5 ms and times each answer on its own clock: the loop answers
    only when it gets a turn, so blocking of any kind shows as a late answer, measured where the learner's code
    cannot reach. The sandbox also names every time.sleep call made in its loop's thread (its own report: it can
    fail the check, never pass it).
    """

    async def __aenter__(self) -> "LoopWatch":
        self.longest_stall = 0.0
        self.pings: list[tuple[float, float]] = []  # (sent, answered) on the judge's clock
        self.last_turn = -math.inf  # when the latest ping answered was sent: the loop has had a turn since then
        self.sleep_calls: list[str] = []
        self._sandbox = current_sandbox()
        self._sandbox.begin()
        await self._sandbox.probe("watch_sleeps", on=True)
        self._sent = real_perf_counter()
        self._pinger = asyncio.create_task(self._ping(), name="harness:heartbeat")
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._pinger.cancel()
        await asyncio.wait([self._pinger])
        # A stall that lasted until the end has had no answer after it to measure it.
        self.pings.append((self._sent, real_perf_counter()))
        self.longest_stall = max(self.longest_stall, self.pings[-1][1] - self._sent)
        with contextlib.suppress(SandboxEnded):
            answer = await self._sandbox.probe("watch_sleeps", on=False)
            self.sleep_calls = [place for place in answer.get("sleeps", []) if isinstance(place, str)]

    async def _ping(self) -> None:
        while True:
            self._sent = real_perf_counter()
            await self._sandbox.ask({"op": "ping"})
            self.pings.append((self._sent, real_perf_counter()))
            self.last_turn = self._sent
            self.longest_stall = max(self.longest_stall, self.pings[-1][1] - self._sent)
            await real_sleep(TICK)

    def turned_since(self, moment: float) -> bool:
        """Whether the sandbox's loop has had a turn since `moment` (real_perf_counter): a ping sent then or later
        was answered. Exact, whatever the load: what answers a ping is the loop getting a turn."""
        return self.last_turn >= moment

    async def until_turn(self, since: float, within: float = TURN_PATIENCE) -> bool:
        """Wait until the loop has had a turn since `since`, or until `within` after `since`; whether it had.
        A fake's call that ends only then cannot end while the loop is blocked waiting for it: code that waits for
        it in a blocking way stalls the loop for the whole of `within`, and code that awaits it lets it end a ping
        or two (milliseconds) after it started."""
        return await until(lambda: self.turned_since(since), since + within - real_perf_counter())

    def longest_stall_within(self, start: float, end: float) -> float:
        """The longest stall within [start, end] (real_perf_counter): a ping's wait, cut to that stretch."""
        return max((min(answered, end) - max(sent, start) for sent, answered in self.pings), default=0.0)

    def expect_free(self) -> None:
        expect(
            not self.sleep_calls,
            saw=f"time.sleep called in a coroutine ({self.sleep_calls[0] if self.sleep_calls else ''})",
            expected="waiting with await asyncio.sleep(...), which lets other tasks run meanwhile",
            mistake="time.sleep blocks the whole event loop: no other task runs until it returns",
        )
        expect(
            self.longest_stall <= STALL_BOUND,
            saw=f"the event loop was blocked for {seconds(self.longest_stall)} at a stretch",
            expected=f"no stall longer than {seconds(STALL_BOUND)}: other tasks must keep running",
            mistake="blocking work in a coroutine (time.sleep, a busy loop, a blocking call) "
            "without an await that gives the loop control back",
        )

"""Is the event loop free? A heartbeat sees any stall; a profile hook names every time.sleep call."""

import asyncio
import sys

from . import learner
from .checks import expect
from .timing import STALL_BOUND, real_perf_counter, real_sleep, real_time_sleep, seconds

TICK = 0.005


class LoopWatch:
    """`async with LoopWatch() as watch:` around the learner's call; then `watch.expect_free()`.

    The heartbeat task ticks every 5 ms and keeps the longest gap between ticks: blocking of any kind shows.
    The profile hook records each call of time.sleep made in the loop's thread, with the learner's file and line:
    deterministic, whatever the machine's load.
    """

    async def __aenter__(self) -> "LoopWatch":
        self.longest_stall = 0.0
        self.sleep_calls: list[str] = []
        self._heartbeat = asyncio.create_task(self._beat(), name="harness:heartbeat")
        await real_sleep(0)  # the first tick is taken before the learner's code runs
        sys.setprofile(self._profile)
        return self

    async def __aexit__(self, *exc_info) -> None:
        sys.setprofile(None)
        self._heartbeat.cancel()
        await asyncio.wait([self._heartbeat])
        self._tick()  # a stall that lasted until the end has had no tick after it to measure it

    async def _beat(self) -> None:
        self._last_tick = real_perf_counter()
        while True:
            await real_sleep(TICK)
            self._tick()

    def _tick(self) -> None:
        now = real_perf_counter()
        self.longest_stall = max(self.longest_stall, now - self._last_tick)
        self._last_tick = now

    def _profile(self, frame, event: str, arg) -> None:
        if event == "c_call" and arg is real_time_sleep:
            self.sleep_calls.append(learner.shown(frame.f_code.co_filename) + f", line {frame.f_lineno}")

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

"""Instruments for katas that wrap a callback API: an operation started with a callback (`start(on_done)`)
that the judge completes from a thread of the sandbox's, and whose `cancel()` it records.

The callback is the learner's own function: the judge calls it in a new sandbox thread that has no event loop,
as a real library's worker thread would, either at once or once the sandbox's loop waits for events with nothing
ready (`in_thread_once_idle`): then only what the callback does to wake the loop (`call_soon_threadsafe`) makes
the loop run again before the judge sends anything more, which is how a missed wake-up is seen without a clock.
"""

from collections.abc import Callable
from typing import Any

from .checks import KataCall, Outcome, expect, run
from .sandbox import RemoteObject
from .timing import real_perf_counter, units


class FakeOperation:
    """`start(on_done)`: a plain function that begins an operation and returns its `cancel()`, a plain function.

    early: `(result, error)` to call `on_done` with from a sandbox thread before `start` returns (the judge waits
           for that call to end, then returns `cancel`).

    Instruments: `callbacks` (each `on_done` given, as the sandbox's object), `cancels` (when each `cancel()`
    call came, on the judge's clock), `deliveries` (how each call of `on_done` ended, in that thread: its Outcome).
    """

    calling = "sync"  # a plain function in the sandbox: the calling thread blocks until the judge answers

    def __init__(self, *, early: tuple[Any, BaseException | None] | None = None) -> None:
        self.early = early
        self.callbacks: list[Any] = []
        self.cancels: list[float] = []
        self.deliveries: list[Outcome] = []

        def cancel() -> None:
            self.cancels.append(real_perf_counter())

        self.cancel: Callable[[], None] = cancel

    def __call__(self, on_done: Any):
        self.callbacks.append(on_done)
        if self.early is None:
            return self.cancel
        return self._deliver_then_return(*self.early)

    async def _deliver_then_return(self, result: Any, error: BaseException | None) -> Callable[[], None]:
        await self.deliver(result, error)
        return self.cancel

    @property
    def started(self) -> bool:
        return bool(self.callbacks)

    async def until_started(self, call: KataCall, within: float = units(10)) -> None:
        """Wait until the learner's code has called `start`, or has ended (the check then sees how)."""
        await call.until(lambda: bool(self.callbacks), within)
        expect(
            self.started or call.task.done(),
            saw=f"start not called after {within:.2f} s",
            expected="start(on_done) called at once",
        )

    async def deliver(self, result: Any, error: BaseException | None = None, *, once_idle: bool = False) -> Outcome:
        """Call the last `on_done` given with `(result, error)` in a new thread of the sandbox's (once its loop waits
        for events, if `once_idle`), and return how that call ended."""
        on_done = self.callbacks[-1]
        expect(
            isinstance(on_done, RemoteObject),
            saw=f"start was given {on_done!r}",
            expected="a function of yours, on_done(result, error), for the operation to call",
        )
        method = on_done.method("__call__")
        call = method.in_thread_once_idle(result, error) if once_idle else method.in_thread(result, error)
        outcome = await run(call)
        self.deliveries.append(outcome)
        return outcome

    def expect_callback_returned(self, outcome: Outcome, when: str) -> None:
        expect(
            outcome.returned,
            saw=f"on_done, called from another thread {when}, {outcome.describe().removeprefix('it ')}",
            expected="on_done to return quietly: it runs in the operation's thread, where an exception is the "
            "library's problem, not yours to hand over",
            mistake="on_done touched the event loop from the wrong thread (asyncio.get_running_loop() has no "
            "loop there; call_soon_threadsafe raises once the loop is closed), or set a future that was "
            "already done (InvalidStateError)",
        )

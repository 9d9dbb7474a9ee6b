"""Iterating a learner's async generator from the judge as one consumer's task does.

`async with contextlib.aclosing(gen): async for item in gen: ...` runs every step of the generator in one task:
its `__anext__` calls, then `aclose()`. A generator may rely on that (a TaskGroup or `asyncio.timeout` it enters
across a `yield`, a context variable, `asyncio.current_task()`), so the steps run in one task of the sandbox's
too: a lane (grader/agent.py), which runs the judge's calls queued for it one after another. Cancelling a step
cancels that task while the step runs, as cancelling a consumer does; the task then goes on to the next step
(`aclose()`), its cancellation still counted, as the consumer's does in aclosing's exit.
"""

import asyncio
import itertools
import math

from .checks import KataCall, Outcome, run, settle
from .sandbox import RemoteCall, RemoteObject, current_sandbox
from .timing import real_perf_counter

_lanes = itertools.count(1)


class Consumer:
    """`consumer = Consumer(kata.NAME.in_loop_thread(...))`, then `await consumer.begin()`, then steps:
    `await consumer.next()` (an Outcome: the item in `.value`, or StopAsyncIteration in `.error`), and at the
    end `await consumer.close()` (aclose(), what aclosing's exit does). `consumer.step(...)` gives the step as a
    KataCall, to cancel it midway or to watch its end (fakes.AtEnd.watch(step.call) before awaiting it).

    `not_a_generator` names the type of what the function gave when `async for` cannot iterate it; `begin()`
    then returns how the function ended when run as the coroutine it is (a stub raises NotImplementedError: the
    kata is "not started")."""

    def __init__(self, made: RemoteCall) -> None:
        self.made = made
        self.lane = f"lane:consumer-{next(_lanes)}"
        self.generator: RemoteObject | None = None
        self.not_a_generator: str | None = None
        self.items: list = []
        self.finished = False  # StopAsyncIteration came, or a step raised or ended cancelled
        self.stuck = False  # a step given a number of turns had not ended by then, and was cancelled
        self._noted: asyncio.Event | None = None

    async def begin(self) -> Outcome:
        made = await run(self.made)
        if not made.returned:
            return made
        if not isinstance(made.value, RemoteObject):
            self.not_a_generator = type(made.value).__name__
            return made
        obj = made.value
        iterator = await run(obj.method("__aiter__").in_loop_thread())
        if not iterator.returned or not isinstance(iterator.value, RemoteObject):
            self.not_a_generator = obj.type_name
            if obj.type_name == "coroutine":
                # Closed unstarted (nothing ran), then run as the coroutine it is, for a moment: the stub raises
                # NotImplementedError at once there, and the kata is "not started".
                await run(obj.method("close").in_loop_thread())
                call = KataCall(RemoteCall(self.made.sandbox, self.made.target, self.made.args, self.made.kwargs))
                await settle()
                call.cancel()
                return await call.outcome()
            return iterator
        self.owner = obj
        self.generator = iterator.value
        return made

    def step(self, method: str = "__anext__", *args) -> KataCall:
        """One step in the consumer's task: `__anext__` by default, `aclose`, `athrow`..."""
        target = {"ref": self.generator.ref["id"], "method": method}
        return KataCall(RemoteCall(self.generator.sandbox, target, args, {}, how=self.lane))

    async def next(self) -> Outcome:
        outcome = await self.step().outcome()
        self.note(outcome)
        return outcome

    async def next_within(self, turns: int) -> Outcome:
        """`next()`, for an item that any correct generator hands over within `turns` turns of the sandbox's loop:
        a step still pending then is cancelled (`stuck` says so), so a generator waiting for what never comes
        fails the check at once instead of running out its time."""
        outcome = await self.within(self.step(), turns)
        self.note(outcome)
        return outcome

    async def within(self, step: KataCall, turns: int, busy=None, seconds: float = math.inf) -> Outcome:
        """How `step` ended; cancelled (and `stuck` set) if it had not ended after `turns` turns of the sandbox's
        loop, not counting turns during which `busy()` (say, a fake's cleanup under way, which takes real time)
        is true; nor, whatever happens, after `seconds`."""
        sandbox = current_sandbox()
        deadline = real_perf_counter() + seconds
        idle = 0
        while not step.task.done() and idle < turns and real_perf_counter() < deadline:
            await sandbox.turns(1)
            idle = 0 if busy is not None and busy() else idle + 1
        if not step.task.done():
            self.stuck = True
            step.cancel()
        return await step.outcome()

    def note(self, outcome: Outcome) -> None:
        """What a step of `__anext__` gave: an item, or the end of the iteration."""
        if outcome.returned:
            self.items.append(outcome.value)
        else:
            self.finished = True
        if self._noted is not None:
            self._noted.set()

    async def until_items(self, count: int, turns: int) -> bool:
        """Wait until `count` items have come (or the iteration has ended), at most `turns` turns of the sandbox's
        loop; whether they came."""
        if self._noted is None:
            self._noted = asyncio.Event()
        waiting = asyncio.ensure_future(current_sandbox().turns(turns))
        try:
            while len(self.items) < count and not self.finished and not waiting.done():
                self._noted.clear()
                noted = asyncio.ensure_future(self._noted.wait())
                await asyncio.wait([noted, waiting], return_when=asyncio.FIRST_COMPLETED)
                noted.cancel()
        finally:
            waiting.cancel()
        return len(self.items) >= count

    async def close(self) -> Outcome:
        """aclose(), as aclosing's exit calls it (also after the iteration has ended: it then does nothing)."""
        return await self.step("aclose").outcome()

    async def drain(self, limit: int = 1000) -> Outcome:
        """Ask for items until the iteration ends (its Outcome: StopAsyncIteration, or what a step raised)."""
        for _ in range(limit):
            outcome = await self.next()
            if not outcome.returned:
                return outcome
        return Outcome(error=AssertionError(f"more than {limit} items"))


def stopped(outcome: Outcome) -> bool:
    """The step ended the iteration normally (StopAsyncIteration)."""
    return isinstance(outcome.error, StopAsyncIteration)

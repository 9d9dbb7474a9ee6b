"""Instruments for katas whose code runs event loops in threads of its own: the sandbox's threads as the judge
sees them (the kernel's list, /proc/PID/task), and a fake that knows whether each call came from the sandbox's own
event loop or from another one (a loop the learner's code made: its stand-in reaches the judge over a connection
of that loop's)."""

import os
from typing import Any

from .fakes import FakeFetch
from .sandbox import current_invocation, current_sandbox
from .timing import until


def threads_of(pid: int) -> set[int]:
    """The ids of the threads process `pid` has now (the kernel's word, not the process's); empty once it is gone."""
    try:
        return {int(name) for name in os.listdir(f"/proc/{pid}/task")}
    except (FileNotFoundError, ProcessLookupError):
        return set()


class NewThreads:
    """`threads = NewThreads()` (in a check, before the learner's code starts any thread): `threads.now()` gives the
    sandbox's threads that were not there then; `await threads.gone(within)` waits until none is left (the threads
    the sandbox starts to make a plain call, `in_thread`, end a moment after their call: a bounded wait for them
    is needed, and a thread left running never ends)."""

    def __init__(self) -> None:
        self.pid = current_sandbox().pid
        self.before = threads_of(self.pid)

    def now(self) -> set[int]:
        return threads_of(self.pid) - self.before

    async def gone(self, within: float) -> bool:
        return await until(lambda: not self.now(), within)


class WhereFetch(FakeFetch):
    """A FakeFetch that records, for each call, whether it came from the sandbox's own event loop (`on_main`, in
    call order): a coroutine run on a loop of the learner's making calls it over a connection of that loop's."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.on_main: list[bool] = []

    def __call__(self, key):
        invocation = current_invocation()
        sandbox = current_sandbox()
        self.on_main.append(invocation is not None and invocation.channel is sandbox.main)
        return super().__call__(key)


def call_in_caller(function: Any, *args: Any) -> None:
    """Inside the body of a judge's async function that the learner's code awaited on an event loop of its own
    (as harness.tasks.start_task_in_caller): have that loop's thread call `function(*args)` at once, where
    `function` is an object of the sandbox's (a RemoteObject, e.g. a learner's bound method) and `args` may hold
    calls made there (grader.wire.Call). It is the sandbox's "spawn": the call is made in the loop's thread,
    inside the stand-in of the judge's function, to start a task of what it returns. Code that refuses to be
    called there raises, and its exception comes out of the stand-in, ending the judge's function's call there
    with it (the judge's body is then cancelled); code that blocks holds that loop's thread."""
    invocation = current_invocation()
    if invocation is None or invocation.channel is invocation.channel.sandbox.main:
        raise RuntimeError("call_in_caller works in a judge's function called from a learner's own loop")
    codec = invocation.channel.sandbox.codec
    invocation.channel.send(
        {"op": "spawn", "id": invocation.number, "call": codec.encode(function), "args": codec.encode(list(args))}
    )

"""The judge's side of the sandbox, tested directly on small modules: remote calls, stand-ins for what the judge
lends, cancellation across the boundary, learner objects used remotely, probes, a sandbox that dies; and the
plugin's report, through pytester."""

import asyncio
import json
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest
from here import WORKSPACE

from grader import confine, sandboxes

sys.path.insert(0, str(WORKSPACE.tests))

from harness.checks import KataCall  # noqa: E402
from harness.fakes import AtEnd, FakeFetch  # noqa: E402
from harness.readahead import OneShot, ReadAheadSource  # noqa: E402
from harness.sandbox import RemoteModule, Sandbox, SandboxEnded, provide_sandbox  # noqa: E402

pytestmark = pytest.mark.timeout(60)

MODULE = """
import asyncio, os, time

async def gather_all(fetch, keys):
    return list(await asyncio.gather(*(fetch(key) for key in keys)))

async def cancel_without_waiting(fetch):
    task = asyncio.create_task(fetch("slow"))
    await asyncio.sleep(0.01)
    task.cancel()
    return "left"

async def cancel_and_wait(fetch):
    task = asyncio.create_task(fetch("slow"))
    await asyncio.sleep(0.01)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    return "waited"

async def echo(value):
    return value

async def certificate_authorities():
    folder = os.environ.get("SSL_CERT_DIR")
    return os.environ.get("SSL_CERT_FILE"), folder is not None and os.path.isdir(folder) and os.listdir(folder)

async def raise_it(error):
    raise error

async def own_error():
    raise KeyError("mine")

async def numbers(count):
    for number in range(count):
        yield number

async def in_the_order_they_end(fetch, keys):
    ended = []
    async def one(key):
        ended.append(await fetch(key))
    await asyncio.gather(*(one(key) for key in keys))
    return ended

async def as_they_end(fetch, keys):
    pending = {asyncio.create_task(fetch(key)) for key in keys}
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:  # a set: two ends in one step would come out in any order
            yield task.result()

async def same_task(count):
    first = asyncio.current_task()
    try:
        for number in range(count):
            yield asyncio.current_task() is first
        await asyncio.sleep(10)
    finally:
        await asyncio.sleep(0)
        yield_ended.append(asyncio.current_task() is first)

yield_ended = []

async def first_then_close(source, count):
    taken = []
    async for item in source:
        taken.append(item)
        if len(taken) == count:
            break
    await source.aclose()
    return taken, type(source).__name__

def ended_in_same_task():
    return list(yield_ended)

def plain(x, *, times=2):
    return x * times

async def blocks(seconds):
    time.sleep(seconds)

async def leaves_a_task():
    asyncio.create_task(asyncio.sleep(10))

async def exits():
    os._exit(7)

async def sleeps_blocking(seconds):
    time.sleep(seconds)

async def close_it(conn):
    await conn.close()
    return conn, conn.close.__name__

_waiting = []

async def wait_woken(threadsafe):
    loop = asyncio.get_running_loop()
    _waiting[:] = [loop, loop.create_future(), threadsafe]
    return await _waiting[1]

def wake(value):
    loop, future, threadsafe = _waiting
    if threadsafe:
        loop.call_soon_threadsafe(future.set_result, value)
    else:
        future.set_result(value)  # no wake-up: the loop sleeps on

def call_plain(function, argument):
    return function(argument)

async def in_a_pool_as_they_end(fetch, work, keys):
    from concurrent.futures import ProcessPoolExecutor
    loop = asyncio.get_running_loop()
    ended = []
    async def one(key):
        item = await fetch(key) if fetch is not None else key
        ended.append(await loop.run_in_executor(pool, work, item))
    with ProcessPoolExecutor(2) as pool:
        await asyncio.gather(*(one(key) for key in keys))
    return ended

async def in_a_thread(function, argument):
    return await asyncio.to_thread(function, argument)

async def waits_blocking(function, argument):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, argument).result()

async def read_all(source):
    return [item async for item in source]

async def cancel_a_read(source):
    read = asyncio.ensure_future(anext(aiter(source)))
    await asyncio.sleep(0)
    read.cancel()
    try:
        return await read
    except asyncio.CancelledError:
        return "cancelled"

async def read_twice(keys):
    return [key for key in keys], [key for key in keys]

async def spawn(argv, wait):
    process = await asyncio.create_subprocess_exec(*argv)
    if wait:
        await process.wait()
    else:
        process.kill()
    return process.pid

async def leave_errors_unretrieved():
    lost = asyncio.get_running_loop().create_future()
    lost.set_exception(ConnectionResetError("reset"))  # what a drain() waiter is left with when its task is cancelled
    failed = asyncio.create_task(raise_it(ConnectionResetError("mine")))
    await asyncio.sleep(0)
    del lost, failed

async def leave_a_daemon():
    pid = os.fork()
    if pid == 0:
        os.setsid()
        time.sleep(60)
        os._exit(0)
    return pid

async def read_two_and_close(source):
    iterator = aiter(source)
    first, second = await anext(iterator), await anext(iterator)
    if hasattr(iterator, "aclose"):
        await iterator.aclose()
    return [first, second, hasattr(iterator, "aclose"), await anext(iterator, "over")]
"""


def line_of(text: str) -> int:
    return next(number for number, line in enumerate(MODULE.splitlines(), 1) if text in line)


@pytest.fixture
def sandbox(tmp_path):
    (tmp_path / "learner").mkdir()
    path = tmp_path / "learner" / "module.py"
    path.write_text(textwrap.dedent(MODULE))
    box = Sandbox(path, "learner/module.py")
    assert box.wait_hello().get("pid") == box.pid
    provide_sandbox(lambda: box)  # the one the harness's instruments (LoopWatch, fakes) reach
    yield box
    provide_sandbox(None)
    box.close()


def run(sandbox, check):
    async def main():
        try:
            return await check(RemoteModule(lambda: sandbox))
        finally:
            sandbox.end()

    return asyncio.run(main())


def test_fakes_run_in_the_judge_and_results_come_back(sandbox):
    fake = FakeFetch(delay=0.05)

    async def check(kata):
        return await kata.gather_all(fake, ["a", "b", "a"])

    assert run(sandbox, check) == [("value", "a"), ("value", "b"), ("value", "a")]
    assert fake.peak == 3 and fake.keys == ["a", "b", "a"]


def test_the_sandbox_trusts_no_certificate_authority(sandbox):
    """An empty folder of authorities, and no bundle: making a TLS-capable client there loads none."""

    async def check(kata):
        return await kata.certificate_authorities()

    assert run(sandbox, check) == (None, [])


def test_a_cancellation_not_waited_for_shows_as_running_at_the_end(sandbox):
    for function, expected in (("cancel_without_waiting", "running"), ("cancel_and_wait", "cancelled")):
        fake = FakeFetch(delay=10)
        at_end = AtEnd(fake)

        async def check(kata, function=function, at_end=at_end, fake=fake):
            await at_end.watch(getattr(kata, function)(fake))
            return at_end.outcome("slow")

        assert run(sandbox, check) == expected, function


def test_identity_survives_only_for_what_the_judge_lent(sandbox):
    lent, failure = object(), LookupError("judge's")

    async def check(kata):
        back = await kata.echo(lent)
        try:
            await kata.raise_it(failure)
        except LookupError as error:
            raised = error
        try:
            await kata.own_error()
        except KeyError as error:
            own = error
        return back, raised, own, await kata.echo((1, b"x", {2}))

    back, raised, own, value = run(sandbox, check)
    assert back is lent and raised is failure
    assert type(own) is KeyError and own.remote_where == f"learner/module.py, line {line_of('KeyError(')}"
    assert value == (1, b"x", {2})


def test_a_judges_iterators_are_read_and_closed_through_their_methods(sandbox):
    full, closable, plain = (
        ReadAheadSource(["a", "b", "c"]),
        ReadAheadSource([1, 2, 3]),
        ReadAheadSource([1, 2, 3], closable=False),
    )

    keys = OneShot(["k", "e", "y"])

    async def check(kata):
        return (
            await kata.read_all(full),
            await kata.read_two_and_close(closable),
            await kata.read_two_and_close(plain),
            await kata.read_twice(keys),
        )

    assert run(sandbox, check) == (["a", "b", "c"], [1, 2, True, "over"], [1, 2, False, 3], (["k", "e", "y"], []))
    assert keys.exhausted_reads == 2
    assert full.taken == 3 and len(full.reads) == 4 and not full.closes
    assert closable.closed and closable.taken == 2 and not plain.closes


def test_a_call_cancelled_before_its_body_began_ends_cancelled(sandbox):
    # A read that ends in its body's first step, with the learner's cancel close behind: whichever the judge
    # reads first, the learner's task ends cancelled, and the read is recorded as cancelled.
    sources = [ReadAheadSource(["item"]) for _ in range(5)]

    async def check(kata):
        return [await kata.cancel_a_read(source) for source in sources]

    assert run(sandbox, check) == ["cancelled"] * 5
    assert all(source.reads[0].outcome == "cancelled" for source in sources)


def test_learner_objects_are_used_remotely(sandbox):
    async def check(kata):
        return [number async for number in kata.numbers(3)], await kata.plain.in_loop_thread("ab", times=3)

    assert run(sandbox, check) == ([0, 1, 2], "ababab")


def test_ticks_end_calls_in_the_order_set_whoever_consumes_them(sandbox):
    """Ticks fakes end on the sandbox's tick clock: exact orders for the learner's code (ends one tick apart), and
    for a consumer in the judge that asks for one result at a time (the clock waits while the judge acts on each;
    ends five ticks apart leave the learner's code room to see one before the next)."""
    delays = {"d": 4, "b": 2, "a": 1, "c": 3, "e": 5}
    expected = [("value", key) for key in sorted(delays, key=delays.get)]

    async def check(kata):
        seen = []
        for _ in range(10):
            seen.append(await kata.in_the_order_they_end(FakeFetch(delays=delays, ticks=True), list(delays)))
            spaced = FakeFetch(delays={key: 5 * delay for key, delay in delays.items()}, ticks=True)
            seen.append([item async for item in kata.as_they_end(spaced, list(delays))])
        return seen

    assert run(sandbox, check) == [expected] * 20


def test_a_consumer_runs_every_step_in_one_task(sandbox):
    from harness.iteration import Consumer

    async def check(kata):
        consumer = Consumer(kata.same_task.in_loop_thread(2))
        await consumer.begin()
        seen = [(await consumer.next()).value, (await consumer.next()).value]
        waiting = consumer.step()  # waits for the sleep: cancelled, the task goes on to aclose()
        await asyncio.sleep(0.05)
        waiting.cancel()
        cancelled = (await waiting.outcome()).cancelled
        closed = await consumer.close()
        return seen, cancelled, closed.returned, await kata.ended_in_same_task.in_loop_thread()

    assert run(sandbox, check) == ([True, True], True, True, [True])


def test_an_object_lent_with_methods_is_iterated_and_closed(sandbox):
    from harness.sources import FakeSource, Release

    async def check(kata):
        release = Release()
        source = FakeSource("A", ["a1", "a2", "a3"], release)
        release.release_all(source)
        return await kata.first_then_close(source, 2), [read.outcome for read in source.reads], source.closed

    assert run(sandbox, check) == ((["a1", "a2"], "JudgeObject"), ["returned", "returned"], "closed")


def test_probes_see_blocking_and_leftover_tasks(sandbox):
    from harness.checks import leaked_tasks
    from harness.watch import LoopWatch

    async def check(kata):
        async with LoopWatch() as watch:
            await kata.blocks(0.3)
        await kata.leaves_a_task()
        return watch, await leaked_tasks()

    watch, leaked = run(sandbox, check)
    assert watch.longest_stall >= 0.25 and watch.sleep_calls == [f"learner/module.py, line {line_of('time.sleep(')}"]
    assert leaked == 1


def test_a_call_that_waits_for_a_turn_of_the_loop_ends_at_once_awaited_and_late_waited_for_blocking(sandbox):
    from harness.blocking import FakeBlocking
    from harness.watch import LoopWatch

    async def check(kata):
        seen = []
        for name in ("in_a_thread", "waits_blocking"):
            async with LoopWatch() as watch:
                fake = FakeBlocking(delay=0, turn=watch)
                await getattr(kata, name)(fake, "x")
            call = fake.calls[0]
            seen.append((call.ended - call.started, watch.longest_stall))
        return seen

    (awaited, awaited_stall), (blocking, blocking_stall) = run(sandbox, check)
    assert awaited < 0.1 and awaited_stall < 0.1
    assert blocking >= 0.3 and blocking_stall >= 0.25


def test_process_work_ends_in_the_order_the_judge_sets(sandbox):
    from harness.processes import AfterParsed, PipelineFetch, ProcessLog, page, parsed

    # How long each order waits at most: far past a pool's start on a loaded machine (CI verifies the banks beside
    # this test), so that only the order the judge sets can end a call before it.
    within = 5.0

    async def check(kata):
        # The fetch of each url ends once the body of the next has been parsed: parsed last to first.
        chained = ProcessLog()
        delays = {"a": AfterParsed(page("b"), within), "b": AfterParsed(page("c"), within)}
        fetch = PipelineFetch(chained, delay=0, delays=delays, results=page)
        started = time.perf_counter()
        pages = await kata.in_a_pool_as_they_end(fetch, chained.parse_page, ["a", "b", "c"])
        chain_took = time.perf_counter() - started
        # Item 9 computes until the other four have ended.
        last = ProcessLog(last=9, total=5, last_within=within)
        squares = await kata.in_a_pool_as_they_end(None, last.square, [9, 1, 2, 3, 4])
        return pages, chain_took, squares, last.calls[0].ended - last.calls[0].started

    pages, chain_took, squares, last_took = run(sandbox, check)
    # Ended by the order set, never by the wait's limit.
    assert pages == [parsed(page(url)) for url in ["c", "b", "a"]] and chain_took < 0.9 * within
    assert squares[-1] == 81 and sorted(squares) == [1, 4, 9, 16, 81] and last_took < 0.9 * within


def test_the_end_of_a_call_tells_which_children_were_not_yet_reaped(sandbox):
    from harness.checks import KataCall

    program = sandbox.confinement.programs / "nothing.py"  # where the sandbox may run the judge's programs
    program.write_text("pass\n")
    argv = [sys.executable, "-I", "-S", str(program)]

    async def check(kata):
        ends = []
        await sandbox.probe("watch_children", on=True)
        for wait in (True, False):
            call = KataCall(kata.spawn(argv, wait))
            await call.outcome()
            ends.append(call.task.result())
        await sandbox.probe("watch_children", on=False)
        return ends

    waited, killed = run(sandbox, check)
    assert waited["outcome"] == killed["outcome"] == "returned"
    assert waited["children"] == []  # reaped by the time it returned
    # Killed and not waited for: still a child when the call ended (reaped later, on the loop, on every Python).
    assert [pid for pid, _ in killed["children"]] == [killed["value"]]


def test_a_sandbox_that_exits_fails_the_call_with_the_reason(sandbox):
    async def check(kata):
        with pytest.raises(SandboxEnded):
            await kata.exits()

    run(sandbox, check)
    assert sandbox.ended == "it exited with code 7"


def test_the_loop_reports_what_the_learners_tasks_left_unretrieved_not_asyncios_own_waiters(sandbox):
    from harness.checks import LoopErrors

    async def check(kata):
        async with LoopErrors() as errors:
            await kata.leave_errors_unretrieved()
        return errors.messages

    messages = run(sandbox, check)
    assert messages == ["Task exception was never retrieved: ConnectionResetError(mine)"]


def alive(pid: int) -> bool:
    """Running, not merely a zombie left for a parent that does not reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_sandbox_and_what_it_forks_carry_its_token_where_the_judge_looks(sandbox):
    """Forked from the sandbox zygote, a sandbox puts its token in the environment it started with, where the judge
    looks for the processes that left its group (a daemon) to kill them."""

    async def check(kata):
        return await kata.leave_a_daemon()

    daemon = run(sandbox, check)
    marker = f"{confine.TOKEN}={sandbox.confinement.token}".encode()
    for pid in (sandbox.pid, daemon):
        assert marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert alive(daemon)
    sandbox.close()
    deadline = time.monotonic() + 5
    while alive(daemon) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not alive(daemon)


def test_a_sandbox_boots_when_the_zygote_it_forks_from_has_died(tmp_path):
    sandboxes.current_zygote().process.kill()
    path = tmp_path / "module.py"
    path.write_text("async def echo(value):\n    return value\n")
    box = Sandbox(path, "module.py")
    try:
        assert box.wait_hello().get("pid") == box.pid
        assert sandboxes.current_zygote().process.poll() is None
    finally:
        box.close()


def test_the_plugin_reports_expected_checks_then_each_result(pytester, tmp_path, monkeypatch):
    target = tmp_path / "target"
    target.mkdir()
    (target / "tiny.py").write_text("async def double(x):\n    return 2 * x\n")
    suite = pytester.makepyfile(
        test_tiny="""
        import pytest
        from harness import expect, run

        @pytest.mark.category("correctness")
        async def test_doubles(kata):
            '''Doubles.'''
            outcome = await run(kata.double(21))
            expect(outcome.value == 42, saw=outcome.describe(), expected="42")

        @pytest.mark.category("exceptions")
        async def test_fails(kata):
            '''Fails on purpose.'''
            expect(False, saw="this", expected="that")
        """
    )
    read, write = os.pipe()
    monkeypatch.setenv("KATA_REPORT_FD", str(write))
    monkeypatch.setenv("KATA_TARGET", str(target))
    monkeypatch.setenv("KATA_NAME", "tiny")
    monkeypatch.syspath_prepend(str(WORKSPACE.tests))
    for module in [name for name in sys.modules if name.startswith("harness.plugin") or name == "harness.learner"]:
        monkeypatch.delitem(sys.modules, module)
    pytester.runpytest(
        str(suite),
        "-p",
        "harness.plugin",
        "-o",
        "asyncio_mode=auto",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        "--noconftest",
    )
    os.close(write)
    lines = [json.loads(line) for line in os.read(read, 1 << 20).decode().splitlines()]
    expected = next(line["expected"] for line in lines if "expected" in line)
    assert [entry["name"] for entry in expected] == ["doubles", "fails"]
    results = {line["check"]: line for line in lines if "check" in line}
    assert results["doubles"]["passed"] is True
    assert results["fails"]["passed"] is False and results["fails"]["message"].startswith("Saw: this.")


def test_every_time_sleep_is_stopped_on_a_simulated_clock(sandbox):
    """Two tasks' time.sleep calls in the same loop iteration: the second must be stopped too (the interpreter
    drops a profile function that raised), not block the sandbox for real. Also a scene of harness.timeline:
    calls sent together at a time of the judge's, each one's end recorded on the simulated clock."""
    from harness.timeline import run_scene

    async def scene(timeline):
        kata = RemoteModule(lambda: sandbox)
        await timeline.until(1.5)
        calls = [timeline.start(kata.sleeps_blocking(30)) for _ in range(2)]
        return [await call.wait() for call in calls]

    started = time.perf_counter()
    with pytest.raises(AssertionError, match="time.sleep called in a coroutine"):
        run_scene(scene)
    assert time.perf_counter() - started < 5
    assert sandbox.ended is None  # both calls ended at once: the sandbox never had to be stopped
    ended = run_scene(lambda timeline: timeline.until(2.0))
    assert ended.stuck is False and ended.ended_at == 2.0


def test_a_lent_object_s_methods_can_be_called(sandbox):
    """An object the judge lends with `lent_methods` (a connection's close): the learner's code calls them, their
    bodies run in the judge, and the object comes back as itself."""

    class Connection:
        lent_methods = ("close",)
        closed = 0

        async def close(self):
            await asyncio.sleep(0.01)
            self.closed += 1

    connection = Connection()

    async def check(kata):
        return await kata.close_it(connection)

    back, name = run(sandbox, check)
    assert back is connection and connection.closed == 1 and name == "close"


def test_a_call_once_idle_comes_while_the_loop_sleeps(sandbox):
    async def check(kata):
        woken = []
        for threadsafe in (True, False):
            call = KataCall(kata.wait_woken(threadsafe))
            await sandbox.turns(3)
            await kata.wake.in_thread_once_idle(threadsafe)
            done, _ = await asyncio.wait([call.task], timeout=0.5)
            woken.append(bool(done))
            await sandbox.turns(1)  # any message wakes the loop
            assert (await call.outcome()).value is threadsafe
        return woken

    assert run(sandbox, check) == [True, False]


def test_a_thread_call_starts_while_the_loop_thread_waits_for_the_judge(sandbox):
    class CallsBack:
        calling = "sync"

        def __init__(self, kata):
            self.kata = kata

        async def __call__(self, argument):
            # The sandbox's loop thread waits for this answer; the thread call must not wait for that thread.
            return await self.kata.plain.in_thread(argument, times=2)

    async def check(kata):
        return await kata.call_plain.in_loop_thread(CallsBack(kata), "ab")

    assert run(sandbox, check) == "abab"

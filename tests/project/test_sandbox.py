"""The judge's side of the sandbox, tested directly on small modules: remote calls, stand-ins for what the judge
lends, cancellation across the boundary, learner objects used remotely, probes, a sandbox that dies; and the
plugin's report, through pytester."""

import asyncio
import json
import os
import sys
import textwrap

import pytest

from grader import curriculum

sys.path.insert(0, str(curriculum.TESTS))

from harness.fakes import AtEnd, FakeFetch  # noqa: E402
from harness.sandbox import RemoteModule, Sandbox, SandboxEnded  # noqa: E402
from harness.sources import FakeSource, OneShot  # noqa: E402

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

async def raise_it(error):
    raise error

async def own_error():
    raise KeyError("mine")

async def numbers(count):
    for number in range(count):
        yield number

def plain(x, *, times=2):
    return x * times

async def blocks(seconds):
    time.sleep(seconds)

async def leaves_a_task():
    asyncio.create_task(asyncio.sleep(10))

async def exits():
    os._exit(7)

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
    yield box
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
    full, closable, plain = FakeSource(["a", "b", "c"]), FakeSource([1, 2, 3]), FakeSource([1, 2, 3], closable=False)

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
    sources = [FakeSource(["item"]) for _ in range(5)]

    async def check(kata):
        return [await kata.cancel_a_read(source) for source in sources]

    assert run(sandbox, check) == ["cancelled"] * 5
    assert all(source.reads[0].outcome == "cancelled" for source in sources)


def test_learner_objects_are_used_remotely(sandbox):
    async def check(kata):
        return [number async for number in kata.numbers(3)], await kata.plain.in_loop_thread("ab", times=3)

    assert run(sandbox, check) == ([0, 1, 2], "ababab")


def test_probes_see_blocking_and_leftover_tasks(sandbox):
    from harness.checks import leaked_tasks
    from harness.sandbox import provide_sandbox
    from harness.watch import LoopWatch

    provide_sandbox(lambda: sandbox)

    async def check(kata):
        async with LoopWatch() as watch:
            await kata.blocks(0.3)
        await kata.leaves_a_task()
        return watch, await leaked_tasks()

    try:
        watch, leaked = run(sandbox, check)
    finally:
        provide_sandbox(None)
    assert watch.longest_stall >= 0.25 and watch.sleep_calls == [f"learner/module.py, line {line_of('time.sleep(')}"]
    assert leaked == 1


def test_a_sandbox_that_exits_fails_the_call_with_the_reason(sandbox):
    async def check(kata):
        with pytest.raises(SandboxEnded):
            await kata.exits()

    run(sandbox, check)
    assert sandbox.ended == "it exited with code 7"


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
    monkeypatch.syspath_prepend(str(curriculum.TESTS))
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

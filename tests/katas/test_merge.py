"""Hidden suite: merge.merge(*sources), an async generator over sources the judge lends (harness.sources), consumed
from the judge as one task does (harness.iteration)."""

import asyncio

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import KataCall, LoopErrors, LoopWatch, Outcome, expect, expect_no_leaked_tasks, settle, short, units
from harness.inputs import values
from harness.iteration import Consumer, stopped
from harness.sandbox import current_sandbox
from harness.sources import FakeSource, Release

# Turns of the sandbox's loop a released item is given to reach the consumer before the next read completes: any
# correct merge hands it over in a few, so the order of items is exact; one that waits for another source does not.
SPACING = 12
# Turns within which any correct merge hands over an item, or an error, that is ready (a few), not counting turns
# while a source's cancelled read or aclose() is under way (20 ms each, real time); and, whatever happens, 25 times
# the time a step's cleanup takes. A step still pending then waits for what never comes, and is cancelled.
ITEM_WITHIN = 60
CLEANUP_WITHIN = units(10)


def cleaning_up(sources: list[FakeSource]):
    """Whether a source's own cleanup is under way: a cancelled read not yet ended, or an aclose() not returned."""
    return lambda: any(
        source.closed == "closing" or any(read.outcome == "running" and read.cancelled_times for read in source.reads)
        for source in sources
    )


def sources_of(release: Release, layout: list[list], errors: dict | None = None) -> list[FakeSource]:
    errors = errors or {}
    return [
        FakeSource("ABCDEFGH"[index], items, release, error=errors.get(index)) for index, items in enumerate(layout)
    ]


async def consume(kata, sources: list[FakeSource]) -> Consumer:
    consumer = Consumer(kata.merge.in_loop_thread(*sources))
    consumer.begun = await consumer.begin()
    return consumer


def expect_a_generator(consumer: Consumer) -> None:
    expect(
        consumer.not_a_generator is None,
        saw=f"merge(...) gave a {consumer.not_a_generator}, which `async for` cannot iterate "
        f"({consumer.begun.describe()})",
        expected="an async generator: an `async def` with `yield` in its body",
        mistake="the items are collected and returned rather than yielded one at a time",
    )


WAITS_FOR_ANOTHER = (
    "the merge waits for one source while another has an item ready (sources read one after another, or every "
    "item collected first): wait on a read of every source at once"
)


def told(outcome: Outcome, consumer: Consumer, ready: str = "an item was ready") -> str:
    """How a step ended, in a learner's words; a step cancelled for taking too long says so."""
    if consumer.stuck and outcome.cancelled:
        return f"had not ended long after {ready} (so the check cancelled it)"
    return outcome.describe().removeprefix("it ")


SWALLOWED = (
    "the source's exception was caught (or lost with the task that read it) and the merge went on waiting: raise it"
)


class Snapshot:
    """How every source stood when a step of the consumer ended (in the very step the judge learned of it)."""

    def __init__(self, sources: list[FakeSource]) -> None:
        self.sources = sources
        self.seen: list[dict] | None = None

    def watch(self, step: KataCall) -> KataCall:
        step.call.on_end.append(self._take)
        return step

    def _take(self) -> None:
        self.seen = [
            {
                "pending": source.pending is not None,
                "cancels": [read.cancelled_times for read in source.reads],
                "closed": source.closed,
            }
            for source in self.sources
        ]


def describe_sources(snapshot: Snapshot, sources: list[FakeSource]) -> str:
    parts = []
    for source, seen in zip(sources, snapshot.seen or [], strict=False):
        cancels = [count for count in seen["cancels"] if count]
        reads = "a read still pending" if seen["pending"] else "no read pending"
        cancelled = f", a read cancelled {cancels[0]} times" if cancels and cancels[0] > 1 else ""
        cancelled = cancelled or (", its read cancelled" if cancels else "")
        parts.append(f"source {source.name}: {reads}{cancelled}, {seen['closed']}")
    return "; ".join(parts)


async def expect_cleaned_up(snapshot: Snapshot, sources: list[FakeSource], open_ones: list[FakeSource], after: str):
    """At the snapshot: no read pending, each cancelled read cancelled once, and every source in `open_ones`
    closed, its own cleanup complete."""
    expect(snapshot.seen is not None, saw=f"{after}, the step never ended", expected="it to end")
    pending = [source for source, seen in zip(sources, snapshot.seen, strict=True) if seen["pending"]]
    twice = [source for source, seen in zip(sources, snapshot.seen, strict=True) if max(seen["cancels"], default=0) > 1]
    unclosed = [
        source
        for source, seen in zip(sources, snapshot.seen, strict=True)
        if source in open_ones and seen["closed"] != "closed"
    ]
    story = describe_sources(snapshot, sources)
    refused = any("refused" in source.closes for source in sources)
    if pending and all(source.cancels == 0 for source in pending):
        mistake = "the pending reads were left running: cancel each read's task (or each source's task)"
    elif pending:
        mistake = "the reads were cancelled but not waited for: await them after cancelling"
    elif twice:
        mistake = "a read's task was cancelled more than once (cancel it once, then wait for it): each cancel cuts "
        "the source's own cleanup short"
    elif refused:
        mistake = "aclose() was called on a source while its read was still pending (a real async generator raises "
        "RuntimeError then): wait for the cancelled reads to end before closing the sources"
    elif any(
        seen["closed"] == "not closed"
        for source, seen in zip(sources, snapshot.seen, strict=True)
        if source in unclosed
    ):
        mistake = "the sources are never closed: await aclose() on each source's iterator that has not ended"
    else:
        mistake = "aclose() was called on the sources but not awaited to its end"
    expect(
        not pending and not twice and not unclosed,
        saw=f"{after}: {story}",
        expected="no read pending (each pending read cancelled once and waited for), and every source that had not "
        f"ended ({', '.join(source.name for source in open_ones) or 'none'}) closed, its cleanup complete",
        mistake=mistake,
    )


async def drive(kata, sources: list[FakeSource], release: Release, order: list[int]) -> tuple[Consumer, Outcome]:
    """The consumer asks for items one after another, while the check releases the sources' reads in `order`
    (indexes into `sources`): after an item, the next once the consumer has it (or SPACING turns have passed);
    then everything that is left at once."""
    consumer = await consume(kata, sources)
    if consumer.not_a_generator is not None:
        return consumer, consumer.begun

    async def read_all() -> Outcome:
        return await consumer.drain(limit=200)

    reading = asyncio.ensure_future(read_all())
    sandbox = current_sandbox()
    reads = [0] * len(sources)
    items = 0
    for index in order:
        if reading.done():
            break
        await release.release(sources[index])
        if reads[index] < len(sources[index].items):  # an item: the next read completes once the consumer has it
            items += 1
            await consumer.until_items(items, SPACING)
        reads[index] += 1
    for _ in range(SPACING):  # every read released: the iteration ends
        if reading.done():
            break
        await sandbox.turns(1)
    release.release_all(*sources)
    ended = await reading
    await consumer.close()
    return consumer, ended


def arrival(layout: list[list], order: list[int]) -> list:
    """The items in the order their reads complete."""
    taken = [0] * len(layout)
    items = []
    for index in order:
        if taken[index] < len(layout[index]):
            items.append(layout[index][taken[index]])
        taken[index] += 1
    return items


@st.composite
def interleavings(draw):
    """Up to three sources of up to three items each (falsy ones included), and an order in which their reads
    complete: each source's items, then its end."""
    layout = draw(st.lists(st.lists(values, max_size=3), max_size=3))
    reads = [index for index, items in enumerate(layout) for _ in range(len(items) + 1)]
    return layout, draw(st.permutations(reads))


@pytest.mark.category("correctness")
@given(interleavings())
@example(([], []))
@example(([[1, 2, 3]], [0, 0, 0, 0]))
@example(([["a1", "a2"], ["b1"], []], [1, 0, 2, 1, 0, 0]))
@example(([[None, 0], [False, ""]], [1, 0, 1, 0, 0, 1]))
async def test_yields_items_as_they_arrive(kata, case):
    """Every item of every source, in the order the reads complete, each source's in its order; then the end."""
    layout, order = case
    release = Release()
    sources = sources_of(release, layout)
    consumer, ended = await drive(kata, sources, release, order)
    expect_a_generator(consumer)
    expected = arrival(layout, order)
    by_source = [item for items in layout for item in items]
    if stopped(ended) and consumer.items == by_source != expected:
        mistake = "the sources are read one after another: read them all at once and yield whichever item comes first"
    elif stopped(ended) and len(consumer.items) < len(expected):
        mistake = "the iteration ended before every source was exhausted (at the first source's end?)"
    elif any(source.overlaps for source in sources):
        mistake = "a second read of a source was started while one was pending (which an async generator refuses)"
    else:
        mistake = None
    expect(
        stopped(ended) and consumer.items == expected,
        saw=f"sources {short(layout)}, reads completing in the order {short(''.join('ABCD'[i] for i in order))}: "
        f"it yielded {short(consumer.items)}, then " + ("the end" if stopped(ended) else ended.describe()),
        expected=f"the items {short(expected)}, in that order, then the end of the iteration",
        mistake=mistake,
    )


@pytest.mark.category("concurrency")
async def test_reads_every_source_at_once(kata):
    """A quiet source listed first does not hold up the others: their items come as they arrive, one read pending
    per source at most."""
    release = Release()
    sources = sources_of(release, [["quiet"], ["b1", "b2", "b3"], ["c1", "c2"]])
    order = [1, 2, 1, 2, 1, 0, 2, 1, 0]
    async with LoopWatch() as watch:
        consumer, ended = await drive(kata, sources, release, order)
    expect_a_generator(consumer)
    overlaps = {source.name: source.overlaps for source in sources if source.overlaps}
    expect(
        not overlaps,
        saw="a read started while the same source's last read was still pending: "
        + ", ".join(f"source {name} {count} time(s)" for name, count in overlaps.items()),
        expected="at most one read pending per source (an async generator refuses a second: 'already running')",
        mistake="reads are started for every source each time, not only for the source whose read completed",
    )
    expected = arrival([source.items for source in sources], order)
    expect(
        stopped(ended) and consumer.items == expected,
        saw=f"source A quiet until the end, B and C busy: it yielded {short(consumer.items)}, then "
        + ("the end" if stopped(ended) else ended.describe()),
        expected=f"B's and C's items as they came, A's last: {short(expected)}",
        mistake="the sources are read one after another (or every item collected first): read them all at once"
        if consumer.items[:1] in ([], ["quiet"])
        else None,
    )
    watch.expect_free()


@pytest.mark.category("timeout")
async def test_early_close_cancels_and_closes(kata):
    """The consumer breaks after the first item: aclose() cancels every pending read once, waits for it, and
    closes every source, each source's cleanup complete when aclose() returns."""
    release = Release()
    sources = sources_of(release, [["a1", "a2"], ["b1"], ["c1", "c2"], []])
    consumer = await consume(kata, sources)
    expect_a_generator(consumer)
    await release.release(sources[1])
    await release.release(sources[3])  # D ends at once: it needs no closing
    first = await consumer.next_within(ITEM_WITHIN)
    await current_sandbox().turns(SPACING)
    snapshot = Snapshot(sources)
    closed = await snapshot.watch(consumer.step("aclose")).outcome()
    expect(
        first.returned and first.value == "b1",
        saw=f"only source B's first item was ready; the first step {told(first, consumer)}",
        expected="B's item, 'b1'",
        mistake=WAITS_FOR_ANOTHER if consumer.stuck else None,
    )
    expect(
        closed.returned,
        saw=f"after the first item the consumer broke out of its loop and closed the merge: {closed.describe()}",
        expected="aclose() to return quietly",
        mistake="the cleanup raised something, or swallowed GeneratorExit and yielded again",
    )
    await expect_cleaned_up(snapshot, sources, sources[:3], after="when aclose() returned")
    await settle()
    await expect_no_leaked_tasks(after="the merge was closed")


@pytest.mark.category("timeout")
async def test_closed_before_the_first_item(kata):
    """A merge closed before anyone asked for an item starts nothing and closes nothing."""
    release = Release()
    sources = sources_of(release, [["a1"], ["b1"]])
    consumer = await consume(kata, sources)
    expect_a_generator(consumer)
    await current_sandbox().turns(SPACING)
    closed = await consumer.close()
    await current_sandbox().turns(SPACING)
    touched = [source.name for source in sources if source.reads or source.closes]
    expect(
        closed.returned and not touched,
        saw=f"merge(...) made and closed at once: aclose() {closed.describe().removeprefix('it ')}; sources "
        f"{', '.join(touched) or 'none'} read or closed",
        expected="nothing started, nothing closed: the generator's body never ran",
        mistake="the reads start when merge(...) is called, not when iteration begins: write it as an async generator",
    )
    await expect_no_leaked_tasks(after="the merge was closed")


@pytest.mark.category("exceptions")
async def test_failing_source_cancels_and_closes_the_rest(kata):
    """Source B raises: that very exception comes out, after B's reads were the others' cancelled and every other
    source closed."""
    failure = LookupError("source B broke")
    release = Release()
    sources = sources_of(release, [["a1", "a2"], ["b1"], ["c1"], []], errors={1: failure})
    async with LoopErrors() as loop_errors:
        consumer = await consume(kata, sources)
        expect_a_generator(consumer)
        await release.release(sources[3])  # D ends at once
        await release.release(sources[2])  # C's item comes, then its end, so C needs no closing
        await release.release(sources[2])
        await release.release(sources[1])  # B's item, then its error
        first = await consumer.next_within(ITEM_WITHIN)
        second = await consumer.next()
        snapshot = Snapshot(sources)
        step = snapshot.watch(consumer.step())
        await current_sandbox().turns(SPACING)
        await release.release(sources[1])
        ended = await consumer.within(step, ITEM_WITHIN, cleaning_up(sources), CLEANUP_WITHIN)
        consumer.note(ended)
        closed = await consumer.close()
    expect(
        sorted(consumer.items) == ["b1", "c1"],
        saw=f"B and C each had an item ready: the first step {told(first, consumer)}, then the second "
        f"{told(second, consumer)}",
        expected="'b1' and 'c1', in either order",
        mistake=WAITS_FOR_ANOTHER if consumer.stuck else None,
    )
    if isinstance(ended.error, BaseExceptionGroup):
        mistake = "a TaskGroup's ExceptionGroup came out as it is: the source's own error must come out unwrapped"
    elif stopped(ended) or ended.returned:
        mistake = "the exception was caught and the iteration ended (or went on) quietly"
    elif consumer.stuck:
        mistake = SWALLOWED
    else:
        mistake = None
    expect(
        ended.error is failure,
        saw=f"source B raised {short(failure)}; the next step {told(ended, consumer, 'the error came')}",
        expected=f"that very exception, {short(failure)}, raised out of the async for",
        mistake=mistake,
    )
    expect(closed.returned, saw=f"aclose() then: {closed.describe()}", expected="it returns quietly")
    await expect_cleaned_up(snapshot, sources, [sources[0]], after="when the exception came out")
    loop_errors.expect_none()
    await expect_no_leaked_tasks(after="the error")


@pytest.mark.category("exceptions")
async def test_two_failures_together(kata):
    """Two sources raise at once: one of the two exceptions comes out, the other retrieved, nothing logged."""
    failures = [LookupError("A broke"), ValueError("B broke")]
    release = Release()
    sources = sources_of(release, [[], [], ["c1"]], errors={0: failures[0], 1: failures[1]})
    async with LoopErrors() as loop_errors:
        consumer = await consume(kata, sources)
        expect_a_generator(consumer)
        await release.release(sources[0])
        await release.release(sources[1])
        ended = await consumer.within(consumer.step(), ITEM_WITHIN, cleaning_up(sources), CLEANUP_WITHIN)
        closed = await consumer.close()
        await current_sandbox().turns(SPACING)
    expect(
        any(ended.error is failure for failure in failures),
        saw=f"sources A and B raised {short(failures[0])} and {short(failures[1])} together; the iteration "
        f"{told(ended, consumer, 'the errors came')}",
        expected="one of those two exceptions, as it is",
        mistake="a TaskGroup's ExceptionGroup came out as it is: one source's own error must come out unwrapped"
        if isinstance(ended.error, BaseExceptionGroup)
        else SWALLOWED
        if consumer.stuck
        else None,
    )
    expect(closed.returned, saw=f"aclose() then: {closed.describe()}", expected="it returns quietly")
    loop_errors.expect_none(
        mistake="the reads that completed with the other failure were never looked at: retrieve their exceptions "
        "(task.exception()), or cancel every read task, done or not (cancelling a done task marks its exception "
        "as seen)"
    )
    await expect_no_leaked_tasks(after="the errors")


@pytest.mark.category("exceptions")
async def test_cancelled_consumer_cancels_and_closes(kata):
    """The consumer is cancelled while it waits: it ends cancelled, every pending read cancelled once, and every
    source closed before aclose() returns."""
    release = Release()
    sources = sources_of(release, [["a1"], ["b1", "b2"], ["c1"]])
    consumer = await consume(kata, sources)
    expect_a_generator(consumer)
    await release.release(sources[1])
    first = await consumer.next_within(ITEM_WITHIN)
    waiting = consumer.step()
    sandbox = current_sandbox()
    for _ in range(SPACING):  # every source's read pending again, the consumer waiting
        if all(source.pending is not None for source in sources) or waiting.task.done():
            break
        await sandbox.turns(1)
    await sandbox.turns(3)
    was_waiting = not waiting.task.done()
    waiting.cancel()
    step = await consumer.within(waiting, ITEM_WITHIN, cleaning_up(sources), CLEANUP_WITHIN)
    snapshot = Snapshot(sources)
    closed = await snapshot.watch(consumer.step("aclose")).outcome()
    expect(
        first.returned and first.value == "b1" and was_waiting,
        saw=f"only 'b1' was ready: the first step {told(first, consumer)}; the second "
        f"{step.describe().removeprefix('it ')}",
        expected="'b1', then a wait for the next item",
        mistake=WAITS_FOR_ANOTHER if consumer.stuck else None,
    )
    expect(
        step.cancelled,
        saw=f"cancelled while waiting for the next item, {step.describe()}",
        expected="it ends cancelled: asyncio.CancelledError goes on up out of the iteration",
        mistake="CancelledError was caught in the generator (a bare except:, or except BaseException:) and the "
        "iteration ended or went on: clean up in a finally and let it propagate",
    )
    expect(closed.returned, saw=f"aclose() then: {closed.describe()}", expected="it returns quietly")
    await expect_cleaned_up(snapshot, sources, sources, after="when aclose() returned")
    await expect_no_leaked_tasks(after="the consumer was cancelled")

"""Hidden suite: paginate.paginate(fetch_page), an async generator, consumed from the judge as one task does."""

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness import AtEnd, FakeFetch, LoopErrors, LoopWatch, Outcome, expect, expect_no_leaked_tasks, settle, short
from harness.inputs import text, values
from harness.iteration import Consumer, stopped
from harness.sandbox import current_sandbox
from harness.timing import units, until

# Every non-None token a test uses for pages 1, 2...: falsy ones first, as a `while token:` stops at them.
TOKENS = [0, "", "page 2", 3, "page 4", 5, "page 6", 7]
# Turns of the sandbox's loop within which any correct generator hands over an item whose page is fetched (about
# FETCH_TURNS and a few more): a step still pending then waits for something else, and is cancelled.
ITEM_WITHIN = 60
# Turns of the sandbox's loop a fetch takes (FakeFetch with ticks), and the turns the consumer waits after each item
# before it looks at the fetches started: room for a prefetch to start (two turns) and for one started too far
# ahead to end and start the next.
FETCH_TURNS = 2
PAUSE_TURNS = 12


class Pages:
    """The pages of one check and a FakeFetch serving them by token: page i is fetched with `tokens[i]` (None for
    the first) and says `tokens[i + 1]` (None for the last). `errors`: page index -> exception raised instead."""

    def __init__(self, pages: list[list], *, delay=FETCH_TURNS, delays=None, errors=None, tokens=None) -> None:
        self.pages = pages
        self.tokens = [None, *(tokens or TOKENS)][: len(pages)]
        self.next = [*self.tokens[1:], None]
        self.fake = FakeFetch(
            delay=delay,
            delays={self.tokens[index]: turns for index, turns in (delays or {}).items()},
            ticks=True,
            results=lambda token: (list(self.pages[self.page_of(token)]), self.next[self.page_of(token)]),
            errors={self.tokens[index]: error for index, error in (errors or {}).items()},
        )

    def page_of(self, token) -> int:
        for index, known in enumerate(self.tokens):
            if type(known) is type(token) and known == token:
                return index
        raise LookupError(f"no page has the token {token!r}: pass on the next_token a page gave, as it is")

    @property
    def items(self) -> list:
        return [item for page in self.pages for item in page]

    def fetched(self) -> list[int]:
        """The pages fetched so far, by index, in the order their fetches started (-1: a token no page gave)."""
        return [self.known(token) for token in self.fake.keys]

    def known(self, token) -> int:
        """The page `token` names; -1 for a token no page gave."""
        try:
            return self.page_of(token)
        except LookupError:
            return -1


async def consume(kata, pages: Pages) -> Consumer:
    consumer = Consumer(kata.paginate.in_loop_thread(pages.fake))
    consumer.begun = await consumer.begin()
    return consumer


def expect_a_generator(consumer: Consumer) -> None:
    expect(
        consumer.not_a_generator is None,
        saw=f"paginate(...) gave a {consumer.not_a_generator}, which `async for` cannot iterate ("
        f"{consumer.begun.describe()})",
        expected="an async generator: an `async def` with `yield` in its body",
        mistake="the items are collected and returned rather than yielded one at a time",
    )


async def expect_fetch_cancelled(pages: Pages, at_end: AtEnd, page: int, after: str) -> None:
    """The fetch of `page` was cancelled and had ended when aclose() returned (AtEnd on the aclose step)."""
    token = pages.tokens[page]
    state = at_end.outcome(token)
    # A fetch cancelled and not waited for ends once its cleanup has (20 ms): give it 0.2 s before saying whether
    # it was ever cancelled.
    await until(lambda: not any(call.key == token for call in pages.fake.running), units(2))
    later = next((call.outcome for call in pages.fake.calls if call.key == token), "not called")
    if state == "not called":
        mistake = "the next page was not being fetched: start its fetch (in a task) before handing over the item"
    elif later == "running":
        mistake = "nothing cancels the prefetch: cancel its task in a finally around the loop"
    else:
        mistake = "the prefetch was cancelled but not waited for: await the task after cancelling it"
    expect(
        state == "cancelled",
        saw=f"{after}, when aclose() returned, the fetch of page {page} (token {token!r}) was {state}"
        + (f", and then {later}" if later != state else ""),
        expected="that fetch cancelled, and ended, before aclose() returned",
        mistake=mistake,
    )


# Pages: up to four, of up to three items each, empty ones included; items of any kind, falsy ones included.
layouts = st.lists(st.lists(st.one_of(values, text(3)), max_size=3), min_size=1, max_size=4)


@pytest.mark.category("correctness")
@given(layouts)
@example([[]])
@example([["only"]])
@example([[1, 2], [], [], [3]])
@example([[None, 0, ""], [False], []])
async def test_yields_every_item_of_every_page(kata, layout):
    """Every item of every page, in order, each page fetched once with its token (0 and '' are tokens)."""
    pages = Pages(layout, delay=0)
    consumer = await consume(kata, pages)
    expect_a_generator(consumer)
    ended = await consumer.drain()
    closed = await consumer.close()
    expected = pages.items
    fetched = pages.fetched()
    mistake = None
    if stopped(ended) and len(fetched) < len(layout):
        last = fetched[-1] if fetched else 0
        token = pages.next[last]
        mistake = (
            "the iteration stopped at an empty page: only a next_token of None ends it"
            if not layout[last]
            else f"the iteration stopped at the token {token!r}: only None ends it (`while token:`?)"
        )
    elif (
        stopped(ended) and consumer.items != expected and [i for i in consumer.items if i] == [i for i in expected if i]
    ):
        mistake = "falsy items were skipped (an `if item:`?)"
    expect(
        stopped(ended) and consumer.items == expected,
        saw=f"pages {short(layout)}: it yielded {short(consumer.items)}, then "
        + ("the iteration ended" if stopped(ended) else ended.describe()),
        expected=f"the items {short(expected)}, in that order, then the end of the iteration",
        mistake=mistake,
    )
    expect(
        fetched == list(range(len(layout))),
        saw=f"fetch_page called with {short(pages.fake.keys)}",
        expected=f"each page fetched once, in order: {short(pages.tokens)}",
        mistake="the first page fetched with a token other than None, or a token not passed on as it is",
    )
    expect(closed.returned, saw=f"aclose() after the end: {closed.describe()}", expected="it returns quietly")


async def fetches_as_the_consumer_reads(kata) -> tuple[Pages, Consumer, list[tuple], Outcome]:
    """The consumer reads every item, pausing after each: (item, page it is on, pages fetched by then)."""
    # An empty page in the middle: its fetch and the next one's come as the consumer asks for the item after "d".
    pages = Pages([["a", "b"], ["c", "d"], [], ["e"], ["f", "g"]])
    sandbox = current_sandbox()
    seen = []
    async with LoopWatch() as watch:
        consumer = await consume(kata, pages)
        if consumer.not_a_generator is None:
            await sandbox.turns(PAUSE_TURNS)
            seen.append((None, -1, pages.fetched()))
            while True:
                outcome = await consumer.next()
                if not outcome.returned:
                    break
                await sandbox.turns(PAUSE_TURNS)
                page = next((index for index, page in enumerate(pages.pages) if outcome.value in page), -1)
                seen.append((outcome.value, page, pages.fetched()))
        else:
            outcome = consumer.begun
        await consumer.close()
    watch.expect_free()
    return pages, consumer, seen, outcome


def fetch_story(seen: list[tuple]) -> str:
    return "; ".join(
        f"{'before the first item' if item is None else f'after {item!r}'}: page(s) {fetched} fetched"
        for item, _, fetched in seen
    )


@pytest.mark.category("concurrency")
async def test_prefetches_the_next_page(kata):
    """While the consumer holds a page's first item, the next page is already being fetched."""
    pages, consumer, seen, outcome = await fetches_as_the_consumer_reads(kata)
    expect_a_generator(consumer)
    expect(
        stopped(outcome) and consumer.items == pages.items,
        saw=f"it yielded {short(consumer.items)}, then " + ("the end" if stopped(outcome) else outcome.describe()),
        expected=f"the items {short(pages.items)}, then the end of the iteration",
    )
    late = [
        (item, page)
        for item, page, fetched in seen
        if page >= 0 and page + 1 < len(pages.pages) and page + 1 not in fetched
    ]
    expect(
        not late,
        saw=fetch_story(seen),
        expected="the fetch of the next page started as each page's first item is handed over, so it runs while "
        "the consumer works through the page",
        mistake="no prefetch: each page is fetched only when the consumer asks for its first item; start the next "
        "page's fetch in a task before yielding",
    )


@pytest.mark.category("concurrency")
async def test_never_two_pages_ahead(kata):
    """No fetch starts before the consumer asks for the previous page's first item: one page ahead, never two."""
    pages, consumer, seen, outcome = await fetches_as_the_consumer_reads(kata)
    expect_a_generator(consumer)
    early = [(item, page, fetched) for item, page, fetched in seen if max(fetched, default=-1) > page + 1]
    expect(
        not early,
        saw=fetch_story(seen),
        expected="page k+1 fetched only once the consumer has asked for page k's first item: after the consumer's "
        "item on page k, pages 0 to k+1 fetched and no further",
        mistake="pages are fetched in a loop of their own (a producer task, a queue) that runs ahead of the "
        "consumer: start one fetch at a time, as the consumer reaches a page",
    )


@pytest.mark.category("timeout")
async def test_early_close_cancels_the_prefetch(kata):
    """The consumer breaks after the first item: aclose() cancels the fetch of the next page and waits for it."""
    pages = Pages([["a", "b", "c"], ["never"]], delays={1: math.inf})
    consumer = await consume(kata, pages)
    expect_a_generator(consumer)
    first = await consumer.next_within(ITEM_WITHIN)
    await current_sandbox().turns(PAUSE_TURNS)
    at_end = AtEnd(pages.fake)
    closing = consumer.step("aclose")
    at_end.watch(closing.call)
    closed = await closing.outcome()
    expect(
        first.returned and first.value == "a",
        saw=f"the first step: {first_item(first, consumer)}",
        expected="the first item, 'a'",
        mistake=STUCK if consumer.stuck else None,
    )
    expect(
        closed.returned,
        saw=f"after the first item the consumer broke out of its loop and closed the generator: {closed.describe()}",
        expected="aclose() to return quietly",
        mistake="the cleanup raised something, or swallowed GeneratorExit and yielded again",
    )
    await expect_fetch_cancelled(pages, at_end, 1, after="after a break")
    await settle()
    await expect_no_leaked_tasks(after="the generator was closed")


@pytest.mark.category("exceptions")
async def test_cancelled_consumer_cancels_the_fetch(kata):
    """The consumer is cancelled while it waits for a page: it ends cancelled, and the fetch is cancelled."""
    pages = Pages([["a"], ["never"]], delays={1: math.inf})
    consumer = await consume(kata, pages)
    expect_a_generator(consumer)
    first = await consumer.next_within(ITEM_WITHIN)
    waiting = consumer.step()
    await waiting.until(lambda: len(pages.fake.calls) >= 2)
    await current_sandbox().turns(3)
    was_waiting = not waiting.task.done()
    waiting.cancel()
    step = await waiting.outcome()
    at_end = AtEnd(pages.fake)
    closing = consumer.step("aclose")
    at_end.watch(closing.call)
    closed = await closing.outcome()
    expect(
        first.returned and was_waiting,
        saw=f"the first step: {first_item(first, consumer)}; the second: {step.describe()}",
        expected="the first item, 'a', then a wait for the second page",
        mistake=STUCK if consumer.stuck else None,
    )
    expect(
        step.cancelled,
        saw=f"cancelled while waiting for the second page, {step.describe()}",
        expected="it ends cancelled: asyncio.CancelledError goes on up out of the iteration",
        mistake="CancelledError was caught in the generator (a bare except:, or except BaseException:) and the "
        "iteration ended or went on: clean up in a finally and let it propagate",
    )
    expect(closed.returned, saw=f"aclose() then: {closed.describe()}", expected="it returns quietly")
    await expect_fetch_cancelled(pages, at_end, 1, after="after the consumer was cancelled")
    await expect_no_leaked_tasks(after="the consumer was cancelled")


STUCK = "the generator waits for more than the first page (every page fetched first?) before handing over its items"


def first_item(first: Outcome, consumer: Consumer) -> str:
    if consumer.stuck:
        return f"no item within {ITEM_WITHIN} turns of its loop after the first page was there: the step was cancelled"
    return first.describe()


def error_mistake(outcome: Outcome, failure: BaseException) -> str:
    if isinstance(outcome.error, BaseExceptionGroup):
        return "a TaskGroup's ExceptionGroup came out as it is: fetch_page's own error must come out unwrapped"
    if stopped(outcome) or outcome.returned:
        return "the exception was caught and the iteration ended quietly"
    return "the exception was replaced by another one"


@pytest.mark.category("exceptions")
async def test_error_comes_after_the_items_before_it(kata):
    """The fetch of page 2 raises: items of pages 0 and 1 first, then that very exception, at the consumer's ask."""
    failure = LookupError("page 2 is gone")
    pages = Pages([["a", "b"], ["c"], ["never"]], errors={2: failure})
    async with LoopErrors() as loop_errors:
        consumer = await consume(kata, pages)
        expect_a_generator(consumer)
        ended = Outcome()
        for _ in range(4):
            ended = await consumer.next()
            await current_sandbox().turns(PAUSE_TURNS)  # the failing prefetch ends long before the consumer asks
            if not ended.returned:
                break
        closed = await consumer.close()
    expect(
        consumer.items == ["a", "b", "c"],
        saw=f"page 2's fetch raised {short(failure)}; before that the iteration yielded {short(consumer.items)}",
        expected="every item before that page: ['a', 'b', 'c']",
        mistake="the prefetch's error was raised as soon as it happened, before the items already fetched were "
        "handed over: await the prefetch only when the consumer gets to its page",
    )
    expect(
        ended.error is failure,
        saw=f"page 2's fetch raised {short(failure)}; asking for the next item after 'c', {ended.describe()}",
        expected=f"that very exception, {short(failure)}, raised out of the async for",
        mistake=error_mistake(ended, failure),
    )
    expect(closed.returned, saw=f"aclose() then: {closed.describe()}", expected="it returns quietly")
    loop_errors.expect_none()
    await expect_no_leaked_tasks(after="the error")


@pytest.mark.category("exceptions")
async def test_failed_prefetch_dropped_on_close(kata):
    """The prefetch fails while the consumer reads page 0, and the consumer stops early: aclose() returns quietly."""
    failure = LookupError("page 1 is gone")
    pages = Pages([["a", "b"], ["never"]], errors={1: failure})
    async with LoopErrors() as loop_errors:
        consumer = await consume(kata, pages)
        expect_a_generator(consumer)
        first = await consumer.next_within(ITEM_WITHIN)
        await current_sandbox().turns(PAUSE_TURNS)  # the prefetch of page 1 has failed by now
        closed = await consumer.close()
    expect(
        first.returned and first.value == "a",
        saw=f"the first step: {first_item(first, consumer)}",
        expected="the first item, 'a'",
        mistake=STUCK
        if consumer.stuck
        else "the prefetch's error was raised before the items already fetched were handed over",
    )
    expect(
        closed.returned,
        saw=f"the prefetch of page 1 raised {short(failure)} while the consumer read page 0, and the consumer stopped "
        f"early: aclose() {closed.describe().removeprefix('it ')}",
        expected="aclose() to return quietly: an error from a page the consumer never asked for is dropped",
        mistake="the cleanup awaits the prefetch and lets its exception out: drop it (cancel the task, or read "
        "task.exception())",
    )
    loop_errors.expect_none(
        mistake="the failed prefetch was left alone: its exception was never retrieved (cancel the task in a "
        "finally, or read its exception)"
    )
    await expect_no_leaked_tasks(after="the generator was closed")

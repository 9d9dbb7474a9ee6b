"""Hidden suite: hybrid_pipeline.fetch_and_parse(fetch, parse, urls, workers)."""

from collections import Counter

import pytest

from harness import FakeFetch, LoopWatch, expect, run, seconds, short, units
from harness.processes import AfterParsed, PipelineFetch, ProcessLog, UntilParsed, expect_free_during, page, parsed
from harness.tasks import Rendezvous

# The worker processes of the pool-shutdown checks take 0.12 s to exit once told to: a pool shut down and waited
# for has none left when fetch_and_parse returns; a pool left to wind down by itself still has every one of them
# for 0.12 s, while the check looks within a few milliseconds (55 ms at worst on a throttled machine: over 2x;
# measured under a load of 9 on 2 cores, the check came before the linger had even begun).
LINGER = units(1.2)


def parsed_pages(urls: list[str]) -> list[str]:
    return [parsed(page(url)) for url in urls]


@pytest.mark.category("correctness")
async def test_results_in_url_order(kata):
    """Each url is fetched once, each body parsed once, and the results come back in url order."""
    urls = ["a", "b", "ü-page", "d", "e"]
    # "e" arrives first, "a" last, so it is also parsed last: each fetch ends only once the body of the url after
    # it has been parsed (the judge's record of the parse's end), so the parses end in reverse url order. Each
    # later body is fetched, handed to the pool and parsed only after the earlier parse has ended: its result
    # comes four hops behind the earlier one's, which is one write away, and all four would have to overtake for
    # url order to come out of completion order. (Bodies parsed only once every fetch is done: the fetches all end
    # 0.3 s after the first one started.)
    log = ProcessLog()
    delays = {url: AfterParsed(page(after), units(3)) for url, after in zip(urls, urls[1:], strict=False)}
    fetch = PipelineFetch(log, delay=0, delays=delays, results=page)
    outcome = await run(kata.fetch_and_parse(fetch, log.parse_page, urls, 2))
    expected = parsed_pages(urls)
    expect(
        outcome.returned and list(outcome.value or []) == expected,
        saw=f"for urls {short(urls)}, {outcome.describe()}",
        expected=f"the list {short(expected)}",
        mistake="results collected in the order the parses finished, rather than in url order"
        if outcome.returned and Counter(map(repr, outcome.value or [])) == Counter(map(repr, expected))
        else None,
    )
    expect(
        Counter(fetch.keys) == Counter(urls),
        saw=f"fetch called with {short(fetch.keys)}",
        expected=f"exactly one call per url: {short(urls)}",
    )
    bodies = [call.item for call in log.calls]
    expect(
        Counter(bodies) == Counter(repr(page(url)) for url in urls),
        saw=f"parse called with {short(bodies)}",
        expected="exactly one call per fetched body, with the body fetch returned",
    )


@pytest.mark.category("correctness")
async def test_no_urls_gives_empty_list(kata):
    """No urls: returns [] and fetches and parses nothing."""
    fetch = FakeFetch(results=page)
    log = ProcessLog()
    outcome = await run(kata.fetch_and_parse(fetch, log.parse_page, [], 2))
    expect(
        outcome.returned and outcome.value == [] and not fetch.calls and not log.calls,
        saw=f"{outcome.describe()}, with {len(fetch.calls)} fetch call(s) and {len(log.calls)} parse call(s)",
        expected="an empty list, and no call of fetch or parse",
    )


@pytest.mark.category("correctness")
async def test_pool_is_shut_down_on_return(kata):
    """When fetch_and_parse returns, the pool is shut down: no process parse ran in is still there."""
    urls = ["a", "b"]
    log = ProcessLog(linger=LINGER)
    outcome = await run(kata.fetch_and_parse(FakeFetch(delay=0, results=page), log.parse_page, urls, 2))
    expect(outcome.returned, saw=outcome.describe(), expected=f"the list {short(parsed_pages(urls))}")
    log.expect_none_alive(after="fetch_and_parse returned")


@pytest.mark.category("concurrency")
async def test_fetches_run_at_once(kata):
    """Every url is fetched at the same time: all six fetches are running at once."""
    urls = [f"url-{index}" for index in range(6)]
    # A rendezvous: each fetch first waits (at most 0.2 s) until all six are running. The peak counter is exact,
    # whatever the clock does: all at once it reaches 6 within 4 ms (the machine loaded five times over); one after
    # another it stays at 1.
    fetch = Rendezvous(len(urls), patience=units(2), delay=0, results=page)
    log = ProcessLog()
    outcome = await run(kata.fetch_and_parse(fetch, log.parse_page, urls, 2))
    expect(outcome.returned, saw=outcome.describe(), expected=f"the list {short(parsed_pages(urls))}")
    expect(
        fetch.peak >= len(urls),
        saw=f"at most {fetch.peak} of the {len(urls)} fetches ran at a time",
        expected=f"all {len(urls)} fetches running at once",
        mistake="the fetches ran one after another: start every fetch before awaiting any (one coroutine per url, "
        "all run together with asyncio.gather)",
    )


@pytest.mark.category("concurrency")
async def test_parses_start_as_bodies_arrive(kata):
    """Each body goes to the pool as it arrives: parsing starts while a slow url is still being fetched."""
    log = ProcessLog()
    # The fetch of "slow" ends once some body has started parsing, or after 1.5 s (then it records that none had).
    # Parsing each body as it arrives, the first parse starts 0.04 s after "first" arrives at most (0.16 s with a
    # forkserver, 0.66 s in a spawn pool whose processes start slowly; the machine loaded five times over); parsing
    # only once every fetch is done, none can start before "slow" ends: the record is exact either way.
    within = units(15)
    fetch = PipelineFetch(log, delay=0, delays={"slow": UntilParsed(within)}, results=page)
    urls = ["first", "second", "slow"]
    outcome = await run(kata.fetch_and_parse(fetch, log.parse_page, urls, 2))
    expect(outcome.returned, saw=outcome.describe(), expected=f"the list {short(parsed_pages(urls))}")
    expect(
        fetch.saw_parse is True,
        saw=f"no body started parsing while 'slow' was being fetched (it waited {seconds(within)} for one), though "
        "'first' and 'second' had been fetched long before",
        expected="each body handed to the pool as soon as its fetch returns, while other urls are still being fetched",
        mistake="every fetch is awaited first (one gather for the fetches), and only then the parses: give each url "
        "one coroutine that fetches and then parses (`body = await fetch(url)`, then "
        "`await loop.run_in_executor(pool, parse, body)`), and gather those",
    )


@pytest.mark.category("concurrency")
async def test_parses_in_worker_processes(kata):
    """parse runs in at most `workers` worker processes, never in the event loop's own process (nor a thread of it)."""
    # Four parses, two of 0.05 s and two at once: a pool of two runs them in two processes (0.05 s in all); while
    # the long two hold two processes, the other two go to other processes in a pool for every url, or in one of
    # the default size on a machine with more than two CPUs.
    urls, workers = ["a", "b", "c", "d"], 2
    log = ProcessLog(durations={page("a"): units(0.5), page("b"): units(0.5)})
    outcome = await run(kata.fetch_and_parse(FakeFetch(delay=0, results=page), log.parse_page, urls, workers))
    expect(outcome.returned, saw=outcome.describe(), expected=f"the list {short(parsed_pages(urls))}")
    log.expect_in_other_processes("parse")
    log.expect_at_most_workers(workers, len(urls), noun="url", what="parse")


@pytest.mark.category("concurrency")
async def test_parses_run_workers_at_once(kata):
    """With workers=3, three parses run at the same time."""
    workers = 3
    # A rendezvous, not a stopwatch: each parse waits (computing) until three are running at once, or gives up
    # 0.5 s after the first one started. Three at once meet 0.04 s after the first one starts at most (0.15 s with a
    # forkserver or in a spawn pool; the machine loaded five times over); one after another, none ever meets.
    log = ProcessLog(meet=workers, meet_within=units(5))
    urls = ["a", "b", "c"]
    outcome = await run(kata.fetch_and_parse(FakeFetch(delay=0, results=page), log.parse_page, urls, workers))
    expect(outcome.returned, saw=outcome.describe(), expected=f"the list {short(parsed_pages(urls))}")
    calls, peak = log.calls, log.peak
    if peak <= 1 and log.in_loop_process:
        mistake = (
            "parse was called right in the coroutine, in the event loop's own process, one body after "
            "another: hand every body to a ProcessPoolExecutor with loop.run_in_executor"
        )
    elif peak <= 1:
        mistake = (
            "only one parse ran at a time: either each parse is awaited before the next body goes to the "
            "pool (give each url a coroutine of its own, and run them together with asyncio.gather), or the "
            "pool has a single process (ProcessPoolExecutor(max_workers=workers))"
        )
    else:
        mistake = (
            f"only {peak} ran at a time: the pool has fewer processes than workers (made without "
            "max_workers=workers, it has one per CPU)"
        )
    expect(
        len(calls) == workers and all(call.met for call in calls),
        saw=f"with workers={workers} and {workers} bodies, at most {peak} call(s) of parse ran at the same time",
        expected=f"all {workers} parsing at once, in {workers} worker processes",
        mistake=mistake,
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While the pool parses, the event loop keeps running other tasks."""
    # Each parse computes until the event loop has had a turn since it started (a ping answered), or 0.3 s: a
    # coroutine that waits for the pool in a blocking way holds the loop, so the parse it waits for takes the whole
    # 0.3 s, and so does the stall (3x the 0.1 s bound, exactly, whatever the load); a correct one lets each parse
    # end a ping or two after it starts, and stalls the loop 0.02 s at most (any start method, the machine loaded
    # five times over), 55 ms on a throttled machine. Only the stretch while parse computes counts (the judge's
    # clock): starting the pool and shutting it down may block for a moment (0.14 s for a spawn pool), and
    # `with ProcessPoolExecutor() as pool:` waits there for its processes.
    urls = ["a", "b", "c", "d"]
    async with LoopWatch() as watch:
        log = ProcessLog(turn=watch)
        outcome = await run(kata.fetch_and_parse(FakeFetch(delay=0, results=page), log.parse_page, urls, 2))
    expect(outcome.returned, saw=outcome.describe(), expected=f"the list {short(parsed_pages(urls))}")
    expect_free_during(watch, log, "parse")


def _mistake(outcome) -> str:
    if isinstance(outcome.error, BaseExceptionGroup):
        return "a TaskGroup's ExceptionGroup came out as it is: catch it (except*) and raise the error inside"
    if outcome.returned:
        return "the failure was returned in the list (return_exceptions=True?) or swallowed"
    return "the exception was replaced by another one: let the original exception propagate"


@pytest.mark.category("exceptions")
async def test_fetch_error_propagates_with_its_type(kata):
    """A fetch raises ConnectionError: a ConnectionError with the same message comes out."""
    message = "connection to 'b' refused"
    fetch = FakeFetch(delay=0, errors={"b": ConnectionError(message)}, results=page)
    log = ProcessLog()
    outcome = await run(kata.fetch_and_parse(fetch, log.parse_page, ["a", "b", "c"], 2))
    expect(
        type(outcome.error) is ConnectionError and str(outcome.error) == message,
        saw=f"fetch raised ConnectionError({message!r}) for 'b', and {outcome.describe()}",
        expected=f"ConnectionError({message!r}) to propagate",
        mistake=_mistake(outcome),
    )


@pytest.mark.category("exceptions")
async def test_parse_error_propagates_with_its_type(kata):
    """parse raises ValueError for one body: a ValueError with the same message comes out."""
    message = "cannot parse the page of 'bad'"
    log = ProcessLog(errors={page("bad"): message})
    outcome = await run(kata.fetch_and_parse(FakeFetch(delay=0, results=page), log.parse_page, ["a", "bad", "c"], 2))
    expect(
        type(outcome.error) is ValueError and str(outcome.error) == message,
        saw=f"parse raised ValueError({message!r}) for the body of 'bad', and {outcome.describe()}",
        expected=f"ValueError({message!r}) to propagate",
        mistake=_mistake(outcome),
    )


@pytest.mark.category("exceptions")
async def test_pool_is_shut_down_after_failure(kata):
    """When a parse or a fetch fails, the pool is still shut down: no process parse ran in is left."""
    # A parse fails; then a fetch fails, 0.1 s after the body of the other url has been parsed (its parse ended:
    # the judge's record; or 0.5 s after the first fetch if it never is): by then its result has reached the
    # event loop (a few milliseconds; 55 ms on a throttled machine) and the pool is idle.
    cases = [
        ("a parse failed", lambda log: FakeFetch(delay=0, results=page), ["bad", "a"]),
        (
            "a fetch failed",
            lambda log: PipelineFetch(
                log,
                delay=0,
                delays={"broken": AfterParsed(page("a"), units(5), then=units(1))},
                errors={"broken": ConnectionError("refused")},
                results=page,
            ),
            ["a", "broken"],
        ),
    ]
    for what, make_fetch, urls in cases:
        log = ProcessLog(errors={page("bad"): "cannot parse"}, linger=LINGER)
        outcome = await run(kata.fetch_and_parse(make_fetch(log), log.parse_page, urls, 2))
        log.expect_none_alive(
            after=f"{what} and the error propagated" if outcome.error else f"{what}, and {outcome.describe()}",
            mistake="the pool is shut down only when everything succeeds, or without waiting "
            "(shutdown(wait=False)): use `with ProcessPoolExecutor(...) as pool:`, or call pool.shutdown() in a "
            "finally block, so that it is shut down and waited for when an exception goes through too",
        )

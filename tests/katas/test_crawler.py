"""Hidden suite: crawler.crawl(root, *, max_pages, concurrency, timeout).

The judge is the web site: a real HTTP server on 127.0.0.1 (harness.web.SiteServer) that sees every request
arrive, in order, how many are in flight at once, which responses went out whole and which connections the
crawler still held open when its call ended. Orders are made exact by gates (a page answered only once other
pages have been requested), not by timing.
"""

from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from harness import (
    KataCall,
    LoopErrors,
    LoopWatch,
    Stopwatch,
    expect,
    expect_no_leaked_tasks,
    run,
    seconds,
    short,
    units,
)
from harness.checks import swallowed
from harness.network import refused_port
from harness.sandbox import current_sandbox
from harness.web import STALL_LIMIT, Page, SiteServer

TIMEOUT = units(20)  # the crawl's timeout where a check is not about it: far past what a page here takes
HELD = ("/never-requested",)  # a gate no request opens: the page is answered only when the server's patience ends
LEFT_OPEN = (
    "the httpx.AsyncClient was never closed, so its connections stay open: `async with httpx.AsyncClient() as "
    "client:` around the whole crawl closes it on every path"
)
STILL_RUNNING = (
    "requests were still running when it ended: cancel the tasks still running and wait until they have ended "
    "(await them, or asyncio.wait) before the client closes; a cancelled gather can return before its children "
    "have finished"
)


_warmed: list = []  # the sandboxes warmed up, held so that none is mistaken for a new one


async def warm_up(kata) -> None:
    """Once per sandbox, before a check that times things: a crawl of a one-page site, its outcome ignored. A
    process's first request with httpx imports and sets up much of it (0.5 s on a loaded machine), which is no
    part of the learner's code's time."""
    sandbox = current_sandbox()
    if any(warmed is sandbox for warmed in _warmed):
        return
    async with SiteServer({"/": Page()}) as site:
        await run(kata.crawl(site.url("/"), max_pages=1, concurrency=1, timeout=TIMEOUT))
    _warmed.append(current_sandbox())


def crawl(kata, site: SiteServer, root: str = "/", *, max_pages: int = 100, concurrency: int = 2, timeout=TIMEOUT):
    """The learner's crawl of `site` from `root` (a path, or a whole URL), watched to its end."""
    call = kata.crawl(
        root if "://" in root else site.url(root), max_pages=max_pages, concurrency=concurrency, timeout=timeout
    )
    site.watch_end(call)
    return call


def statuses(site: SiteServer, expected: dict[str, int | None]) -> dict[str, int | None]:
    return {site.url(path): status for path, status in expected.items()}


def result_mistake(outcome, site: SiteServer, expected: dict) -> str | None:
    """The usual cause of a wrong result, judged from the result and what the server saw."""
    if outcome.error is not None:
        if isinstance(outcome.error, BaseExceptionGroup):
            return "a TaskGroup's ExceptionGroup came out: a failed request is recorded as None, not raised"
        if type(outcome.error).__name__ in ("ConnectError", "ReadTimeout", "RemoteProtocolError", "TimeoutError"):
            return "a request that fails or times out is recorded as None: catch httpx.TransportError and TimeoutError"
        return None
    value = outcome.value
    if not isinstance(value, dict):
        return "return a dict {url: status}"
    counts = site.counts()
    twice = [path for path, count in counts.items() if count > 1]
    if twice:
        return (
            f"{short(twice[0])} was requested {counts[twice[0]]} times: remember every URL queued (a set) and "
            "queue each once; compare URLs with their #fragment removed"
        )
    if any("#" in url for url in value):
        return "the #fragment was left on a URL: remove it (urllib.parse.urldefrag(url).url)"
    if set(value) - set(expected) and all(url.rstrip("/") in {e.rstrip("/") for e in expected} for url in value):
        return "URLs were changed (str(response.url) is httpx's normalised form): key the result by the URL requested"
    if set(value) == set(expected) and any(value[url] != expected[url] for url in expected):
        return "the statuses are wrong: record response.status_code, or None for a request that failed or timed out"
    return None


def expect_nothing_left(site: SiteServer, outcome, when: str) -> None:
    """When the call ended, the client held no connection open: every request ended and the client closed."""
    open_at_end = site.open_at_end()
    running = site.running_at_end()
    expect(
        not open_at_end,
        saw=f"when {when}, {len(open_at_end)} connection(s) to the site were still open"
        + (f", with the requests for {short([hit.path for hit in running])} still running" if running else ""),
        expected="every request ended and the client closed (closing its connections) before it returns, raises "
        "or ends cancelled",
        mistake=STILL_RUNNING if running else LEFT_OPEN,
    )


# --- correctness --------------------------------------------------------------------------------------------------

FORMS = ("absolute", "relative", "fragment", "full", "missing", "other_scheme")
# A site of up to five pages: each page's links as (target page, how the href is written); which pages answer 404.
sites = st.tuples(
    st.lists(st.lists(st.tuples(st.integers(0, 4), st.sampled_from(FORMS)), max_size=4), min_size=1, max_size=5),
    st.sets(st.integers(1, 4), max_size=2),
    st.integers(1, 6),
)


def href(site: SiteServer, target: int, form: str) -> str:
    path = f"/p{target}"
    return {
        "absolute": path,
        "relative": path[1:],
        "fragment": f"{path}#part",
        "full": site.url(path),
        "missing": f"/gone{target}",
        "other_scheme": f"https://{site.host}:{site.port}{path}",
    }[form]


def breadth_first(site: SiteServer, root: str, max_pages: int) -> tuple[list[str], dict[str, int | None]]:
    """What a correct crawl requests, one request at a time, and returns."""
    home = urlsplit(root)
    waiting, seen, order, result = [root], {root}, [], {}
    while waiting and len(result) < max_pages:
        url = waiting.pop(0)
        path = urlsplit(url).path
        page = site.pages.get(path, Page(status=404))
        order.append(path)
        result[url] = page.status
        if page.status != 200:
            continue
        for link in page.links:
            link = urldefrag(urljoin(url, link)).url
            parts = urlsplit(link)
            if (parts.scheme, parts.hostname, parts.port) == (
                home.scheme,
                home.hostname,
                home.port,
            ) and link not in seen:
                seen.add(link)
                waiting.append(link)
    return order, result


@pytest.mark.category("correctness")
@settings(max_examples=3)
@given(sites)
@example(
    ([[(1, "absolute"), (2, "relative"), (1, "fragment")], [(2, "full"), (0, "absolute")], [(3, "missing")]], set(), 8)
)
async def test_breadth_first_one_at_a_time(kata, shape):
    """With one request at a time, any site is crawled breadth first: each URL once, in discovery order, links of
    a 200 page only, same site only, #fragments removed, stopping after max_pages pages."""
    await warm_up(kata)  # the first check: the process's first request is not part of any example
    linked, missing, max_pages = shape
    async with SiteServer({}) as site:
        for index, page_links in enumerate(linked):
            site.pages[f"/p{index}"] = Page(
                status=404 if index in missing else 200,
                links=tuple(href(site, target, form) for target, form in page_links),
            )
        root = site.url("/p0")
        order, expected = breadth_first(site, root, max_pages)
        outcome = await run(crawl(kata, site, "/p0", max_pages=max_pages, concurrency=1))
    expect(
        outcome.returned and outcome.value == expected,
        saw=f"for a site of {len(linked)} page(s) and max_pages={max_pages}, {outcome.describe()}",
        expected=f"{short(expected)}",
        mistake=result_mistake(outcome, site, expected),
    )
    expect(
        site.requested == order,
        saw=f"the server was asked for {short(site.requested)}, in that order",
        expected=f"{short(order)}: breadth first, each page's links in document order",
        mistake="URLs must be taken first in, first out (a deque's popleft, or an asyncio.Queue): a stack's pop() "
        "goes depth first"
        if sorted(site.requested) == sorted(order)
        else None,
    )


@pytest.mark.category("correctness")
async def test_statuses_recorded_redirects_not_followed(kata):
    """A 301, a 404 and a 500 are recorded with their status; their links and the redirect are not followed. When
    it returns, the client is closed (no connection left open)."""
    pages = {
        "/": Page(links=("/moved", "/missing", "/broken", "/ok")),
        "/moved": Page(status=301, headers={"Location": "/target"}),
        "/missing": Page(status=404, links=("/from-404",)),
        "/broken": Page(status=500, links=("/from-500",)),
        "/ok": Page(links=("/ok/next",)),
        "/ok/next": Page(),
        "/target": Page(),
    }
    async with SiteServer(pages) as site:
        outcome = await run(crawl(kata, site))
    expected = statuses(site, {"/": 200, "/moved": 301, "/missing": 404, "/broken": 500, "/ok": 200, "/ok/next": 200})
    extra = [path for path in site.requested if path in ("/target", "/from-404", "/from-500")]
    expect(
        outcome.returned and outcome.value == expected,
        saw=f"{outcome.describe()}" + (f"; the server was also asked for {short(extra)}" if extra else ""),
        expected=f"{short(expected)}",
        mistake="redirects are followed (follow_redirects=True): record the 301 and go no further"
        if "/target" in extra
        else "the links of a page that is not 200 are followed: follow only a 200's links"
        if extra
        else "a status that is not 200 raised (response.raise_for_status()?): record every status as it is"
        if outcome.error is not None and type(outcome.error).__name__ == "HTTPStatusError"
        else result_mistake(outcome, site, expected),
    )
    expect_nothing_left(site, outcome, "it returned")


@pytest.mark.category("correctness")
async def test_same_site_and_urls_as_found(kata):
    """Only the root's scheme, host and port are crawled; URLs are keyed as links() gives them (the root as
    given, /café as it is), fragments removed, so /a#x, a and /a are one URL, and /b?x=1 is another than /b."""
    async with SiteServer({}) as other, SiteServer({}) as site:
        site.pages["/"] = Page(
            links=(
                "/a#x",
                "a",
                "/a",
                "/b?x=1",
                "/b",
                "/café",
                f"http://localhost:{site.port}/by-name",
                f"https://{site.host}:{site.port}/secure",
                f"http://{site.host}/default-port",
                other.url("/elsewhere"),
                "mailto:someone@example.org",
                f"ftp://{site.host}:{site.port}/file",
            )
        )
        site.pages["/a"] = Page(links=("#top", "/a"))
        site.pages["/b"] = Page()
        site.pages["/b?x=1"] = Page()
        site.pages["/caf%C3%A9"] = Page()  # how an HTTP client must send it
        root = site.origin + "#start"  # no path, and a fragment: the key is the origin exactly
        outcome = await run(crawl(kata, site, root))
    expected = {
        site.origin: 200,
        site.url("/a"): 200,
        site.url("/b?x=1"): 200,
        site.url("/b"): 200,
        site.url("/café"): 200,
    }
    strangers = [hit.host for hit in site.hits if hit.host != f"{site.host}:{site.port}"] + other.requested
    expect(
        outcome.returned and outcome.value == expected and not strangers,
        saw=f"{outcome.describe()}" + (f"; other sites were asked: {short(strangers)}" if strangers else ""),
        expected=f"{short(expected)}",
        mistake="links to other sites were followed: keep a link only when its scheme, host and port "
        "(urlsplit(url).scheme, .hostname, .port or the scheme's default) are the root's"
        if strangers or (outcome.returned and isinstance(outcome.value, dict) and len(outcome.value) > len(expected))
        else "URLs must be the keys exactly as links() gives them (the root as given, its #fragment removed), not "
        "httpx's form of them (str(response.url) encodes /café as /caf%C3%A9)"
        if outcome.returned
        and isinstance(outcome.value, dict)
        and (site.url("/") in outcome.value or site.url("/caf%C3%A9") in outcome.value)
        else result_mistake(outcome, site, expected),
    )


@pytest.mark.category("correctness")
async def test_max_pages_counts_responses(kata):
    """One at a time and max_pages=3: the crawl stops starting requests after three responses of any status (a
    404 is one); a dropped connection, recorded as None, is not."""
    pages = {"/": Page(links=("/dropped", "/gone", "/a", "/b", "/c")), "/dropped": Page(drop=True)}
    async with SiteServer(pages) as site:
        outcome = await run(crawl(kata, site, max_pages=3, concurrency=1))
    expected = statuses(site, {"/": 200, "/dropped": None, "/gone": 404, "/a": 404})
    expect(
        outcome.returned and outcome.value == expected,
        saw=f"with max_pages=3, {outcome.describe()}; the server was asked for {short(site.requested)}",
        expected=f"{short(expected)}: three responses (a 404 is one), and the failed request besides",
        mistake="a failed request was counted as a page: count only responses received"
        if site.requested == ["/", "/dropped", "/gone"]
        else "only 200 responses were counted: a response of any status is a page"
        if site.requested[:5] == ["/", "/dropped", "/gone", "/a", "/b"]
        else "max_pages is not respected: stop starting requests once that many responses have been received"
        if len(site.requested) > 4
        else result_mistake(outcome, site, expected),
    )


@pytest.mark.category("correctness")
async def test_requests_in_flight_are_completed(kata):
    """Three at a time and max_pages=2: when the second page arrives, the two requests still in flight are
    completed and recorded, and no new one starts."""
    pages = {
        "/": Page(links=("/p1", "/p2", "/p3", "/p4", "/p5")),
        "/p2": Page(status=404, delay=units(0.5)),
        "/p3": Page(links=("/p6",), delay=units(0.5)),
        "/p1": Page(),
    }
    async with SiteServer(pages) as site:
        outcome = await run(crawl(kata, site, max_pages=2, concurrency=3))
    expected = statuses(site, {"/": 200, "/p1": 200, "/p2": 404, "/p3": 200})
    cut = [hit.path for hit in site.hits if hit.left]
    expect(
        outcome.returned and outcome.value == expected and sorted(site.requested) == sorted(["/", "/p1", "/p2", "/p3"]),
        saw=f"{outcome.describe()}; the server was asked for {short(site.requested)}"
        + (f", and the client left before the responses of {short(cut)} were sent" if cut else ""),
        expected=f"{short(expected)}: the requests in flight completed and recorded, and no new request",
        mistake="requests in flight were cancelled once max_pages was reached: let them complete and record them"
        if cut
        else "a request started after max_pages responses had been received"
        if len(site.requested) > 4
        else result_mistake(outcome, site, expected),
    )


@pytest.mark.category("correctness")
async def test_links_queued_in_response_order(kata):
    """Two at a time: /b answers before /a, so /b's links are requested before /a's (pages in the order their
    responses arrived, not the order they were requested)."""
    # Gates make the order exact: /a is answered only once /b1 has been requested, /b1 once /b2 has.
    pages = {
        "/": Page(links=("/a", "/b")),
        "/a": Page(links=("/a1", "/a2"), after=("/b1",)),
        "/b": Page(links=("/b1", "/b2")),
        "/b1": Page(after=("/b2",)),
    }
    async with SiteServer(pages) as site:
        outcome = await run(crawl(kata, site, concurrency=2))
    expected = statuses(site, {"/": 200, "/a": 200, "/b": 200, "/a1": 404, "/a2": 404, "/b1": 200, "/b2": 404})
    order = site.requested
    steps = [order[:1], sorted(order[1:3]), order[3:4], order[4:5], sorted(order[5:])]
    expect(
        outcome.returned and outcome.value == expected,
        saw=outcome.describe(),
        expected=short(expected),
        mistake=result_mistake(outcome, site, expected),
    )
    expect(
        steps == [["/"], ["/a", "/b"], ["/b1"], ["/b2"], ["/a1", "/a2"]] and not site.gave_up,
        saw=f"/b answered first, /a only once /b1 was requested; the server was asked for {short(order)}",
        expected="/, then /a and /b, then /b1, /b2 (the links of /b, whose response came first), then /a1, /a2",
        mistake="links were queued in the order the pages were requested (gather returns results in its own order, "
        "a batch or a level waits for its slowest page): queue a page's links as soon as its response arrives",
    )


# --- concurrency --------------------------------------------------------------------------------------------------


@pytest.mark.category("concurrency")
async def test_concurrency_limit_kept_full(kata):
    """Three at a time: never more than three requests in flight, and a slot is refilled as soon as a request
    ends: a slow page does not hold up the others."""
    # /p1 is answered only once every other page has been requested: a crawler that waits for a whole batch (or
    # level) to end never gets there. /p2 and /p3 are answered only once /p1, /p2 and /p3 have all been requested:
    # then three are in flight at once, whatever order they arrive in.
    others = [f"/p{index}" for index in range(2, 7)]
    pages = {"/": Page(links=("/p1", *others)), "/p1": Page(after=tuple(others))}
    pages["/p2"] = pages["/p3"] = Page(after=("/p1", "/p2", "/p3"))
    # /p4 and /p5, taking the slots /p2 and /p3 free, are still in flight beside /p1 when /p6 may be asked for: one
    # request too many then shows in the peak. /p6 itself needs no delay (once it is asked for, /p1 is answered).
    pages.update({path: Page(delay=units(0.5)) for path in others[2:4]})
    async with SiteServer(pages) as site:
        outcome = await run(crawl(kata, site, concurrency=3))
    expect(outcome.returned, saw=outcome.describe(), expected="the status of the seven pages")
    expect(
        site.peak <= 3,
        saw=f"{site.peak} requests in flight at once",
        expected="at most 3 (concurrency=3)",
        mistake="every link is requested at once: let at most `concurrency` requests run (an asyncio.Semaphore "
        "held around each request, or that many worker tasks)",
    )
    expect(
        site.peak == 3 and not site.gave_up,
        saw=f"at most {site.peak} request(s) in flight at once"
        + (
            "; a slow page held up the rest: the server had to answer it before the others were asked for"
            if site.gave_up
            else ""
        ),
        expected="3 requests in flight whenever URLs wait, a slot refilled as soon as a request ends",
        mistake="requests run in batches (gather of `concurrency` at a time, or a level at a time), each batch "
        "waiting for its slowest page: start the next URL as soon as any request ends (worker tasks taking URLs "
        "from a queue, or a Semaphore around each request)"
        if site.gave_up
        else "fewer requests at once than `concurrency` allows",
    )


@pytest.mark.category("concurrency")
async def test_event_loop_stays_free(kata):
    """While requests wait for their responses, the event loop keeps running other tasks."""
    await warm_up(kata)
    # /a and /b are answered only once both have been requested: at once, by a crawler whose loop runs on while
    # /a waits; after the server's patience (0.3 s), by one that blocks its loop waiting for /a.
    pages = {"/": Page(links=("/a", "/b")), "/a": Page(after=("/a", "/b")), "/b": Page(after=("/a", "/b"))}
    async with SiteServer(pages) as site:
        call = crawl(kata, site)  # first: the sandbox the watch is to ping
        async with LoopWatch() as watch:
            outcome = await run(call)
    expect(outcome.returned, saw=outcome.describe(), expected="the status of the three pages")
    # Making a client may load a bundle of certificates (30 ms of work in the loop, more on a loaded machine),
    # which is httpx's doing: the loop is judged from the first request on.
    first = site.hits[0].arrived if site.hits else watch.pings[-1][1]
    watch.longest_stall = watch.longest_stall_within(first, watch.pings[-1][1])
    watch.expect_free()


# --- timeouts -----------------------------------------------------------------------------------------------------


@pytest.mark.category("timeout")
async def test_slow_pages_time_out(kata):
    """A page that stops sending midway, and one that sends its body a byte at a time (each in good time, too slow
    in all), are given up after `timeout` (None); the crawl goes on."""
    await warm_up(kata)
    timeout = units(1.5)
    # /trickles: 17 bytes, one every 20 ms: no single read waits a seventh of the timeout (a read timeout of 0.15 s
    # is never reached, even with a loaded machine's 55 ms stall on top), the whole body takes 0.32 s (2x it).
    # /stalls sends half its body, then nothing until the server gives up after 1.2 s (8x it).
    pages = {
        "/": Page(links=("/stalls", "/trickles", "/a")),
        "/stalls": Page(stall=True),
        "/trickles": Page(body=b"<p>one by one</p>", trickle=units(0.2)),
        "/a": Page(links=("/b",)),
    }
    async with SiteServer(pages) as site:
        with Stopwatch() as watch:
            outcome = await run(crawl(kata, site, concurrency=3, timeout=timeout))
        await site.until_ended()
    expected = statuses(site, {"/": 200, "/stalls": None, "/trickles": None, "/a": 200, "/b": 404})
    stalled, trickled = site.hit("/stalls"), site.hit("/trickles")
    if stalled is None:
        fate = "it was never requested"
    elif stalled.dropped:
        fate = f"the crawler never gave up on it: the server closed it after {seconds(STALL_LIMIT)}"
    else:
        fate = "the crawler did not give up on it"
    # Given up by the client after 0.15 s, or by the server after 1.2 s: the record says which.
    expect(
        stalled is not None and stalled.left,
        saw=f"the page /stalls stopped sending midway; {fate}, and the crawl took {seconds(watch.elapsed)}",
        expected=f"the request given up after {seconds(timeout)}",
        mistake="no time limit on the request: wrap the request in asyncio.timeout(timeout) (or asyncio.wait_for)",
    )
    expect(
        trickled is not None and trickled.left,
        saw=f"the page /trickles sent its body a byte every {seconds(units(0.2))}, "
        + ("and the crawler read it all" if trickled is not None and trickled.answered else "and it was not given up"),
        expected=f"the whole request, body included, given up after {seconds(timeout)}",
        mistake="httpx's own timeout (httpx.Timeout, timeout=) limits each read, not the whole request: bound the "
        "whole request with asyncio.timeout(timeout)",
    )
    expect(
        outcome.returned and outcome.value == expected,
        saw=outcome.describe(),
        expected=short(expected),
        mistake=result_mistake(outcome, site, expected),
    )


@pytest.mark.category("timeout")
async def test_timeout_starts_with_the_request(kata):
    """One at a time, eight pages of 0.03 s and a timeout of 0.14 s: every page arrives in time, since waiting
    for a slot does not count."""
    await warm_up(kata)
    timeout = units(1.4)
    delay = units(0.3)
    paths = [f"/p{index}" for index in range(1, 9)]
    pages = {"/": Page(links=tuple(paths)), **{path: Page(delay=delay) for path in paths}}
    async with SiteServer(pages) as site:
        outcome = await run(crawl(kata, site, concurrency=1, timeout=timeout))
    expected = statuses(site, {"/": 200, **dict.fromkeys(paths, 200)})
    late = [url for url, status in (outcome.value or {}).items() if status is None] if outcome.returned else []
    # Each request takes 0.03 s, 0.11 s short of the timeout (2x a loaded machine's worst stall, with room for
    # httpx's own latency); the eighth waited 0.21 s for its slot (0.24 s with its own), 0.1 s past it. Sleeps never
    # end early and load only delays pages further, so a timeout that counts the wait fails every run.
    expect(
        outcome.returned and outcome.value == expected,
        saw=f"with pages taking {seconds(delay)} each, one at a time, and timeout={seconds(timeout)}, "
        f"{outcome.describe()}",
        expected=f"{short(expected)}: every request within its own {seconds(timeout)}",
        mistake="the timeout also counts the wait for a slot: start it once the request has its slot (inside "
        "`async with semaphore:`), not before"
        if late
        else "one timeout for the whole crawl: the timeout bounds each request"
        if outcome.error is not None and type(outcome.error).__name__ == "TimeoutError"
        else result_mistake(outcome, site, expected),
    )


# --- exceptions ---------------------------------------------------------------------------------------------------


@pytest.mark.category("exceptions")
async def test_transport_errors_recorded_as_none(kata):
    """A dropped connection and a broken response are recorded as None; the crawl goes on."""
    pages = {
        "/": Page(links=("/dropped", "/broken", "/a")),
        "/dropped": Page(drop=True),
        "/broken": Page(raw=b"HTTP/1.1 two hundred\r\n\r\n"),
        "/a": Page(links=("/b",)),
    }
    async with SiteServer(pages) as site:
        outcome = await run(crawl(kata, site))
    expected = statuses(site, {"/": 200, "/dropped": None, "/broken": None, "/a": 200, "/b": 404})
    expect(
        outcome.returned and outcome.value == expected,
        saw=outcome.describe(),
        expected=short(expected),
        mistake=result_mistake(outcome, site, expected),
    )


@pytest.mark.category("exceptions")
async def test_unreachable_root_recorded_as_none(kata):
    """Nothing listens at the root's port: {root: None}, not an exception."""
    with refused_port() as port:
        root = f"http://127.0.0.1:{port}/"
        outcome = await run(kata.crawl(root, max_pages=10, concurrency=2, timeout=TIMEOUT))
    expect(
        outcome.returned and outcome.value == {root: None},
        saw=outcome.describe(),
        expected=f"{short({root: None})}",
        mistake="a connection error (httpx.ConnectError, a TransportError) is recorded as None, not raised"
        if outcome.error is not None
        else None,
    )


@pytest.mark.category("exceptions")
async def test_other_errors_propagate(kata):
    """A body that cannot be decoded (httpx.DecodingError, not a TransportError) propagates as it is, once no
    request is running and the client is closed; nothing is left unretrieved."""
    pages = {
        "/": Page(links=("/garbled", "/slow")),
        "/garbled": Page(headers={"Content-Encoding": "gzip"}, body=b"this is not gzip"),
        "/slow": Page(delay=units(2)),
    }
    async with SiteServer(pages) as site:
        async with LoopErrors() as loop_errors:
            outcome = await run(crawl(kata, site))
        await expect_no_leaked_tasks(after="the crawl raised")
        await site.until_ended()
    name = type(outcome.error).__name__ if outcome.error is not None else None
    expect(
        name == "DecodingError",
        saw=f"/garbled says gzip but is not, and {outcome.describe()}",
        expected="httpx.DecodingError raised as it is",
        mistake="the error was recorded as None: only httpx.TransportError (and the timeout) are; "
        "DecodingError is not one of them"
        if outcome.returned
        else "the error came out in an ExceptionGroup (a TaskGroup's): catch it (except*) and raise the error inside"
        if isinstance(outcome.error, BaseExceptionGroup)
        else None,
    )
    expect_nothing_left(site, outcome, "it raised")
    loop_errors.expect_none()


@pytest.mark.category("exceptions")
async def test_cancelled_while_crawling(kata):
    """Cancelled with two requests in flight: they are cancelled, the client is closed, and it ends cancelled."""
    pages = {"/": Page(links=("/h1", "/h2")), "/h1": Page(after=HELD), "/h2": Page(after=HELD)}
    async with SiteServer(pages) as site:
        call = KataCall(crawl(kata, site))
        await call.until(lambda: {"/h1", "/h2"} <= set(site.requested))
        call.cancel()
        outcome = await call.outcome()
        await expect_no_leaked_tasks(after="the crawl was cancelled")
    expect(
        outcome.cancelled,
        saw=f"cancelled with two requests in flight, {outcome.describe()}",
        expected="it ends cancelled, once its requests have ended and the client is closed",
        mistake=swallowed(
            outcome,
            "CancelledError was caught (a bare except:, except BaseException:) and turned into a result: let it "
            "go on up after cleaning up",
        ),
    )
    expect_nothing_left(site, outcome, "it ended")

"""Kata: a polite web crawler with httpx.

A crawler fetches a page, finds its links, fetches those, and so on. Over a real network most of that time is
spent waiting for servers, which is what asyncio is for: while one response trickles in, others are requested.
But a polite crawler does not hammer a site: it keeps a fixed number of requests in flight (a concurrency
limit), bounds every request in time so that one stalled page cannot hold it up, and stops after a number of
pages. `httpx.AsyncClient` is the async HTTP client most Python users meet first: one client keeps a pool of
connections for all your requests, and must be closed when you are done (`async with httpx.AsyncClient() as
client:`). `await client.get(url)` sends a request and reads the whole response; it raises an
`httpx.TransportError` when the network fails (connection refused or reset, a broken response) and does not
follow redirects unless asked to.

The work is a breadth-first search over a queue of URLs that grows as pages arrive, with a pool of at most
`concurrency` requests running at once: each time one ends, the next URL in the queue takes its place. The
hard parts are the edges: when to stop, what to do with a request that fails or takes too long, and leaving
nothing running behind you whichever way the crawl ends.
"""

import asyncio
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            for name, value in attrs:
                if name == "href" and value is not None:
                    self.hrefs.append(value)


def links(html: str, base_url: str) -> list[str]:
    """Given: the links of an HTML page, in document order, duplicates included, each made absolute against
    `base_url` (the page's own URL): every `<a href="...">`, whatever it points to (another site, `mailto:`,
    a `#fragment`, which is kept). Use it as it is.

    Example:
        links('<a href="b.html#top">B</a> <a href="https://example.org/">x</a>', "http://127.0.0.1:8000/a/")
        # -> ["http://127.0.0.1:8000/a/b.html#top", "https://example.org/"]
    """
    parser = _Anchors()
    parser.feed(html)
    parser.close()
    return [urljoin(base_url, href.strip()) for href in parser.hrefs]


DEFAULT_PORTS = {"http": 80, "https": 443}


def site_of(url: str) -> tuple | None:
    """(scheme, host, port), the port defaulted by the scheme; None for a URL that has no site."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # a port that is not a number
        return None
    return (parts.scheme, parts.hostname, port)


async def crawl(root: str, *, max_pages: int, concurrency: int, timeout: float) -> dict[str, int | None]:
    """Crawl the site of `root` breadth first over HTTP, at most `concurrency` requests at a time, and return
    the status of every URL requested.

    Contract:
    - Use one `httpx.AsyncClient` for every request, and close it before returning, raising, or ending
      cancelled. Request every URL with GET.
    - Request `root`, then every link found in the pages fetched (use `links(response.text, url)`), but only
      links on the root's site: the same scheme, host and port (the scheme's default port when a URL gives
      none; `urllib.parse.urlsplit` takes a URL apart). Remove any `#fragment` from a URL (the root's too:
      `urllib.parse.urldefrag`); otherwise use URLs exactly as `links()` returns them (the root exactly as
      given): they are the keys of the result, and two URLs are the same URL only when they are equal strings.
    - Each URL is requested at most once. Breadth first: URLs are requested in the order they were discovered
      (each page's links in document order, pages in the order their responses arrived).
    - At most `concurrency` requests are in flight at once, and that many whenever URLs are waiting: when a
      request ends, the next waiting URL starts at once (not when a whole batch has ended).
    - A response of any status counts as a page. Once `max_pages` pages have been received, no new request
      starts; requests already in flight are completed and recorded (so the result may hold more than
      `max_pages` URLs).
    - Redirects are not followed: a 3xx is recorded with its status, like any status that is not 200. Only the
      links of a 200 response are followed.
    - `timeout` seconds bound each request from when it takes its place among the `concurrency` (not while it
      waits for one) until its whole body has been read. A request that takes longer, or that raises an
      `httpx.TransportError` (connection refused or reset, a broken response, httpx's own timeouts), is
      recorded as `None`, does not count as a page, and does not stop the crawl. Any other exception
      propagates as it is (not in an ExceptionGroup), once every other request has ended.
    - Return `{url: status}` for every URL requested (status an int, or None).
    - When it returns, raises or is cancelled, no request is still running (cancel them and wait until they
      have ended: a cancelled `gather` can return before its children have finished) and the client is closed.
      Cancelled, it ends cancelled.

    Example:
        # http://127.0.0.1:8000/ links to /a and /b; /a links to /b, /c and https://example.org/;
        # /b answers 404, /c answers 301 (a redirect to /d).
        await crawl("http://127.0.0.1:8000/", max_pages=10, concurrency=2, timeout=5.0)
        # -> {"http://127.0.0.1:8000/": 200, "http://127.0.0.1:8000/a": 200, "http://127.0.0.1:8000/b": 404,
        #     "http://127.0.0.1:8000/c": 301}

    Worth reading: httpx's async client (https://www.python-httpx.org/async/) and its exceptions
    (https://www.python-httpx.org/exceptions/), asyncio.timeout
    (https://docs.python.org/3/library/asyncio-task.html#timeouts), asyncio.Queue
    (https://docs.python.org/3/library/asyncio-queue.html) and urllib.parse
    (https://docs.python.org/3/library/urllib.parse.html).
    """
    root = urldefrag(root).url
    site = site_of(root)
    results: dict[str, int | None] = {}
    waiting = deque([root])
    seen = {root}
    pages = 0
    running: dict[asyncio.Task, str] = {}
    arrived: asyncio.Queue[asyncio.Task] = asyncio.Queue()  # requests in the order they ended

    async def fetch(client: httpx.AsyncClient, url: str) -> tuple[int | None, str]:
        try:
            async with asyncio.timeout(timeout):
                response = await client.get(url)  # reads the whole body
            return response.status_code, response.text
        except (TimeoutError, httpx.TransportError):
            return None, ""

    async with httpx.AsyncClient() as client:
        try:
            while waiting or running:
                while waiting and len(running) < concurrency and pages < max_pages:
                    url = waiting.popleft()
                    task = asyncio.create_task(fetch(client, url))
                    running[task] = url
                    task.add_done_callback(arrived.put_nowait)  # done callbacks run in the order tasks end
                if not running:
                    break
                done = await arrived.get()
                url = running.pop(done)
                status, text = done.result()  # any other exception propagates from here
                results[url] = status
                if status is not None:
                    pages += 1
                if status == 200:
                    for link in links(text, url):
                        link = urldefrag(link).url
                        if link not in seen and site_of(link) == site:
                            seen.add(link)
                            waiting.append(link)
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.wait(running)
    return results

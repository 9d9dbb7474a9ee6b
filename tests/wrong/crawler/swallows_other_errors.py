"""Records None for any exception, not only transport errors and timeouts."""

import asyncio
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

CAUGHT_IN = "exceptions"


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
        except Exception:
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

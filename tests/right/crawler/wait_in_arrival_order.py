"""One loop keeps `concurrency` tasks running with asyncio.wait(FIRST_COMPLETED); tasks that end in the same
step are taken in the order their responses arrived (each notes a ticket when it ends)."""

import asyncio
import itertools
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx


class Anchors(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value is not None]


def links(html, base_url):
    parser = Anchors()
    parser.feed(html)
    parser.close()
    return [urljoin(base_url, href.strip()) for href in parser.hrefs]


def origin(url):
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    return parts.scheme, parts.hostname, port if port is not None else {"http": 80, "https": 443}.get(parts.scheme)


async def crawl(root, *, max_pages, concurrency, timeout):
    root, _ = urldefrag(root)
    home = origin(root)
    tickets = itertools.count()
    waiting = deque([root])
    queued = {root}
    running = {}
    results = {}
    pages = 0

    async def get(client, url):
        try:
            async with asyncio.timeout(timeout):
                response = await client.get(url)
            outcome = (response.status_code, response.text)
        except (TimeoutError, httpx.TransportError):
            outcome = (None, "")
        return next(tickets), outcome

    client = httpx.AsyncClient()
    try:
        while waiting or running:
            while waiting and len(running) < concurrency and pages < max_pages:
                url = waiting.popleft()
                running[asyncio.ensure_future(get(client, url))] = url
            if not running:
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            failed = [task for task in done if task.exception() is not None]
            if failed:
                for task in done:
                    del running[task]
                raise failed[0].exception()
            for task in sorted(done, key=lambda task: task.result()[0]):
                url = running.pop(task)
                status, text = task.result()[1]
                results[url] = status
                pages += status is not None
                if status != 200:
                    continue
                for link in links(text, url):
                    link, _ = urldefrag(link)
                    if link not in queued and origin(link) == home:
                        queued.add(link)
                        waiting.append(link)
        return results
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await client.aclose()

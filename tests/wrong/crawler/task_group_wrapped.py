"""Worker tasks in a TaskGroup, whose ExceptionGroup comes out as it is when a request raises."""

import asyncio
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

CAUGHT_IN = "exceptions"


def links(html, base_url):
    found = []

    class Anchors(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "a":
                found.extend(value for name, value in attrs if name == "href" and value is not None)

    parser = Anchors(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    return [urljoin(base_url, href.strip()) for href in found]


def site(url):
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port or {"http": 80, "https": 443}.get(parts.scheme)


async def crawl(root, *, max_pages, concurrency, timeout):
    root = urldefrag(root).url
    queue = asyncio.Queue()
    queue.put_nowait(root)
    seen, results = {root}, {}
    pages = 0

    async def worker(client):
        nonlocal pages
        while True:
            url = await queue.get()
            try:
                if pages >= max_pages:
                    continue
                try:
                    async with asyncio.timeout(timeout):
                        response = await client.get(url)
                except (TimeoutError, httpx.TransportError):
                    results[url] = None
                    continue
                results[url] = response.status_code
                pages += 1
                if response.status_code == 200:
                    for link in links(response.text, url):
                        link = urldefrag(link).url
                        if link not in seen and site(link) == site(root):
                            seen.add(link)
                            queue.put_nowait(link)
            finally:
                queue.task_done()

    async with httpx.AsyncClient() as client, asyncio.TaskGroup() as group:
        workers = [group.create_task(worker(client)) for _ in range(concurrency)]
        joined = group.create_task(queue.join())
        await asyncio.wait([joined, *workers], return_when=asyncio.FIRST_COMPLETED)
        for task in workers:
            task.cancel()
    return results

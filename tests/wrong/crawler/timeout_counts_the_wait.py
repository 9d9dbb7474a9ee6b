"""A task per URL with the timeout around the Semaphore as well: the time a URL waits for a slot counts against
it, so pages far down the queue time out though each is quick."""

import asyncio
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

CAUGHT_IN = "timeout"


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
    slots = asyncio.Semaphore(concurrency)
    results, seen, tasks = {}, set(), set()
    received = 0

    async def visit(client, url):
        nonlocal received
        try:
            async with asyncio.timeout(timeout):
                async with slots:
                    if received >= max_pages:
                        return
                    response = await client.get(url)
        except (TimeoutError, httpx.TransportError):
            results[url] = None
            return
        received += 1
        results[url] = response.status_code
        if response.status_code == 200:
            for link in links(response.text, url):
                found(client, urldefrag(link).url)

    def found(client, url):
        if url not in seen and site(url) == site(root):
            seen.add(url)
            tasks.add(asyncio.create_task(visit(client, url)))

    async with httpx.AsyncClient() as client:
        try:
            found(client, root)
            while tasks:
                done, _ = await asyncio.wait(tasks)
                tasks.difference_update(done)
                for task in done:
                    task.result()
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)
    return results

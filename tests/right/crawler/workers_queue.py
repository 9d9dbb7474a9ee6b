"""`concurrency` worker tasks in a TaskGroup take URLs from an asyncio.Queue; each queues its page's links the moment
its response arrives. The crawl ends when the queue is done (join), and the group's ExceptionGroup is unwrapped."""

import asyncio
from urllib.parse import urldefrag, urlsplit

import httpx


def links(html, base_url):
    from html.parser import HTMLParser
    from urllib.parse import urljoin

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
    try:
        parts = urlsplit(url)
        return parts.scheme, parts.hostname, parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None


async def crawl(root, *, max_pages, concurrency, timeout):
    root = urldefrag(root).url
    home = site(root)
    queue = asyncio.Queue()
    queue.put_nowait(root)
    seen = {root}
    results = {}
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
                        if link not in seen and site(link) == home:
                            seen.add(link)
                            queue.put_nowait(link)
            finally:
                queue.task_done()

    async with httpx.AsyncClient() as client:
        try:
            async with asyncio.TaskGroup() as group:
                workers = [group.create_task(worker(client)) for _ in range(concurrency)]
                finished = group.create_task(queue.join())
                await asyncio.wait([finished, *workers], return_when=asyncio.FIRST_COMPLETED)
                for task in workers:
                    task.cancel()
        except* Exception as failed:
            raise failed.exceptions[0] from None
    return results

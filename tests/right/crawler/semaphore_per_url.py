"""A task per URL, created the moment the URL is found, each waiting its turn on a Semaphore; the timeout starts
inside it. The crawl waits for every task with asyncio.wait, and on any way out cancels and waits for the rest."""

import asyncio
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx


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


def same_site(a, b):
    try:
        pa, pb = urlsplit(a), urlsplit(b)
        ports = {"http": 80, "https": 443}
        return (pa.scheme, pa.hostname, pa.port or ports.get(pa.scheme)) == (
            pb.scheme,
            pb.hostname,
            pb.port or ports.get(pb.scheme),
        )
    except ValueError:
        return False


async def crawl(root, *, max_pages, concurrency, timeout):
    root = urldefrag(root).url
    slots = asyncio.Semaphore(concurrency)
    results = {}
    seen = set()
    tasks = set()
    received = 0

    async def visit(client, url):
        nonlocal received
        async with slots:
            if received >= max_pages:
                return
            try:
                response = await asyncio.wait_for(client.get(url), timeout)
            except (TimeoutError, httpx.TransportError):
                results[url] = None
                return
            received += 1
            results[url] = response.status_code
            body = response.text if response.status_code == 200 else ""
        for link in links(body, url):
            found(client, urldefrag(link)[0])

    def found(client, url):
        if url not in seen and same_site(url, root):
            seen.add(url)
            tasks.add(asyncio.create_task(visit(client, url)))

    async with httpx.AsyncClient() as client:
        try:
            found(client, root)
            while tasks:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
                tasks.difference_update(done)
                for task in done:
                    task.result()
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)
    return results

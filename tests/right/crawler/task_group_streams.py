"""A task per URL in a TaskGroup, each holding one of `concurrency` places (a Semaphore) while it streams its
response in; the timeout is asyncio.wait_for around the whole exchange. Failures come out of the group unwrapped."""

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


def site(url):
    try:
        parts = urlsplit(url)
        return parts.scheme, parts.hostname, parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None


async def fetch(client, url):
    async with client.stream("GET", url) as response:
        body = b"".join([chunk async for chunk in response.aiter_bytes()])
    return response.status_code, body.decode(response.encoding or "utf-8", errors="replace")


async def crawl(root, *, max_pages, concurrency, timeout):
    root = urldefrag(root).url
    home = site(root)
    places = asyncio.Semaphore(concurrency)
    seen, results = {root}, {}
    pages = 0

    async def visit(group, client, url):
        nonlocal pages
        async with places:
            if pages >= max_pages:
                return
            try:
                status, text = await asyncio.wait_for(fetch(client, url), timeout)
            except (TimeoutError, httpx.TransportError):
                results[url] = None
                return
            results[url] = status
            pages += 1
        if status == 200:
            for link in links(text, url):
                link = urldefrag(link).url
                if link not in seen and site(link) == home:
                    seen.add(link)
                    group.create_task(visit(group, client, link))

    async with httpx.AsyncClient() as client:
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(visit(group, client, root))
        except* Exception as failed:
            raise failed.exceptions[0] from None
    return results

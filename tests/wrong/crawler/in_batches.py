"""Takes `concurrency` URLs at a time and gathers them: each batch waits for its slowest page before the next
starts, so the slots do not stay full."""

import asyncio
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

CAUGHT_IN = "concurrency"


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
    waiting, seen, results, pages = deque([root]), {root}, {}, 0

    async def get(client, url):
        try:
            async with asyncio.timeout(timeout):
                response = await client.get(url)
            return response.status_code, response.text
        except (TimeoutError, httpx.TransportError):
            return None, ""

    async with httpx.AsyncClient() as client:
        while waiting and pages < max_pages:
            batch = [waiting.popleft() for _ in range(min(concurrency, len(waiting)))]
            for url, (status, text) in zip(
                batch, await asyncio.gather(*(get(client, url) for url in batch)), strict=True
            ):
                results[url] = status
                pages += status is not None
                if status == 200:
                    for link in links(text, url):
                        link = urldefrag(link).url
                        if link not in seen and site(link) == site(root):
                            seen.add(link)
                            waiting.append(link)
    return results

"""Crawls a level at a time: every URL of a level (up to `concurrency` at once), then the next level, its links
queued in the order the pages were requested rather than the order their responses arrived."""

import asyncio
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

CAUGHT_IN = "correctness"


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
    level, seen, results = [root], {root}, {}
    pages = 0

    async def get(client, url):
        nonlocal pages
        async with slots:
            if pages >= max_pages:
                return None
            try:
                async with asyncio.timeout(timeout):
                    response = await client.get(url)
            except (TimeoutError, httpx.TransportError):
                results[url] = None
                return None
            pages += 1
            results[url] = response.status_code
            return response

    async with httpx.AsyncClient() as client:
        while level and pages < max_pages:
            responses = await asyncio.gather(*(get(client, url) for url in level))
            following = []
            for url, response in zip(level, responses, strict=True):
                if response is None or response.status_code != 200:
                    continue
                for link in links(response.text, url):
                    link = urldefrag(link).url
                    if link not in seen and site(link) == site(root):
                        seen.add(link)
                        following.append(link)
            level = following
    return results

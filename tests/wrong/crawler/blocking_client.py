"""Uses httpx's synchronous Client inside the coroutine: every request holds the event loop until it is done."""

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
    with httpx.Client(timeout=timeout) as client:
        while waiting and pages < max_pages:
            url = waiting.popleft()
            try:
                response = client.get(url)
            except httpx.TransportError:
                results[url] = None
                continue
            results[url] = response.status_code
            pages += 1
            if response.status_code == 200:
                for link in links(response.text, url):
                    link = urldefrag(link).url
                    if link not in seen and site(link) == site(root):
                        seen.add(link)
                        waiting.append(link)
    return results

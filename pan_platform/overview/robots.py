"""User agents that are not people: their requests are not counted (COUNTER Code of
Practice, section 7.8). The patterns follow the COUNTER robots list
(github.com/atmire/COUNTER-Robots), kept short: words that only machines put in a user
agent, matched case-insensitively anywhere in it. A request without a user agent is a
script, not a reader, and is not counted either."""

from __future__ import annotations

import re

PATTERNS = (
    r"bot\b", r"bot[/_;-]", r"robot", r"crawl", r"spider", r"slurp", r"archiver", r"indexer",
    r"^java/", r"^python", r"python-requests", r"python-urllib", r"aiohttp", r"httpx", r"^curl",
    r"^wget", r"libwww", r"lwp-", r"httpclient", r"okhttp", r"go-http-client", r"^ruby",
    r"^perl", r"^php", r"guzzle", r"axios", r"node-fetch", r"^scrapy", r"mechanize", r"feedfetcher",
    r"feedparser", r"rss", r"atom", r"harvest", r"oai-pmh", r"linkcheck", r"link checker",
    r"checklink", r"validator", r"monitor", r"pingdom", r"uptime", r"nagios", r"zabbix",
    r"phantomjs", r"headlesschrome", r"selenium", r"puppeteer", r"lighthouse", r"pagespeed",
    r"preview", r"facebookexternalhit", r"embedly", r"quora link", r"whatsapp", r"telegram",
    r"skypeuripreview", r"slack", r"discord", r"googlebot", r"bingbot", r"yandex", r"baidu",
    r"duckduck", r"sogou", r"exabot", r"seznam", r"qwant", r"petalbot", r"semrush", r"ahrefs",
    r"mj12", r"dotbot", r"bytespider", r"gptbot", r"ccbot", r"claudebot", r"anthropic", r"perplexity",
    r"applebot", r"ia_archiver", r"wayback", r"heritrix", r"nutch", r"zotero", r"mendeley",
    r"citeulike", r"sitebulb", r"screaming frog", r"htmlparser", r"jakarta", r"webcopier",
    r"httrack", r"offline explorer", r"teleport", r"webzip", r"wget", r"download", r"fetch",
    r"scan", r"probe", r"check", r"http_request", r"ips-agent", r"^$",
)
ROBOTS = re.compile("|".join(f"(?:{p})" for p in PATTERNS), re.IGNORECASE)


def is_robot(user_agent: str | None) -> bool:
    return ROBOTS.search((user_agent or "").strip()) is not None

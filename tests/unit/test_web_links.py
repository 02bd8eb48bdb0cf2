"""A publication page's links, the backoff between tries (ingest/web.py, without the network), and the check lease."""

from __future__ import annotations

from oversight_bot.ingest.web import FetchLimits, page_links, retry_wait
from oversight_bot.services.release_checks import LEASE
from oversight_bot.services.releases import Fetched, Validators

PAGE = "https://www.england.nhs.uk/publication/nof/"


def page(html: str, url: str = PAGE) -> Fetched:
    return Fetched(url, html.encode(), "text/html", Validators())


def test_links_are_made_absolute_once_each_without_fragments() -> None:
    html = """<html><body>
      <a href="/wp-content/uploads/2026/02/a.csv">A (CSV, 1 MB)</a>
      <a href='../../wp-content/uploads/2026/02/b.csv#download'>B</a>
      <A HREF="https://www.england.nhs.uk/wp-content/uploads/2026/02/a.csv">A again</A>
      <a href="mailto:england.contactus@nhs.net">mail</a> <a>no address</a> <a href="">empty</a>
      <a href="c&amp;d.csv">an entity</a>
    </body></html>"""
    assert page_links(page(html)) == [
        "https://www.england.nhs.uk/wp-content/uploads/2026/02/a.csv",
        "https://www.england.nhs.uk/wp-content/uploads/2026/02/b.csv",
        "https://www.england.nhs.uk/publication/nof/c&d.csv",
    ]


def test_a_base_element_sets_what_links_are_relative_to() -> None:
    html = '<head><base href="https://www.england.nhs.uk/files/"></head><a href="x.csv">x</a>'
    assert page_links(page(html)) == ["https://www.england.nhs.uk/files/x.csv"]


def test_a_page_that_is_not_html_gives_no_links_and_no_error() -> None:
    assert page_links(page("\x00\xff<<<>>> not html at all")) == []


def test_the_wait_between_tries_doubles_honours_retry_after_and_has_a_ceiling() -> None:
    limits = FetchLimits(first_wait_s=2, longest_wait_s=60)
    assert [retry_wait(attempt, limits) for attempt in (1, 2, 3, 4, 5, 6)] == [2, 4, 8, 16, 32, 60]
    assert retry_wait(1, limits, retry_after=7) == 7
    assert retry_wait(1, limits, retry_after=3600) == 60  # a server asking for an hour gets the ceiling


def test_the_check_lease_outlasts_one_files_slowest_fetch() -> None:
    """The lease is renewed before each file: while one file is fetched (every try taking as long as
    the limits allow, and the longest waits between) no other worker may take the check over."""
    limits = FetchLimits()
    slowest = limits.attempts * limits.download_s + (limits.attempts - 1) * limits.longest_wait_s
    assert LEASE.total_seconds() > slowest + 5 * 60  # and a few minutes for the import itself

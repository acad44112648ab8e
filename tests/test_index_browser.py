"""The archive's index page in a real headless browser (Debian's chromium, driven by Playwright)."""

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by .ci/run")


def test_index_loads_without_console_error_and_every_link_resolves(built):
    from playwright.sync_api import sync_playwright

    index = built / "index.html"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            messages, failed, requests = [], [], []
            page.on("console", lambda m: messages.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(index.as_uri(), wait_until="load")
            widths = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
            links = page.evaluate("Array.from(document.links).map(a => a.href)")
            years = page.evaluate("Array.from(document.querySelectorAll('.edition')).map(s => s.id)")
        finally:
            browser.close()
    assert not messages, messages
    assert not failed, failed
    assert all(url.startswith("file://") for url in requests), "no external request"
    assert widths and all(w > 0 for w in widths), "every thumbnail is displayed"
    assert links
    for url in links:
        assert Path(url.removeprefix("file://")).is_file(), url
    assert years == sorted(years, reverse=True), "newest edition first"
    assert "edition-2026" in years and "edition-2025" in years

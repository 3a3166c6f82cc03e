"""Debian's Chromium, as the browser tests and tests/browser/docs_screenshots.py
launch it (never a browser from ``playwright install``)."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The desk's screen, and the browser tests' default viewport.
DESK_VIEWPORT = {"width": 1366, "height": 768}

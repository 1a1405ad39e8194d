"""Open a local HTML page in a real headless Chromium and report what a person would see.

Chromium is driven through the DevTools protocol over ``--remote-debugging-pipe``
(JSON messages ending in a NUL byte on file descriptors 3 and 4), so nothing but
the standard library is needed: no websocket, no Playwright, no port.  The
browser has no network (every request goes to a proxy on a closed port) and a
fresh profile.  ``capture_page`` returns a full-page PNG, the page-space box of
each element asked for, the console errors (console.error, uncaught exceptions,
and the browser's own error log: failed loads, Content Security Policy
violations) and every URL the page requested besides itself.

Run directly to take a screenshot for the docs (the top HEIGHT pixels of the
page when HEIGHT is given; exit status 1 on any console error or request)::

    python tests/browser/chromium_page.py PAGE.html OUT.png [HEIGHT]
"""

from __future__ import annotations

import base64
import io
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = "chromium"
WINDOW_WIDTH = 1366
WINDOW_HEIGHT = 900
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--remote-debugging-pipe",
    "--proxy-server=127.0.0.1:9",  # nothing listens there: no request leaves the machine
    "--proxy-bypass-list=<-loopback>",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-quic",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
)

Message = dict[str, Any]


@dataclass(frozen=True)
class Box:
    """An element's box in page pixels (the screenshot's coordinates)."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class PageCapture:
    png: bytes
    boxes: Mapping[str, Box | None]  # by the name given; None when the selector matched nothing
    console_errors: tuple[str, ...]
    other_requests: tuple[str, ...]


class DevToolsPipe:
    """One Chromium process and its DevTools pipe: send commands, collect events."""

    def __init__(self, profile: Path, timeout: float) -> None:
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def give_browser_its_pipes() -> None:
            # dup first: os.pipe() descriptors close on exec, and dup2 onto the same
            # number would keep that flag.
            reading, writing = os.dup(to_browser_read), os.dup(from_browser_write)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        command = [_chromium(), *_FLAGS, f"--user-data-dir={profile}", "about:blank"]
        self.process = subprocess.Popen(
            command,
            preexec_fn=give_browser_its_pipes,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._timeout = timeout
        self._buffer = b""
        self._next_id = 0
        self.events: list[Message] = []

    def call(self, method: str, params: Message | None = None, session: str | None = None) -> Any:
        self._next_id += 1
        message: Message = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        answer_id = self._next_id
        reply = self._receive(lambda received: received.get("id") == answer_id)
        if "error" in reply:
            raise RuntimeError(f"{method} failed: {reply['error']}")
        return reply["result"]

    def wait_for_event(self, method: str) -> Message:
        for event in self.events:
            if event.get("method") == method:
                return event
        return self._receive(lambda received: received.get("method") == method)

    def _receive(self, wanted: Any) -> Message:
        deadline = time.monotonic() + self._timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message: Message = json.loads(raw)
                if wanted(message):
                    return message
                self.events.append(message)
            ready, _, _ = select.select([self._from_browser], [], [], deadline - time.monotonic())
            if not ready:
                raise TimeoutError(f"Chromium did not answer within {self._timeout} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError(f"Chromium exited (status {self.process.poll()})")
            self._buffer += chunk

    def close(self) -> None:
        try:
            self.call("Browser.close")
            self.process.wait(timeout=10)
        except (OSError, RuntimeError, TimeoutError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)


def capture_page(
    page: Path, selectors: Mapping[str, str] | None = None, timeout: float = 60.0
) -> PageCapture:
    """Load ``page`` (a local file) at 1366 pixels wide and capture it whole.

    Args:
        page: the HTML file.
        selectors: name -> CSS selector of the elements whose boxes to report.
        timeout: seconds to wait for each answer from the browser.
    """
    profile = Path(tempfile.mkdtemp(prefix="relup-chromium-"))
    browser = DevToolsPipe(profile, timeout)
    try:
        return _capture(browser, page.resolve().as_uri(), dict(selectors or {}))
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)


def _capture(browser: DevToolsPipe, url: str, selectors: dict[str, str]) -> PageCapture:
    targets = browser.call("Target.getTargets")["targetInfos"]
    target = next(info for info in targets if info["type"] == "page")
    session = browser.call(
        "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
    )
    session_id: str = session["sessionId"]
    for domain in ("Runtime", "Log", "Page", "Network"):
        browser.call(f"{domain}.enable", session=session_id)
    metrics = {"width": WINDOW_WIDTH, "height": WINDOW_HEIGHT, "deviceScaleFactor": 1}
    browser.call("Emulation.setDeviceMetricsOverride", {**metrics, "mobile": False}, session_id)
    browser.events.clear()
    browser.call("Page.navigate", {"url": url}, session_id)
    browser.wait_for_event("Page.loadEventFired")
    boxes = _boxes(browser, session_id, selectors)
    size = browser.call("Page.getLayoutMetrics", session=session_id)["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = browser.call(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": clip},
        session_id,
    )
    return PageCapture(
        png=base64.b64decode(shot["data"]),
        boxes=boxes,
        console_errors=_console_errors(browser.events),
        other_requests=_other_requests(browser.events, url),
    )


_BOXES_SCRIPT = """
(() => {
  const selectors = %s;
  const boxes = {};
  for (const [name, selector] of Object.entries(selectors)) {
    const element = document.querySelector(selector);
    if (element === null) { boxes[name] = null; continue; }
    const box = element.getBoundingClientRect();
    boxes[name] = [box.left + window.scrollX, box.top + window.scrollY, box.width, box.height];
  }
  return boxes;
})()
"""


def _boxes(browser: DevToolsPipe, session: str, selectors: dict[str, str]) -> dict[str, Box | None]:
    expression = _BOXES_SCRIPT % json.dumps(selectors)
    answer = browser.call(
        "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session
    )
    found: dict[str, list[float] | None] = answer["result"]["value"]
    return {
        name: None if box is None else Box(*(round(number) for number in box))
        for name, box in found.items()
    }


def _console_errors(events: list[Message]) -> tuple[str, ...]:
    errors = []
    for event in events:
        params = event.get("params", {})
        match event.get("method"):
            case "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                description = details.get("exception", {}).get("description", "")
                errors.append(f"uncaught: {details.get('text', '')} {description}".strip())
            case "Runtime.consoleAPICalled" if params.get("type") in ("error", "assert"):
                values = [
                    str(arg.get("value", arg.get("description", ""))) for arg in params["args"]
                ]
                errors.append(f"console.{params['type']}: {' '.join(values)}")
            case "Log.entryAdded" if params["entry"].get("level") == "error":
                entry = params["entry"]
                errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}")
    return tuple(errors)


def _other_requests(events: list[Message], url: str) -> tuple[str, ...]:
    requested = (
        event["params"]["request"]["url"]
        for event in events
        if event.get("method") == "Network.requestWillBeSent"
    )
    return tuple(request for request in requested if request != url)


def _chromium() -> str:
    found = shutil.which(CHROMIUM)
    if found is None:
        raise FileNotFoundError(f"{CHROMIUM} is not on PATH (Debian package chromium)")
    return found


def _save_screenshot(png: bytes, path: Path, height: int | None) -> None:
    from PIL import Image  # a test extra; only the docs screenshot crops

    image = Image.open(io.BytesIO(png))
    if height is not None:
        image = image.crop((0, 0, image.width, min(height, image.height)))
    image.save(path, optimize=True)


if __name__ == "__main__":  # pragma: no cover
    page_path, png_path = Path(sys.argv[1]), Path(sys.argv[2])
    capture = capture_page(page_path)
    _save_screenshot(capture.png, png_path, int(sys.argv[3]) if len(sys.argv) > 3 else None)
    for error in capture.console_errors:
        print(f"console error: {error}", file=sys.stderr)
    sys.exit(1 if capture.console_errors or capture.other_requests else 0)

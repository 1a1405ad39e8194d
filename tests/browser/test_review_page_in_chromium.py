"""The review page in a real browser: Debian's Chromium, headless, with no network.

What a reviewer sees is checked on the screenshot's pixels, not on the DOM:
each diagram's on-screen region (the part of its drawing visible in its frame)
must be large and hold many non-white pixels.  Chromium reports no console
error and no request besides the page itself.  Two more tests show the checks
can fail: a page whose diagrams are blank fails the pixel check, and a page
with a script error or an outside image fails the console check.

Needs ``chromium`` (and ``dot`` for the real page); both are skipped locally
when missing and required in CI (``RELUP_REQUIRE_ERLANG=1``, see conftest).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from conftest import require_tool
from PIL import Image, ImageChops

from browser.chromium_page import Box, PageCapture, capture_page
from relup.cli import main
from relup.planning import PlanRequest, plan_release_upgrade
from render.plan_html import DIAGRAM_KEYS, render_plan_html

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "shop"
INK_THRESHOLD = 48  # a channel this far below white is drawing, not background
MIN_INK_SHARE = 0.02  # graphviz's filled boxes and text cover well above this
MIN_REGION = (200, 120)  # pixels: a diagram a reviewer can read is at least this big


@pytest.fixture()
def chromium() -> None:
    require_tool("chromium", "Debian's chromium package, for the browser test")


def _selectors() -> dict[str, str]:
    selectors = {}
    for key in DIAGRAM_KEYS:
        selectors[f"{key} frame"] = f"#diagram-{key} .diagram"
        selectors[f"{key} drawing"] = f"#diagram-{key} .diagram > svg"
    return selectors


def _visible_region(frame: Box | None, drawing: Box | None) -> Box | None:
    """The part of the drawing its frame shows (the frame scrolls what does not fit)."""
    if frame is None or drawing is None:
        return None
    left, top = max(frame.x, drawing.x), max(frame.y, drawing.y)
    right = min(frame.x + frame.width, drawing.x + drawing.width)
    bottom = min(frame.y + frame.height, drawing.y + drawing.height)
    return Box(left, top, max(0, right - left), max(0, bottom - top))


def ink_share(screenshot: Image.Image, region: Box) -> float:
    """The share of pixels in ``region`` that are not (near) white."""
    crop = screenshot.crop((region.x, region.y, region.x + region.width, region.y + region.height))
    red, green, blue = crop.convert("RGB").split()
    # A pixel is ink when any of its channels is well below white: look at the darkest one.
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
    ink = darkest.point(lambda value: 255 if value < 255 - INK_THRESHOLD else 0)
    return ink.histogram()[255] / max(1, region.width * region.height)


def diagram_problems(capture: PageCapture) -> list[str]:
    """Why the diagrams are not visibly on the screenshot (empty when they are)."""
    screenshot = Image.open(io.BytesIO(capture.png))
    problems = []
    for key in DIAGRAM_KEYS:
        region = _visible_region(capture.boxes[f"{key} frame"], capture.boxes[f"{key} drawing"])
        if region is None:
            problems.append(f"{key}: no diagram on the page")
            continue
        if region.width < MIN_REGION[0] or region.height < MIN_REGION[1]:
            problems.append(f"{key}: only {region.width}x{region.height} pixels")
            continue
        inside_screenshot = region.x + region.width <= screenshot.width and (
            region.y + region.height <= screenshot.height
        )
        share = ink_share(screenshot, region) if inside_screenshot else 0.0
        if share < MIN_INK_SHARE:
            problems.append(f"{key}: {share:.1%} of its {region.width}x{region.height} px drawn")
    return problems


@pytest.mark.usefixtures("chromium")
def test_shop_review_page_shows_its_diagrams_without_console_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool("dot", "graphviz's dot to draw the diagrams")
    old = shutil.copytree(EXAMPLES / "rel-1.0.0", tmp_path / "old")
    new = shutil.copytree(EXAMPLES / "rel-1.1.0", tmp_path / "new")
    page = tmp_path / "review.html"
    assert main(["plan", str(old), str(new), "--html", str(page)]) == 0
    capsys.readouterr()

    capture = capture_page(page, _selectors())

    assert capture.console_errors == ()
    assert capture.other_requests == ()
    assert diagram_problems(capture) == []
    screenshot = Image.open(io.BytesIO(capture.png))
    assert screenshot.width == 1366  # laid out for a laptop screen: no horizontal overflow


def _blank_svg(width: int, height: int) -> str:
    # What graphviz writes for an empty graph: only its white background.
    return (
        f'<svg width="{width}pt" height="{height}pt" viewBox="0 0 {width} {height}" '
        'xmlns="http://www.w3.org/2000/svg"><g id="graph0"><polygon fill="white" '
        f'stroke="transparent" points="0,0 {width},0 {width},{height} 0,{height}"/></g></svg>'
    )


@pytest.mark.usefixtures("chromium")
def test_blank_diagrams_fail_the_pixel_check(tmp_path: Path) -> None:
    request = PlanRequest(EXAMPLES / "rel-1.0.0", EXAMPLES / "rel-1.1.0", erlang_root=None)
    plan = plan_release_upgrade(request)
    blank = {key: _blank_svg(600, 400) for key in DIAGRAM_KEYS}
    page = tmp_path / "blank.html"
    page.write_text(render_plan_html(plan, blank), encoding="utf-8")

    capture = capture_page(page, _selectors())

    assert capture.console_errors == ()
    problems = diagram_problems(capture)
    assert [problem.split(":")[0] for problem in problems] == list(DIAGRAM_KEYS), problems
    assert all("0.0% of its" in problem for problem in problems), problems


@pytest.mark.usefixtures("chromium")
def test_console_errors_and_outside_requests_are_caught(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>broken</title></head><body><p>x</p>"
        "<script>console.error('deliberate'); no_such_function();</script>"
        '<img src="http://example.invalid/logo.png" alt="">'
        "</body></html>\n",
        encoding="utf-8",
    )

    capture = capture_page(page)

    errors = "\n".join(capture.console_errors)
    assert "console.error: deliberate" in errors
    assert "uncaught" in errors and "no_such_function" in errors
    assert "example.invalid" in errors  # the failed load is logged, the network being off
    assert capture.other_requests == ("http://example.invalid/logo.png",)


@pytest.mark.usefixtures("chromium")
def test_the_page_policy_blocks_any_outside_resource(tmp_path: Path) -> None:
    """Were a reference to slip into the page, the browser would refuse it, and say so."""
    request = PlanRequest(EXAMPLES / "rel-1.0.0", EXAMPLES / "rel-1.1.0", erlang_root=None)
    html = render_plan_html(plan_release_upgrade(request), {})
    page = tmp_path / "leaky.html"
    leak = '<img src="http://example.invalid/track.png" alt=""><script>window.x = 1;</script>'
    page.write_text(html.replace("<main>", "<main>" + leak, 1), encoding="utf-8")

    capture = capture_page(page)

    image, script = capture.console_errors
    assert "track.png' violates the following Content Security Policy" in image
    assert "inline script violates the following Content Security Policy" in script
    assert "The action has been blocked" in image and "The action has been blocked" in script

"""The real check: `streamlit run app.py` driven by headless Chromium through every page.

Needs chromium + chromedriver (Debian: `apt-get install chromium chromium-driver`) and
selenium; skipped with the reason when any is missing. Screenshots go to
artifacts/screenshots/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from xner.app.catalog import PAGES

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
DRIVER = os.environ.get("XNER_CHROMEDRIVER", "/usr/bin/chromedriver")
# The URL path of every page in the catalog: st.navigation derives it from the file
# name; the default page (overview) is the root.
URLS = {spec.name: "" if spec.default else spec.name for spec in PAGES}

pytestmark = pytest.mark.browser

selenium = pytest.importorskip(
    "selenium", reason="selenium is not installed (pip install selenium)"
)
if not Path(DRIVER).is_file() or not (shutil.which("chromium") or shutil.which("chromium-browser")):
    pytest.skip(
        f"chromium or chromedriver ({DRIVER}) is absent: apt-get install chromium chromium-driver",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

from .conftest import chromium_flags  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_runs: Callable[..., Path]) -> Iterator[str]:
    tiny_runs("browser", settings=("transfer",), perturbations=("p1", "mask"))
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=dict(os.environ),  # carries the fixture's XNER_* directories
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"streamlit did not start:\n{log.read().decode(errors='replace')}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in chromium_flags(profile, "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def settled(driver: webdriver.Chrome, timeout: float = 60) -> None:
    """Wait until the page has content and Streamlit's 'running' indicator is gone, twice
    in a row (a rerun can start just after one finishes)."""
    deadline = time.monotonic() + timeout
    calm = 0
    while time.monotonic() < deadline:
        content = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMainBlockContainer"] *')
        running = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
        calm = calm + 1 if content and not running else 0
        if calm >= 3:
            return
        time.sleep(0.5)
    raise AssertionError(f"{driver.current_url} did not finish rendering in {timeout}s")


def appears(driver: webdriver.Chrome, css: str, timeout: float = 90) -> bool:
    """Whether an element matching `css` shows up within `timeout` seconds (a cold page
    imports torch first, which takes a while on a loaded 2-core machine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.find_elements(By.CSS_SELECTOR, css):
            return True
        time.sleep(0.5)
    return False


def exceptions(driver: webdriver.Chrome) -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')]


@pytest.mark.parametrize("page", list(URLS))
def test_every_page_renders_without_an_exception(server: str, browser, page: str):
    browser.get(f"{server}/{URLS[page]}")
    assert appears(browser, "h1"), f"{page}: no title within 90 s"
    settled(browser)
    assert not exceptions(browser), exceptions(browser)
    browser.save_screenshot(str(SHOTS / f"{page}.png"))


def test_typing_in_the_playground_shows_entity_highlights(server: str, browser):
    browser.get(f"{server}/playground")
    assert appears(browser, "textarea"), "the playground shows no text box within 90 s"
    settled(browser)
    box = browser.find_element(By.TAG_NAME, "textarea")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys("Ana Lopa mora en Brenn con Xoan")
    box.send_keys(Keys.CONTROL, Keys.ENTER)  # st.text_area submits on Ctrl+Enter
    # Read the tokens in one script call: a rerender between finding an element and
    # reading it would otherwise leave a stale reference.
    read = (
        "return [...document.querySelectorAll('.xner-sentence .xner-tok')]"
        ".map(t => [t.textContent, t.title || ''])"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any("Xoan" in text for text, _ in browser.execute_script(read)):
            break
        time.sleep(0.5)
    settled(browser)
    tokens = browser.execute_script(read)
    assert any("Xoan" in text for text, _ in tokens), tokens
    highlighted = [text for text, title in tokens if "predicted" in title]
    assert highlighted, "no predicted entity is highlighted"
    assert not exceptions(browser)
    browser.save_screenshot(str(SHOTS / "playground-typed.png"))

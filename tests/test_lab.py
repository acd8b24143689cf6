"""End to end in a real frontend: JupyterLab runs the XOR chapter and the sliders retrain it.

A JupyterLab server on a loopback port (its own token, no browser of its own) serves a copy of
the chapter; headless Chromium opens it, runs every cell, moves the live playground's sliders
with the keyboard and checks that the figure and the caption change to the new settings.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .browser import chromium_path, offline_page

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "notebooks" / "05_xor.ipynb"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    chromium_path()  # skip (or fail under REQUIRE_BROWSER) before starting a server
    shutil.copy(CHAPTER, tmp_path / CHAPTER.name)  # Lab autosaves: never touch the real one
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(tmp_path / 'lab.log').read_text()}")
                time.sleep(0.3)
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def live_caption(page):
    return page.evaluate(
        "Array.from(document.querySelectorAll('.widget-html-content'))"
        ".map(e => e.textContent).find(t => t.includes('Settings:')) || ''")


def wait_for_caption(page, text):
    page.wait_for_function(
        "s => Array.from(document.querySelectorAll('.widget-html-content'))"
        ".some(e => e.textContent.includes('Settings:') && e.textContent.includes(s))", arg=text)


def live_image_src(page):
    # The live playground's picture is the first image widget in the notebook.
    return page.locator("img.widget-image").first.get_attribute("src")


def press_on_slider(page, description, key, times=1):
    slider = page.locator(".widget-slider", has=page.locator(".widget-label", has_text=description)).first
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    for _ in range(times):
        page.keyboard.press(key)
    return slider.locator(".widget-readout").inner_text()


def test_sliders_retrain_the_xor_chapter_in_jupyterlab(lab):
    base, token = lab
    with offline_page(allowed_prefixes=(base,)) as page:
        try:
            drive_the_chapter(page, base, token)
        finally:
            page.screenshot(path=str(screenshot_path()))
        assert page.blocked == []


def drive_the_chapter(page, base, token):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.set_default_timeout(120_000)
    page.goto(f"{base}/lab/tree/{CHAPTER.name}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    # JupyterLab sometimes asks which kernel to start; the chapter's own (Python 3) is right.
    kernel_dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    try:
        kernel_dialog.locator("button", has_text="Select").click(timeout=5000)
    except PlaywrightTimeout:
        pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    page.click("li.lm-MenuBar-item:has-text('Run')")
    page.click("li.lm-Menu-item:has-text('Run All Cells')")
    # Every cell has run when the kernel is idle again and no prompt shows [*].
    page.wait_for_selector("text=Precomputed.")
    page.wait_for_function(
        "!Array.from(document.querySelectorAll('.jp-InputPrompt')).some(p => p.innerText.includes('*'))"
        " && document.querySelector(\".jp-Notebook-ExecutionIndicator[data-status='idle']\")")
    assert "lr = 0.5, hidden = 8, relu, 500 epochs, seed 0" in live_caption(page)
    before = live_image_src(page)

    lr = press_on_slider(page, "learning rate", "ArrowLeft", times=20)  # 0.5 -> 0.05
    wait_for_caption(page, f"lr = {float(lr):.3g}, hidden = 8,")
    after_lr = live_image_src(page)
    assert after_lr != before

    hidden = press_on_slider(page, "hidden units", "ArrowLeft", times=6)  # 8 -> 2
    assert hidden == "2"
    wait_for_caption(page, f"lr = {float(lr):.3g}, hidden = 2,")
    assert live_image_src(page) not in (before, after_lr)


def screenshot_path():
    folder = ROOT / "_build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "jupyterlab_05_xor.png"

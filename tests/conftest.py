import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from emploi_lab.pipeline import build_dataset

ROOT = Path(__file__).resolve().parents[1]
SEED, AS_OF = 11, "2026-09-30"  # the tiny dataset shared by the territory tests


def run_cli(*args, timeout=600, **kw):
    "Run the real console script (as `python -m emploi_lab.cli`) and capture its output."
    return subprocess.run([sys.executable, "-m", "emploi_lab.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, **kw)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def territory_data(tmp_path_factory):
    "A tiny synthetic dataset, built once per session and shared by the territory test modules."
    base = tmp_path_factory.getbasetemp()
    out, cache = base/"territory_ds", base/"territory_cache"
    os.environ["EMPLOI_LAB_CACHE"] = str(cache)  # the CLI subprocesses inherit it: the project's cache stays clean
    if not (out/"manifest.json").exists():
        build_dataset(out, scale=0.002, seed=SEED, months=24, as_of=AS_OF)
    return out


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    "Debian's Chromium driven by playwright (never a browser downloaded by a test tool); CI must have it."
    if not CHROMIUM:
        if os.environ.get("CI"): pytest.fail("CI must install Debian's chromium (see .ci/run)")
        pytest.skip("no chromium on this machine: pages are tested in a real browser where it is installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                              "--disable-component-update", "--no-first-run", "--disable-sync"])
        yield b
        b.close()

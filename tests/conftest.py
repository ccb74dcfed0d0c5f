import os
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

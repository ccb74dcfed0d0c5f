import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, timeout=600, **kw):
    "Run the real console script (as `python -m emploi_lab.cli`) and capture its output."
    return subprocess.run([sys.executable, "-m", "emploi_lab.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, **kw)


@pytest.fixture
def cli():
    return run_cli

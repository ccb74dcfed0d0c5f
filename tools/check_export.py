"""Fail when emploi_lab/, nbs/ or README.md are not what a fresh nbdev_export + nbdev_clean + readme makes.

Compares file hashes before and after regenerating, so it works on a dirty working tree too: the files
it reports have now been regenerated; review and commit them.
"""
import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def snapshot() -> dict:
    files = [*(ROOT/"emploi_lab").rglob("*.py"), *(ROOT/"nbs").glob("*.ipynb"), ROOT/"README.md"]
    return {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.exists()}


before = snapshot()
for cmd in ([BIN/"nbdev_export"], [BIN/"nbdev_clean"], [sys.executable, ROOT/"tools"/"readme.py"]):
    subprocess.run(cmd, cwd=ROOT, check=True)
after = snapshot()
changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
if changed:
    print("These files differ from a fresh nbdev_export + nbdev_clean + tools/readme.py (now regenerated):")
    print("\n".join(f"  {c}" for c in changed))
    sys.exit(1)
print(f"export check: {len(after)} files equal a fresh export")

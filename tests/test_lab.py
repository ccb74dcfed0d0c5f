"""`make lab`: a headless Jupyter server on loopback lists the notebooks and runs a cell on the `emploi-lab` kernel."""
import asyncio
import concurrent.futures
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port, token = _free_port(), secrets.token_hex(16)
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                             f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
                             f"--ServerApp.root_dir={ROOT}", "--allow-root"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "JUPYTER_NO_CONFIG": "1"})
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"token {token}"}
    try:
        for _ in range(120):
            if proc.poll() is not None: break
            try:
                if requests.get(f"{base}/api/status", headers=headers, timeout=2).ok: break
            except requests.ConnectionError:
                time.sleep(0.5)
        else:
            proc.terminate()
            pytest.fail(f"jupyter lab did not start: {proc.stderr.read().decode()[-2000:]}")
        yield base, token, headers
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_notebooks_and_reports_listed(server):
    "Rooted at the project as `make lab` is: the literate notebooks and the report notebooks are both reachable."
    base, _, headers = server
    for folder in ("nbs", "reports"):
        r = requests.get(f"{base}/api/contents/{folder}", headers=headers, timeout=10)
        r.raise_for_status()
        names = {c["name"] for c in r.json()["content"]}
        assert {p.name for p in (ROOT/folder).glob("*.ipynb")} <= names, folder
    assert "index.ipynb" in {c["name"] for c in requests.get(f"{base}/api/contents/nbs", headers=headers, timeout=10).json()["content"]}


def test_every_notebook_names_the_project_kernel():
    "A notebook opens on the registered `emploi-lab` kernel, never on whatever `python3` the machine has."
    for nb in sorted((ROOT/"nbs").glob("*.ipynb")) + sorted((ROOT/"reports").glob("*.ipynb")):
        assert json.loads(nb.read_text())["metadata"]["kernelspec"]["name"] == "emploi-lab", nb.name


def test_opening_a_notebook_starts_the_project_kernel(server):
    "What the Lab does when a notebook opens: a session on the kernel its metadata names."
    base, _, headers = server
    path = "nbs/21z_survival.ipynb"
    name = requests.get(f"{base}/api/contents/{path}", headers=headers, timeout=30).json()["content"]["metadata"]["kernelspec"]["name"]
    r = requests.post(f"{base}/api/sessions", headers=headers, timeout=60,
                      json={"path": path, "type": "notebook", "name": "", "kernel": {"name": name}})
    r.raise_for_status()
    session = r.json()
    try:
        assert session["kernel"]["name"] == "emploi-lab"
    finally:
        requests.delete(f"{base}/api/sessions/{session['id']}", headers=headers, timeout=30)


def test_registered_kernel_executes_a_cell(server):
    base, token, headers = server
    specs = requests.get(f"{base}/api/kernelspecs", headers=headers, timeout=10).json()["kernelspecs"]
    assert "emploi-lab" in specs, sorted(specs)
    # the notebooks store the display name nbdev_clean writes; the registered one is the same, so the Lab has nothing
    # to rewrite (a notebook showed as modified as soon as it opened)
    stored = json.loads((ROOT/"nbs"/"21z_survival.ipynb").read_text())["metadata"]["kernelspec"]["display_name"]
    assert specs["emploi-lab"]["spec"]["display_name"] == stored
    kernel = requests.post(f"{base}/api/kernels", headers=headers, json={"name": "emploi-lab"}, timeout=60).json()

    async def execute(code: str) -> str:
        ws = await websocket_connect(f"ws{base[4:]}/api/kernels/{kernel['id']}/channels?token={token}")
        msg_id = uuid.uuid4().hex
        await ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": uuid.uuid4().hex,
                       "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        out = []
        while True:
            msg = json.loads(await asyncio.wait_for(ws.read_message(), timeout=60))
            if msg.get("parent_header", {}).get("msg_id") != msg_id: continue
            if msg["msg_type"] == "stream": out.append(msg["content"]["text"])
            if msg["msg_type"] == "error": raise AssertionError(msg["content"]["evalue"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle": break
        ws.close()
        return "".join(out)

    try:
        # A fresh thread owns its own event loop: a session-scoped playwright browser (conftest) keeps one running in
        # this thread, where asyncio.run would refuse to start.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            out = pool.submit(asyncio.run, execute("import emploi_lab, sys; print(6 * 7, emploi_lab.__version__, sys.prefix)")).result()
        assert out.split()[0] == "42"
        assert out.split()[2] == sys.prefix  # the kernel runs in the project's environment
    finally:
        requests.delete(f"{base}/api/kernels/{kernel['id']}", headers=headers, timeout=30)

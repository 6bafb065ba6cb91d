"""The UI's HTTP API under hostile callers: blank client ids, what /config publishes, Gradio's cancel and
reset routes under --auth, and repeated wrong passwords. The real app is served in this process on a free
localhost port and called the way any HTTP client can (no browser needed)."""

from __future__ import annotations

import json
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from draftkit.draft.writer import draft_report
from draftkit.facts import load_facts
from draftkit.store.drafts import DraftStore

REFUSED = "缺少客户端标识"
USER, PASSWORD = "mishu", "青禾2024"


@pytest.fixture
def victim(tmp_path: Path, repo_root: Path) -> tuple[str, str, DraftStore]:
    """Another secretary's draft in the app's store: (draft id, her client id, the store)."""
    store = DraftStore(tmp_path / "var" / "drafts.sqlite3")
    facts = load_facts(repo_root / "samples" / "facts" / "qinghe_sanshi_2024.yaml")
    client = "f0" * 16
    did = store.create(facts, draft_report(facts, backend="template"), owner=f"browser:{client}")
    return did, client, store


def call(base: str, api_name: str, data: list, cookies: dict | None = None) -> tuple[str, object]:
    """Call one endpoint through Gradio's HTTP API; returns (event, data) of its last message."""
    r = httpx.post(f"{base}/gradio_api/call/{api_name}", json={"data": data}, cookies=cookies, timeout=30)
    assert r.status_code == 200, (api_name, r.status_code, r.text)
    event, payload = "", None
    with httpx.stream("GET", f"{base}/gradio_api/call/{api_name}/{r.json()['event_id']}", cookies=cookies,
                      timeout=120) as resp:
        for line in resp.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                payload = json.loads(line[6:])
    return event, payload


def snapshot(store: DraftStore, did: str, client: str) -> tuple:
    owner = f"browser:{client}"
    d = store.get(did, owner)
    return d.title, d.report.model_dump_json(), d.facts.model_dump_json(), len(store.versions(did, owner))


def test_every_endpoint_refuses_a_blank_client_id(serve_app, victim) -> None:
    did, client, store = victim
    before = snapshot(store, did, client)
    base = serve_app()
    config = httpx.get(f"{base}/config", timeout=30).json()
    comps = {c["id"]: c for c in config["components"]}
    client_box, draft_box = [c["id"] for c in config["components"] if c["type"] == "browserstate"]
    sections = [s.id for s in store.get(did, f"browser:{client}").report.sections]
    owning = [d for d in config["dependencies"] if client_box in d["inputs"]]
    assert len(owning) > 20  # load, drafts list, import, generate, every box's edit/blur/regenerate, export, ...
    def attempt(blank: str | None, dep: dict) -> str | None:
        """What went wrong when ``dep`` is called with a blank client id (None: refused as it must be)."""
        data = []
        for i in dep["inputs"]:
            if i == client_box:
                data.append(blank)
            elif i == draft_box:
                data.append(did)
            elif comps[i]["type"] == "state":
                data.append(sections)
            else:
                data.append(comps[i].get("props", {}).get("value"))
        event, payload = call(base, dep["api_name"], data)
        shown = json.dumps(payload, ensure_ascii=False)
        if dep["api_name"] == "on_load":  # a new browser: it is given a fresh id, and sees nothing of hers
            if event == "complete" and payload[0] and payload[0] != client and before[0] not in shown:
                return None
        elif event == "error" and REFUSED in shown:
            return None
        return f"{dep['api_name']} with client id {blank!r}: {event} {shown[:300]}"

    # every endpoint with no id at all; with an empty id, one endpoint per handler (Gradio names a
    # handler's further listeners name_1, name_2…: the per-box edits share one guarded function)
    handlers = {re.sub(r"_\d+$", "", d["api_name"]): d for d in reversed(owning)}
    calls = [(None, d) for d in owning] + [("", d) for d in handlers.values()]
    with ThreadPoolExecutor(max_workers=4) as pool:
        wrong = [w for w in pool.map(lambda a: attempt(*a), calls) if w]
    assert not wrong, wrong
    assert snapshot(store, did, client) == before


def test_config_publishes_no_server_secret_and_nothing_relies_on_its_key(serve_app, victim, tmp_path: Path) -> None:
    """Gradio sends the BrowserState key to every page: it is declared public, and knowing it together
    with her draft id gives another caller nothing."""
    did, client, store = victim
    base = serve_app()
    config = httpx.get(f"{base}/config", timeout=30).json()
    published = {c["props"]["secret"] for c in config["components"] if c["type"] == "browserstate"}
    data = tmp_path / "var"
    assert not list(data.glob("*secret*"))
    assert published == {(data / "browser_state_key").read_text(encoding="utf-8").strip()}
    title = store.get(did, f"browser:{client}").title
    for api_name in ("after_change", "export_as_md", "check_draft"):
        event, payload = call(base, api_name, ["e1" * 16, did] + [None] * (3 if api_name == "check_draft" else 0))
        assert event == "complete" and title not in json.dumps(payload, ensure_ascii=False), (api_name, payload)


def login(base: str, password: str = PASSWORD, client: httpx.Client | None = None) -> httpx.Response:
    return (client or httpx).post(f"{base}/login", data={"username": USER, "password": password}, timeout=30)


def test_cancel_and_reset_need_a_login_under_auth(serve_app) -> None:
    base = serve_app(auth=f"{USER}:{PASSWORD}")
    cancel = {"session_hash": "abcdefghijk", "fn_index": 7, "event_id": "0" * 32}
    reset = {"event_id": "0" * 32}
    assert httpx.post(f"{base}/gradio_api/cancel", json=cancel, timeout=30).status_code == 401
    assert httpx.post(f"{base}/gradio_api/reset", json=reset, timeout=30).status_code == 401
    with httpx.Client() as logged_in:
        assert login(base, client=logged_in).status_code == 200
        assert logged_in.post(f"{base}/gradio_api/cancel", json=cancel, timeout=30).status_code == 200
        assert logged_in.post(f"{base}/gradio_api/reset", json=reset, timeout=30).status_code == 200


def test_repeated_wrong_passwords_make_that_client_wait(serve_app) -> None:
    base = serve_app(auth=f"{USER}:{PASSWORD}")
    for _ in range(5):  # free attempts (draftkit.ui.guard.FREE_ATTEMPTS)
        assert login(base, "wrong").status_code == 400
    blocked = login(base)  # even the right password waits its turn
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
    other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    with other:  # another client is not held up
        assert login(base, client=other).status_code == 200
    time.sleep(int(blocked.headers["retry-after"]) + 0.1)
    assert login(base, "wrong").status_code == 400  # the wait doubles after each further wrong password
    again = login(base)
    assert again.status_code == 429 and int(again.headers["retry-after"]) >= 2
    time.sleep(int(again.headers["retry-after"]) + 0.1)
    assert login(base).status_code == 200
    assert login(base, "wrong").status_code == 400  # a good login clears the count
    assert login(base, "wrong").status_code == 400


@pytest.fixture
def silent_server():
    """A model server that accepts connections and never answers (holds a regeneration for minutes)."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    listener.close()


def test_a_stranger_cannot_cancel_a_secretarys_running_job(serve_app, tmp_path: Path, repo_root: Path,
                                                          silent_server: str) -> None:
    """What Gradio's /cancel can do without a login: stop another session's running regeneration when its
    session hash is known. Under --auth it is now refused; the secretary herself can still cancel."""
    store = DraftStore(tmp_path / "var" / "drafts.sqlite3")
    facts = load_facts(repo_root / "samples" / "facts" / "qinghe_sanshi_2024.yaml")
    report = draft_report(facts, backend="template")
    did = store.create(facts, report, owner=f"user:{USER}")
    base = serve_app(auth=f"{USER}:{PASSWORD}")
    with httpx.Client(base_url=base, timeout=30) as her:
        assert login(base, client=her).status_code == 200
        config = her.get("/config").json()
        comps = {c["id"]: c for c in config["components"]}
        dep = next(d for d in config["dependencies"] if d["api_name"] == "on_regen")
        client_box, draft_box = [c["id"] for c in config["components"] if c["type"] == "browserstate"]
        labels = {comps[i].get("props", {}).get("label"): i for i in dep["inputs"]}
        wanted = {client_box: "c3" * 16, draft_box: did, labels["生成后端"]: "openai",
                  labels["接口地址（base URL）"]: silent_server, labels["模型名称或 GGUF 路径"]: "qwen"}
        data = [wanted.get(i, comps[i].get("props", {}).get("value")) for i in dep["inputs"]]
        session = "s" + "7" * 10
        load = next(d for d in config["dependencies"] if d["api_name"] == "on_load")  # opens the draft in her session
        opened = her.post("/gradio_api/queue/join", json={"data": ["c3" * 16, did], "fn_index": load["id"],
                                                          "session_hash": session, "event_data": None,
                                                          "trigger_id": None})
        assert opened.status_code == 200, opened.text
        with her.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}, timeout=60) as r:
            for line in r.iter_lines():
                if line.startswith("data: ") and json.loads(line[6:]).get("msg") == "process_completed":
                    break
        joined = her.post("/gradio_api/queue/join", json={"data": data, "fn_index": dep["id"], "session_hash": session,
                                                          "event_data": None, "trigger_id": None})
        assert joined.status_code == 200, joined.text
        event_id = joined.json()["event_id"]
        messages: list[dict] = []

        def listen() -> None:
            with her.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}, timeout=200) as r:
                for line in r.iter_lines():
                    if line.startswith("data: "):
                        messages.append(json.loads(line[6:]))
                        if messages[-1].get("msg") == "process_completed":
                            return

        import threading

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        deadline = time.monotonic() + 60
        while not any(m.get("msg") == "process_starts" for m in messages) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any(m.get("msg") == "process_starts" for m in messages), messages
        body = {"session_hash": session, "fn_index": dep["id"], "event_id": event_id}
        # Gradio would cancel her task (it waits for the model call in the worker thread to return first)
        stranger = httpx.post(f"{base}/gradio_api/cancel", json=body, timeout=10)
        assert stranger.status_code == 401
        time.sleep(2)
        assert not any(m.get("msg") == "process_completed" for m in messages), f"the stranger stopped her job: {messages}"

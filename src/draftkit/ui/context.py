"""What the UI's callbacks share: settings, the open index, the drafts store, the folders it writes."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from draftkit.config import Settings
from draftkit.retrieval import Index
from draftkit.retrieval.base import index_location
from draftkit.retrieval.milvus import MilvusUnavailable
from draftkit.retrieval.milvus import has_index as milvus_has_index
from draftkit.store.drafts import DraftStore, Owner
from draftkit.store.users import Access, UserStore
from draftkit.workspace import Workspace

log = logging.getLogger(__name__)
DEFAULT_UPLOAD_LIMIT_MB = 20


#: Client ids the server hands out are 32 hex digits; anything shorter (blank, "null", "undefined") is no id.
CLIENT_ID_MIN_CHARS = 16
BROWSER_KEY_FILE = "browser_state_key"
LEGACY_SECRET_FILE = "ui_secret"  # the same value under its old, misleading name


def browser_state_key(data_dir: Path) -> str:
    """The key Gradio's BrowserState uses to scramble what the page keeps in localStorage.

    It is not a secret: Gradio sends it to every page in ``/config`` (the browser itself encrypts), so
    nothing relies on it. Who may open a draft rests on the client id (a random 128-bit id the server
    issues, kept by the browser like a session cookie) or, under ``--auth``, the login. The value is
    kept in the data folder only so that what browsers stored stays readable after a restart; a value
    from the old ``ui_secret`` file is taken over (and that file removed) so no browser loses its draft.
    """
    path = data_dir / BROWSER_KEY_FILE
    legacy = data_dir / LEGACY_SECRET_FILE
    if not path.is_file() and legacy.is_file():
        os.replace(legacy, path)
    if path.is_file():
        value = path.read_text(encoding="utf-8").strip()
        if len(value) >= 16:
            legacy.unlink(missing_ok=True)
            return value
    value = secrets.token_urlsafe(24)
    path.write_text(value, encoding="utf-8")
    legacy.unlink(missing_ok=True)
    return value


@dataclass
class AppContext:
    settings: Settings
    index_dir: Path | str  # a directory, or a Milvus URI (retrieval/base.py)
    data_dir: Path
    store: DraftStore
    export_dir: Path
    upload_dir: Path
    browser_key: str  # public: see ``browser_state_key``
    upload_limit_mb: int = DEFAULT_UPLOAD_LIMIT_MB
    workspace: Workspace | None = field(default=None, repr=False)  # the index, through the front door
    _warm: threading.Event = field(default_factory=threading.Event, repr=False)

    def __post_init__(self) -> None:
        if self.workspace is None:
            self.workspace = Workspace(self.index_dir, settings=self.settings)

    @classmethod
    def from_settings(cls, settings: Settings, index_dir: Path | None = None,
                      upload_limit_mb: int = DEFAULT_UPLOAD_LIMIT_MB) -> AppContext:
        data = Path(settings.data_dir).resolve()
        export_dir = data / "exports"
        upload_dir = data / "corpus"
        for d in (data, export_dir, upload_dir):
            d.mkdir(parents=True, exist_ok=True)
        location = index_location(index_dir, settings)
        return cls(
            settings=settings,
            index_dir=location.resolve() if isinstance(location, Path) else location,
            data_dir=data,
            store=DraftStore(settings.database_url or data / "drafts.sqlite3"),
            export_dir=export_dir,
            upload_dir=upload_dir,
            browser_key=browser_state_key(data),
            upload_limit_mb=upload_limit_mb,
        )

    @property
    def gradio_dir(self) -> Path:
        """Where Gradio keeps uploads and the files it serves (GRADIO_TEMP_DIR)."""
        return self.data_dir / "gradio"

    def has_index(self) -> bool:
        """Whether the configured location holds an index. A Milvus server that does not answer counts as
        holding one: the app neither builds the samples into it nor fails; opening it gives the error that
        says what to fix (drafting goes on without exemplars, search shows the error)."""
        if isinstance(self.index_dir, str):  # Milvus: its collections exist
            try:
                return milvus_has_index(self.index_dir, self.settings)
            except MilvusUnavailable as exc:
                log.warning("%s", exc)
                return True
        return (self.index_dir / "manifest.json").is_file()

    def index(self) -> Index | None:
        """The open index, or None when there is none yet (drafting then works without exemplars)."""
        return self.workspace.index

    def index_for_drafting(self) -> tuple[Index | None, str]:
        """The index, or None with the reason (drafting and checks go on without it rather than fail)."""
        try:
            index = self.index()
        except Exception as exc:  # a stale index names the command that rebuilds it
            return None, f"语料库索引无法打开，本次不引用往年段落：{exc}"
        return index, "" if index is not None else "还没有语料库索引，本次不引用往年段落。"

    def warm_up(self) -> None:
        """Open the index and load the embedder in the background (once), so the first search or draft
        does not wait for it. Started by the first page load, or by ``warm_up_later``'s timer."""
        if self._warm.is_set():
            return
        self._warm.set()

        def run() -> None:
            try:
                index = self.index()
                if index is not None:
                    index.search("主题党日", k=1)
            except Exception as exc:  # shown again, with the fix, when she searches
                log.warning("warm-up failed: %s", exc)

        threading.Thread(target=run, daemon=True, name="draftkit-warm-up").start()

    def skip_warm_up(self) -> None:
        self._warm.set()

    def warm_up_later(self, delay: float) -> None:
        timer = threading.Timer(delay, self.warm_up)
        timer.daemon = True
        timer.start()

    def reload_index(self) -> None:
        """Drop the open index so the next call reopens it (after the corpus changed)."""
        self.workspace.reload()

    @property
    def users(self) -> UserStore:
        """The accounts, in the drafts database."""
        return UserStore(self.store.db)

    def owner(self, request: Any, client_id: str | None) -> Owner:
        """Whose drafts a session sees: a signed-in account's ``Access`` (role and unit), else the login
        name under ``--auth``, else the browser's client id. Every callback asks this from the request the
        server authenticated, never from what the page sends, so a guessed draft id or an API call
        reaches only what the account may see (store/drafts.py).

        Raises ``gr.Error`` (the request is refused) when there is neither a login nor a client id: a blank
        or missing id (``null``, ``""``) never matches a draft, since the store reads ``owner=None`` as
        "anyone's".
        """
        username = getattr(request, "username", None) if request is not None else None
        if username:
            user = self.users.get(username)
            return user.access if user is not None else f"user:{username}"
        if not self.is_client_id(client_id):
            import gradio as gr

            raise gr.Error("无法识别当前浏览器（缺少客户端标识），请求已拒绝。请刷新页面后重试。", title="已拒绝")
        return f"browser:{client_id.strip()}"

    @staticmethod
    def is_client_id(value: Any) -> bool:
        """True for a usable client id (a string of at least ``CLIENT_ID_MIN_CHARS`` characters)."""
        return isinstance(value, str) and len(value.strip()) >= CLIENT_ID_MIN_CHARS

    def owner_folder(self, owner: Owner, *parts: str) -> Path:
        """A folder under the export directory private to one owner (name hashed, never user text)."""
        name = owner.owner if isinstance(owner, Access) else owner
        key = hashlib.sha256((name or "anonymous").encode("utf-8")).hexdigest()[:16]
        folder = self.export_dir.joinpath(key, *parts)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

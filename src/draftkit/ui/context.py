"""What the UI's callbacks share: settings, the open index, the drafts store, the export folder."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from draftkit.config import Settings
from draftkit.drafts import DraftStore

if TYPE_CHECKING:
    from draftkit.retrieval import Index


@dataclass
class AppContext:
    settings: Settings
    index_dir: Path
    store: DraftStore
    export_dir: Path
    upload_limit_mb: int = 20
    _index: Index | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, index_dir: Path | None = None) -> AppContext:
        data = Path(settings.data_dir).resolve()
        export_dir = data / "exports"
        export_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            settings=settings,
            index_dir=Path(index_dir or settings.index_dir).resolve(),
            store=DraftStore(data / "drafts.sqlite3"),
            export_dir=export_dir,
        )

    def index(self) -> Index | None:
        """The open index, or None when there is none yet (drafting then works without exemplars)."""
        from draftkit.retrieval import Index

        with self._lock:
            if self._index is None and (self.index_dir / "manifest.json").exists():
                self._index = Index.open(self.index_dir, settings=self.settings)
            return self._index

    def reload_index(self) -> None:
        """Drop the open index so the next call reopens it (after the corpus changed)."""
        with self._lock:
            if self._index is not None and hasattr(self._index, "close"):
                self._index.close()
            self._index = None

"""The base of every error draftkit raises on purpose.

``except DraftkitError`` catches a bad input file, an index that needs rebuilding, a failed model
call and the like, each with a message that names the file, server or setting and the problem;
anything else that escapes is a bug. Each area keeps its own subclass (``IngestError``,
``IndexUnavailable``, ``BackendError``, ``FactsError`` …) so callers can tell them apart.
"""

from __future__ import annotations

__all__ = ["DraftkitError"]


class DraftkitError(Exception):
    """An expected failure with a message fit to show the user."""

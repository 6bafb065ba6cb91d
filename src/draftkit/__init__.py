"""draftkit: draft, search and review Chinese school Party-building year-end reports."""

__version__ = "0.1.0"

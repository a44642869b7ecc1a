"""The small exception family of Gita Tales.

Every message says what happened and what the user can do next. Pages and the
command line turn these into friendly messages at the edge; nothing inside the
engine returns error strings as data.
"""

from __future__ import annotations


class GitaError(Exception):
    """Base class: something the user can understand and usually fix."""

    #: exit status the command line uses for this kind of error
    exit_code = 1


class InvalidInput(GitaError):
    """Input text that cannot be used (empty, far too long, unreadable)."""

    exit_code = 2


class VerseNotFound(InvalidInput):
    """A verse reference that does not exist in the Gita."""


class DataError(GitaError):
    """Bundled data is missing or damaged."""

    exit_code = 3


class ModelError(GitaError):
    """A model file is missing, corrupt or cannot be loaded."""

    exit_code = 4


class StorageError(GitaError):
    """The local database could not be read or written."""

    exit_code = 5

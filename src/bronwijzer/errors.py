"""One tree of errors meant for the user: the CLI and the UI catch ``BronwijzerError``.

Every message says what went wrong and, where there is one, what to do about it.
Other exceptions are bugs and keep their traceback.
"""

from __future__ import annotations


class BronwijzerError(Exception):
    """Base of every error Bronwijzer reports to its user."""


class IndexStateError(BronwijzerError):
    """The index is missing, stale, unreadable or not writable (the message says which)."""


class ModelError(BronwijzerError):
    """The embedding model cannot be found, converted or loaded."""


class ModelMismatchError(BronwijzerError):
    """An index is being queried with another model than the one that built it."""


class QuestionError(BronwijzerError, ValueError):
    """A question that cannot be asked (empty, too long, no words): the message says why."""


class CiteError(BronwijzerError):
    """A citation lookup without a result (unknown footnote, no matching source)."""


class IngestError(BronwijzerError):
    """A corpus file that cannot be read; the message names the file.

    ``reason`` holds the bare reason, e.g. ``"encrypted"`` or ``"empty file"``.
    """

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message


class LimitError(IngestError):
    """A file refused because reading it would pass a limit.

    Args:
        name: the document name.
        what: what passed the limit, e.g. ``"312 MB uncompressed"``.
        setting: the ``Settings`` field of the limit, e.g. ``"max_unzipped_mb"``.
        bound: the limit in force, as the report shows it (``"100 MB"``).
    """

    def __init__(self, name: str, what: str, setting: str, bound: str) -> None:
        reason = f"refused: {what}, past the limit of {bound} ({setting})"
        super().__init__(f"{name}: {reason}", reason)
        self.setting = setting


class UploadError(BronwijzerError, ValueError):
    """An upload that is refused: the message says why."""


class BatchInputError(BronwijzerError, ValueError):
    """A question list or output path that cannot be used (type, encoding, columns)."""


class FetchError(BronwijzerError):
    """A download of a cited source that failed; the message says why."""


class FeedbackError(BronwijzerError, ValueError):
    """A vote that cannot be recorded (unknown vote, no question): the message says why."""


class LoginError(BronwijzerError, ValueError):
    """A login given to ``serve`` (``--auth``/``--auth-file``) that cannot be used."""

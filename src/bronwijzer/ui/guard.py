"""What stands between the browser UI and a hostile visitor (issue 21).

- **Host and Origin**: only ``localhost``/``127.0.0.1``, the names the server is served
  under (``--host``, ``Settings.allowed_hosts``) and plain addresses are accepted as
  ``Host`` (as Starlette's ``TrustedHostMiddleware`` does, plus addresses, which DNS
  rebinding cannot use); an upload whose ``Origin`` is another site is refused.
- **Read-only writes nothing**: served beyond loopback without a login, uploads (Gradio's
  ``/gradio_api/upload`` included) and every event that writes or reads a user's file
  (feedback, batch, column parsing, adding sources) are refused, page and API alike.
- **Login**: a client with ``login_max_failures`` wrong passwords in a row is locked out for
  ``login_lockout_s``; logins come from a file or ``BRONWIJZER_AUTH``, not the command line.
- **Bounded feedback**: votes per session per minute (``feedback_per_minute``); the sizes
  are checked by ``bronwijzer.feedback``.
- **Temporary files**: batch and export folders and Gradio's upload cache are removed
  after an hour.
"""

from __future__ import annotations

import functools
import inspect
import ipaddress
import os
import shutil
import socket
import tempfile
import threading
import time
import typing
from collections import defaultdict, deque
from pathlib import Path

# refused when read-only (``Actions.batch`` and ``Actions.upload`` refuse themselves, and
# the files they would read cannot be uploaded: ``RequestGuard``)
REFUSED_EVENTS = ("feedback", "vote", "batch_columns")
TEMP_PREFIXES = ("bronwijzer-batch-", "bronwijzer-export-")
TEMP_MAX_AGE_S = 3600
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def allowed_hosts(settings) -> list[str]:
    """The ``Host`` names the server answers to (besides any address).

    Args:
        settings: ``host`` (a name or address to serve on) and ``allowed_hosts`` (more
            names, comma-separated: a reverse proxy's).

    Returns:
        The names: loopback, the ``--host`` name, the extra names, and when bound to all
        interfaces (``0.0.0.0``) this machine's names.
    """
    names = list(LOOPBACK_NAMES)
    names += [n.strip().lower() for n in str(getattr(settings, "allowed_hosts", "") or "").split(",")
              if n.strip()]
    if settings.host in ("0.0.0.0", "::", ""):
        names += _own_names()
    else:
        names.append(settings.host.lower())
    return list(dict.fromkeys(names))


def _own_names() -> list[str]:
    try:
        host = socket.gethostname()
        _, aliases, addresses = socket.gethostbyname_ex(host)
        return [host, socket.getfqdn(), *aliases, *addresses]
    except OSError:
        return []


class LoginThrottle:
    """Failed logins per client: ``max_failures`` in a row lock the client out for ``lockout_s``."""

    def __init__(self, max_failures: int, lockout_s: float) -> None:
        self.max_failures, self.lockout_s = max_failures, lockout_s
        self._failures: dict[str, int] = defaultdict(int)
        self._locked: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked(self, client: str) -> float:
        """Seconds the client is still locked out (0: it may try)."""
        with self._lock:
            until = self._locked.get(client, 0.0)
            if until and until <= time.monotonic():
                self._locked.pop(client, None)
                self._failures.pop(client, None)
                return 0.0
            return max(0.0, until - time.monotonic())

    def record(self, client: str, success: bool) -> None:
        """Count a login attempt's outcome."""
        with self._lock:
            if success:
                self._failures.pop(client, None)
                return
            self._failures[client] += 1
            if self._failures[client] >= self.max_failures:
                self._locked[client] = time.monotonic() + self.lockout_s


class RequestGuard:
    """ASGI middleware: uploads refused when read-only or from another site's page, and
    the login throttled per client.

    Args:
        app: the ASGI app (Gradio's).
        hosts: the accepted host names (for the ``Origin`` check).
        read_only: refuse uploads.
        throttle: the ``LoginThrottle``.
    """

    def __init__(self, app, hosts: list[str], read_only: bool, throttle: LoginThrottle) -> None:
        self.app, self.hosts, self.read_only, self.throttle = app, set(hosts), read_only, throttle

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket") and not self._host_ok(scope):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await _reply(send, 400, "Invalid host header")
        if scope["type"] != "http" or scope.get("method") != "POST":
            return await self.app(scope, receive, send)
        path = scope.get("path", "").rstrip("/")
        if path.endswith("/upload"):
            refusal = self._upload_refusal(scope)
            if refusal:
                return await _reply(send, 403, refusal)
        if path.endswith("/login"):
            return await self._login(scope, receive, send)
        return await self.app(scope, receive, send)

    def _host_ok(self, scope) -> bool:
        """A known name, or an address (DNS rebinding needs a name: an address is safe)."""
        host = _host_name(_header(scope, b"host"))
        if host in self.hosts:
            return True
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True

    def _upload_refusal(self, scope) -> str | None:
        if self.read_only:
            return "This server is read-only: uploads are switched off."
        origin = _header(scope, b"origin")
        if origin and origin != "null":
            host = _host_name(origin.split("://", 1)[-1].split("/", 1)[0])
            if host != _host_name(_header(scope, b"host")) and host not in self.hosts:
                return "Uploads are accepted from this server's own page only."
        return None

    async def _login(self, scope, receive, send) -> None:
        client = (scope.get("client") or ("?", 0))[0]
        wait = self.throttle.locked(client)
        if wait:
            return await _reply(send, 429, f"Too many failed logins: try again in {wait:.0f} s.")
        status = {}

        async def watch(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)
        await self.app(scope, receive, watch)
        self.throttle.record(client, status.get("code", 500) < 400)


def _host_name(host: str) -> str:
    """``host[:port]`` or ``[v6]:port`` without the port and brackets, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


async def _reply(send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def app_kwargs(settings, read_only: bool) -> dict:
    """``launch(app_kwargs=...)``: the Host check and the ``RequestGuard`` on Gradio's app.

    Args:
        settings: host names and login limits.
        read_only: refuse uploads.

    Returns:
        FastAPI keyword arguments (its ``middleware``).
    """
    from starlette.middleware import Middleware
    hosts = allowed_hosts(settings)
    throttle = LoginThrottle(settings.login_max_failures, settings.login_lockout_s)
    return {"middleware": [Middleware(RequestGuard, hosts=hosts, read_only=read_only,
                                      throttle=throttle)]}


class SessionRate:
    """At most ``per_minute`` events per session (or client) in any minute."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Whether one more event of ``key`` fits (and count it when it does)."""
        now = time.monotonic()
        with self._lock:
            seen = self._seen[key]
            while seen and seen[0] <= now - 60:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return False
            seen.append(now)
            return True


def guard_events(demo, read_only: bool, settings) -> None:
    """Wrap the app's events that write or read a user's file.

    Read-only: each of ``REFUSED_EVENTS`` raises a ``gr.Error`` (page and API alike).
    Otherwise feedback is limited to ``feedback_per_minute`` per session.

    Args:
        demo: the ``gr.Blocks`` (before launch).
        read_only: refuse those events.
        settings: the feedback rate.
    """
    rate = SessionRate(settings.feedback_per_minute)
    for block_fn in _functions(demo):
        name = getattr(block_fn.fn, "__name__", "")
        if name not in REFUSED_EVENTS:
            continue
        if read_only:
            block_fn.fn = _refusing(block_fn.fn, name)
        elif name in ("feedback", "vote"):
            block_fn.fn = _rated(block_fn.fn, rate)


def _functions(demo) -> list:
    fns = getattr(demo, "fns", {})
    return list(fns.values() if isinstance(fns, dict) else fns)


def _refusing(fn, name: str):
    @functools.wraps(fn)
    def refuse(*args, **kwargs):
        import gradio as gr
        raise gr.Error(f"This server is read-only: {name.replace('_', ' ')} is switched off.")
    return refuse


def _rated(fn, rate: SessionRate):
    """``fn`` with a ``gr.Request`` parameter added last, refusing past the session's rate."""
    import gradio as gr
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    defaults = any(p.default is not inspect.Parameter.empty for p in params)
    kind = inspect.Parameter.KEYWORD_ONLY if defaults else inspect.Parameter.POSITIONAL_OR_KEYWORD
    extra = inspect.Parameter("bw_request", kind, default=None, annotation=gr.Request)

    @functools.wraps(fn)
    def rated(*args, bw_request=None, **kwargs):
        request = bw_request if len(args) <= len(params) else args[len(params)]
        args = args[:len(params)]  # Gradio passes the request last, by position or by name
        key = getattr(request, "session_hash", None) or getattr(
            getattr(request, "client", None), "host", "?")
        if not rate.allow(str(key)):
            raise gr.Error("Too many votes in a minute from this session: try again shortly.")
        return fn(*args, **kwargs)
    rated.__signature__ = signature.replace(parameters=[*params, extra])
    # resolved here, in ``fn``'s module: Gradio finds its special arguments (``gr.LikeData``,
    # ``gr.Request``) by the wrapper's type hints, and string annotations would not resolve
    rated.__annotations__ = {**_type_hints(fn), "bw_request": gr.Request}
    del rated.__wrapped__
    return rated


def _type_hints(fn) -> dict:
    """``fn``'s annotations as objects (``{}`` when they cannot be resolved)."""
    try:
        return typing.get_type_hints(fn)
    except (NameError, TypeError):
        return {}


def header_columns(path: Path, settings) -> tuple[list[str], str | None]:
    """The header of an uploaded question list, reading no more than its first rows.

    An .xlsx is refused when it unpacks past ``max_unzipped_mb``; a .csv is read from its
    first 64 KB.

    Args:
        path: the .csv/.xlsx/.jsonl/.txt file.
        settings: the limits.

    Returns:
        The column names and the question column found (see ``batch.runner.question_columns``).

    Raises:
        BronwijzerError: a file past a limit or unreadable.
    """
    from bronwijzer.batch.questions import QUESTION_NAMES, table_header
    from bronwijzer.corpus.limits import ParseLimits, check_zip
    path = Path(path)
    kind = path.suffix.lower()
    if kind == ".xlsx":
        check_zip(path, path.name, ParseLimits.from_settings(settings))
        header = table_header(_sheet_head(path))
    elif kind == ".csv":
        header = table_header(_csv_head(path))
    else:
        return [], None
    lowered = [h.lower() for h in header]
    found = next((header[lowered.index(n)] for n in QUESTION_NAMES if n in lowered), None)
    return [h for h in header if h], found


def _sheet_head(path: Path, rows: int = 20) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    from bronwijzer.errors import BatchInputError
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable workbook
        raise BatchInputError(f"{path.name} is not a readable .xlsx file ({error})") from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        cells = sheet.iter_rows(max_row=rows, values_only=True) if sheet is not None else []
        return [(n, list(c)) for n, c in enumerate(cells, 1)]
    finally:
        book.close()


def _csv_head(path: Path, size: int = 65536) -> list[tuple[int, list]]:
    import csv
    import io
    with open(path, "rb") as handle:
        data = handle.read(size)
    text = data.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()[:20]
    sample = "\n".join(lines)
    delimiter = max(";,\t", key=sample.count) if sample else ","
    return [(n, row) for n, row in enumerate(csv.reader(io.StringIO(sample), delimiter=delimiter), 1)]


def clean_temp(max_age_s: float = TEMP_MAX_AGE_S, folder: str | None = None) -> int:
    """Remove batch and export folders older than ``max_age_s``.

    Returns:
        How many were removed.
    """
    root, removed = Path(folder or tempfile.gettempdir()), 0
    for path in root.glob("bronwijzer-*"):
        try:
            old = time.time() - path.stat().st_mtime > max_age_s
            if path.name.startswith(TEMP_PREFIXES) and path.is_dir() and old:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


def start_cleaning(demo, every_s: float = 600) -> None:
    """Clean the temporary folders now and every ``every_s`` while serving, and have Gradio
    delete its upload cache after an hour (``delete_cache``)."""
    demo.delete_cache = (int(every_s), TEMP_MAX_AGE_S)

    def loop() -> None:
        while True:
            clean_temp()
            time.sleep(every_s)
    threading.Thread(target=loop, name="bronwijzer-clean-temp", daemon=True).start()


def read_env_auth() -> list[str]:
    """Logins from ``BRONWIJZER_AUTH`` (``USER:PASSWORD``, several on separate lines)."""
    return [line for line in os.environ.get("BRONWIJZER_AUTH", "").splitlines() if line.strip()]


LOGIN_MESSAGE = ("Sign in with the name and password you were given. After "
                 "{n} wrong tries the sign-in is locked for {m} minutes.")

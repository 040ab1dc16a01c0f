"""Commands of the browser app: ``serve`` it, and export its ``feedback``."""

from __future__ import annotations

from pathlib import Path

from bronwijzer.cli.command import command
from bronwijzer.settings import Settings


def serve_options(p) -> None:
    """Options of ``bronwijzer serve``."""
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--auth", metavar="USER:PASSWORD", help="deprecated: `ps` shows the password; "
                   "use --auth-file or BRONWIJZER_AUTH (USER:PASSWORD lines)")
    p.add_argument("--auth-file", type=Path, help="a file of USER:PASSWORD lines to log in with "
                   "(or set BRONWIJZER_AUTH)")
    p.add_argument("--read-only", action="store_true", help="no uploads, rebuilds or batches")


@command("serve", "open the browser app: chat, citation lookup, batch, corpus", serve_options,
         "Open the browser app. On this computer only (the default) anyone on it may add "
         "documents; served to others (--host 0.0.0.0) it asks for a login (--auth-file "
         "or BRONWIJZER_AUTH) or else runs read-only.")
def cmd_serve(args, settings: Settings) -> int:
    """Serve the browser app until stopped."""
    from bronwijzer.ui.app import read_auth, serve
    auth = read_auth(args.auth, args.auth_file)
    serve(settings.with_(host=args.host, port=args.port), auth=auth, read_only=args.read_only)
    return 0


def feedback_options(p) -> None:
    """Options of ``bronwijzer feedback``."""
    p.add_argument("--csv", type=Path, help="write the votes to this CSV file")


@command("feedback", "export the thumbs up/down that users gave answers in the browser app",
         feedback_options, common=False)
def cmd_feedback(args, settings: Settings) -> int:
    """Count the votes given in the browser app, or write them to a CSV file."""
    from bronwijzer import feedback
    path = settings.home / feedback.FILE_NAME
    entries = feedback.read(path)
    if args.csv:
        n = feedback.export_csv(path, args.csv)
        print(f"{n} votes -> {args.csv}")
        return 0
    up = sum(e.get("vote") == "up" for e in entries)
    print(f"{len(entries)} votes in {path}: {up} up, {len(entries) - up} down"
          + ("; export them with --csv FILE" if entries else ""))
    return 0

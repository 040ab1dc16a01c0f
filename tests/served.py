"""Launching the app for tests on a port Gradio itself finds free.

Gradio tries its ports in turn and moves on when starting the server on one fails, so
two test runs cannot race for the same port (as a port found free and released could).
"""

from __future__ import annotations


def launch(demo, host: str = "127.0.0.1", **kwargs) -> str:
    """Launch ``demo`` in the background; returns its loopback URL."""
    demo.launch(prevent_thread_lock=True, server_name=host, server_port=None, quiet=True,
                **kwargs)
    return f"http://127.0.0.1:{demo.server_port}/"

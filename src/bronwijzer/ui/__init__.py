"""The browser UI (Gradio): the app, its actions and its HTML rendering."""

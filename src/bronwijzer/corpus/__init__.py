"""Reading documents: the corpus loader, article footnotes, PDF, HTML, linking cited sources, fetching."""

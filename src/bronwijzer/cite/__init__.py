"""Citations: footnotes, references, claims, and questions about them."""

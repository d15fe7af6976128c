"""The subscriber site: an MkDocs plugin that turns the catalogue into pages."""

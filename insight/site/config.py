"""The plugin's options, as written under `plugins: - insight:` in mkdocs.yml."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c

from insight.edition import Edition


class InsightConfig(base.Config):
    # A project folder rather than separate source and PDF folders, so that where
    # things live is said once, in insight.project.Project; tests point it at fixtures.
    project = c.Optional(c.Dir(exists=True))
    """The folder holding briefings/ and build/pdf/; default: the folder of mkdocs.yml."""

    addresses = c.DictOfItems(c.URL(is_dir=True), default={})
    """The address each edition is published at, e.g. {public: https://example.org/insight/};
    the environment variable INSIGHT_SITE_URL replaces it for one build."""

    edition = c.Choice([e.value for e in Edition], default=Edition.subscriber.value)
    """Which edition to build: 'subscriber' (everything) or 'public' (the abstracts);
    `build.py build --edition` sets it."""

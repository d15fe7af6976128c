"""The address an edition is published at, which every absolute link is made from:
canonical links, the sitemap, the feed, citation files and sharing metadata.

Each edition has its own in mkdocs.yml (the insight plugin's `addresses`); the
environment variable INSIGHT_SITE_URL, when set, replaces it for one build, e.g.
for a copy of the site served under another host or path.
"""

from __future__ import annotations

import re

from insight.edition import Edition

ENVIRONMENT = "INSIGHT_SITE_URL"
# The theme writes the address into every page's canonical link unescaped, so an allow-list:
# a scheme, a host (and port), a path of safe characters; no query, fragment or credentials.
SAFE_ADDRESS = re.compile(
    r"https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~-]*)*/"
)


def override_problem(override: str | None) -> str | None:
    """What is wrong with INSIGHT_SITE_URL's value, for the command line to say before it
    builds anything; None when it is unset or an address."""
    if not override:
        return None
    from mkdocs.exceptions import PluginError

    try:
        site_address({}, Edition.public, override)
    except PluginError as exc:
        return str(exc)
    return None


def site_address(addresses: dict[str, str], edition: Edition, override: str | None) -> str | None:
    """The edition's address: INSIGHT_SITE_URL when set (not empty), else mkdocs.yml's."""
    if not override:
        return addresses.get(edition.value)
    # Imported only for an address to check: the command line asks before it builds.
    from mkdocs.config import config_options
    from mkdocs.exceptions import PluginError

    # An absolute http(s) address, given a trailing slash, as MkDocs's own site_url.
    try:
        address = config_options.URL(is_dir=True).validate(override.strip())
    except Exception as exc:  # MkDocs's ValidationError: say which setting was wrong
        raise PluginError(
            f"{ENVIRONMENT}={override!r} is not a site address: {exc} "
            "(set it to e.g. https://example.org/insight/ or unset it)"
        ) from None
    if not SAFE_ADDRESS.fullmatch(address):
        raise PluginError(
            f"{ENVIRONMENT}={override!r} is not a plain site address: it must be https:// or "
            "http://, a host name, and a path of letters, digits and - . _ ~ / only"
        )
    return address

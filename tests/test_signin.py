"""The OpenID Connect recipe in deploy/oidc/: Apache with mod_auth_openidc serving a built
subscriber edition and signing readers in at a stand-in identity provider (LemonLDAP::NG's
portal with its Demo accounts), all on 127.0.0.1 and nowhere else. The edition is a few
files standing in for a built one (tests/fixtures/signin/site/): what is tested is who
may fetch them, not how they were built.

The provider (tests/fixtures/signin/) illustratively makes dwho a subscriber: he is in the
group insight-subscribers and his organisation is example-council. rtyler is signed in by
the same provider but has neither. Every key, secret and passphrase is made for the run.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from tests.browsing import chromium, needs_chromium
from tests.conftest import ROOT
from tests.support import free_port

RECIPE = ROOT / "deploy" / "oidc"
SIGNIN_CONF = RECIPE / "insight-signin.conf"
SITE_CONF = RECIPE / "insight-subscriber.conf"
ENV_TEMPLATE = RECIPE / "insight-oidc.env.template"
FIXTURES = ROOT / "tests" / "fixtures" / "signin"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

APACHE = shutil.which("apache2", path="/usr/sbin:/usr/local/sbin")
MOD_AUTH_OPENIDC = Path("/usr/lib/apache2/modules/mod_auth_openidc.so")
PLACKUP = shutil.which("plackup")
PORTAL = Path("/usr/share/perl5/Lemonldap/NG/Portal/Main.pm")

PAGE = "/briefings/marked-briefing/"
PDF = "/pdf/marked-briefing.pdf"
SUBSCRIBER_TEXT = b"Shared services that last"
NOT_ENTITLED_TITLE = b"Your account does not include Insight"
SUBSCRIBER = ("dwho", "dwho")  # LemonLDAP::NG's Demo accounts: the password is the login
NOT_SUBSCRIBER = ("rtyler", "rtyler")
BY_GROUP = {
    "INSIGHT_ENTITLEMENT_CLAIM": "groups",
    "INSIGHT_ENTITLEMENT_VALUE": "insight-subscribers",
}
BY_ORGANISATION = {
    "INSIGHT_ENTITLEMENT_CLAIM": "organisation",
    "INSIGHT_ENTITLEMENT_VALUE": "example-council",
}
PUBLIC_SITE = "https://public.insight.invalid/"
PRIVATE = "private, no-cache"

pytestmark = pytest.mark.skipif(
    not (APACHE and MOD_AUTH_OPENIDC.exists() and PLACKUP and PORTAL.exists())
    or shutil.which("openssl") is None,
    reason="needs Apache with mod_auth_openidc and LemonLDAP::NG's portal with plackup:"
    " run 'python3 tasks.py setup' (debian-packages.txt)",
)


# --- The recipe's files ------------------------------------------------------------------


def settings_read_by(path: Path) -> set[str]:
    """The ${NAME}s Apache fills in from the environment, comments aside."""
    lines = path.read_text(encoding="utf-8").splitlines()
    directives = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    return set(re.findall(r"\$\{(\w+)\}", directives))


def template_settings() -> dict[str, str]:
    """The NAME=value lines of the environment template, as the shell reads them."""
    lines = ENV_TEMPLATE.read_text(encoding="utf-8").splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {name: " ".join(shlex.split(value)) for name, value in pairs}


def test_the_environment_template_names_every_setting_the_recipe_reads() -> None:
    assert set(template_settings()) == settings_read_by(SIGNIN_CONF) | settings_read_by(SITE_CONF)


def test_no_secret_or_provider_address_is_written_into_the_recipe() -> None:
    settings = template_settings()
    for name in (
        "INSIGHT_OIDC_PROVIDER_METADATA_URL",
        "INSIGHT_OIDC_CLIENT_ID",
        "INSIGHT_OIDC_CLIENT_SECRET",
        "INSIGHT_OIDC_CRYPTO_PASSPHRASE",
    ):
        assert settings[name] == "", f"{name} is the organisation's to fill in"
        assert f"${{{name}}}" in SIGNIN_CONF.read_text(encoding="utf-8")


def test_the_session_is_bounded_in_time_by_the_settings() -> None:
    text = SIGNIN_CONF.read_text(encoding="utf-8")
    assert "OIDCSessionInactivityTimeout ${INSIGHT_SESSION_IDLE_SECONDS}" in text
    assert "OIDCSessionMaxDuration ${INSIGHT_SESSION_MAX_SECONDS}" in text
    settings = template_settings()
    # 0 would mean "as long as the provider's token says": the template sets bounds of its own.
    assert 0 < int(settings["INSIGHT_SESSION_IDLE_SECONDS"]) <= 8 * 3600
    assert 0 < int(settings["INSIGHT_SESSION_MAX_SECONDS"]) <= 24 * 3600


# --- The servers, on loopback ------------------------------------------------------------


def fill(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    assert not re.search(r"@[A-Z_]+@", text), "a placeholder left unfilled"
    return text


def fill_json(value: object, values: dict[str, str]) -> object:
    if isinstance(value, dict):
        return {key: fill_json(item, values) for key, item in value.items()}
    return fill(value, values) if isinstance(value, str) else value


@dataclass
class Machine:
    """A private folder for everything the servers read and write, and the account they
    run as: under root, nobody (Apache will not serve as root), who may read only that."""

    folder: Path
    account: pwd.struct_passwd | None

    def own(self, path: Path) -> Path:
        if self.account:
            for part in [path, *path.rglob("*")]:
                os.chown(part, self.account.pw_uid, self.account.pw_gid)
        return path

    @contextmanager
    def running(self, command: list[str], name: str, port: int, ready: str, env: dict[str, str]):
        """`command` run as the machine's account while the caller needs it, once it answers
        200 at the path `ready` on `port` (else the test fails with what the server said)."""
        log = self.folder / f"{name}.log"
        account = {}
        if self.account:
            account = {"user": self.account.pw_uid, "group": self.account.pw_gid}
        with open(log, "wb") as output:
            process = subprocess.Popen(
                command,
                cwd=self.folder,
                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **env},
                stdout=output,
                stderr=subprocess.STDOUT,
                extra_groups=[] if self.account else None,
                **account,
            )
        try:
            wait_for(port, process, log)
            answer = Reader().get(f"http://127.0.0.1:{port}{ready}", accept="*/*")
            if answer.status != 200:
                pytest.fail(f"{name}: {answer.status} at {ready}: {log.read_text()[-3000:]}")
            yield
        finally:
            process.terminate()
            process.wait(timeout=10)


def wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{log.name}: {log.read_text(errors='replace')[-3000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail(f"{log.name}: not listening within 20 s: {log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def machine() -> Iterator[Machine]:
    folder = Path(tempfile.mkdtemp(prefix="insight-signin-"))
    folder.chmod(0o755)
    account = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
    try:
        yield Machine(folder, account)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Provider:
    url: str
    client_id: str
    client_secret: str
    site_ports: tuple[int, ...]  # registered as its clients: one site of the recipe each


@pytest.fixture(scope="module")
def provider(machine: Machine) -> Iterator[Provider]:
    """LemonLDAP::NG's portal as an OpenID Connect provider, with a signing key and a client
    secret made for this run, and the sites of the recipe registered as its clients."""
    home = machine.folder / "provider"
    for sub in ("conf", "sessions/lock", "psessions/lock"):
        (home / sub).mkdir(parents=True)
    key = home / "signing-key.pem"
    openssl = ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
    subprocess.run([*openssl, "-out", str(key)], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "pkey", "-in", str(key), "-pubout"], check=True, capture_output=True, text=True
    ).stdout
    port, *site_ports = (free_port() for _ in range(4))
    sites = [f"http://127.0.0.1:{p}" for p in site_ports]
    ours = Provider(
        f"http://127.0.0.1:{port}",
        "insight-" + secrets.token_hex(4),
        secrets.token_urlsafe(32),
        tuple(site_ports),
    )
    values = {
        "@PORTAL@": ours.url,
        "@DIR@": str(home),
        "@CLIENT_ID@": ours.client_id,
        "@CLIENT_SECRET@": ours.client_secret,
        "@KEY_ID@": secrets.token_hex(8),
        "@PRIVATE_KEY@": key.read_text(),
        "@PUBLIC_KEY@": public,
        # The provider's lists of addresses are separated by spaces.
        "@REDIRECT_URIS@": " ".join(f"{site}/oidc/callback" for site in sites),
        "@SIGNED_OUT_URIS@": " ".join(f"{site}/access/signed-out.html" for site in sites),
    }
    conf = json.loads((FIXTURES / "lmConf-1.json").read_text(encoding="utf-8"))
    (home / "conf" / "lmConf-1.json").write_text(json.dumps(fill_json(conf, values)))
    ini = home / "lemonldap-ng.ini"
    ini.write_text(fill((FIXTURES / "lemonldap-ng.ini").read_text(), values))
    machine.own(home)
    command = [str(PLACKUP), "-s", "HTTP::Server::PSGI", "--host", "127.0.0.1"]
    command += ["--port", str(port), str(FIXTURES / "portal.psgi")]
    discovery = "/.well-known/openid-configuration"
    with machine.running(command, "provider", port, discovery, {"LLNG_DEFAULTCONFFILE": str(ini)}):
        yield ours


@pytest.fixture(scope="module")
def published(machine: Machine) -> Path:
    """A subscriber edition and the access pages, copied where the administrator would."""
    www = machine.folder / "www"
    shutil.copytree(FIXTURES / "site", www / "site")
    (www / "access").mkdir()
    for page in (RECIPE / "access").glob("*.html"):
        text = fill(page.read_text(encoding="utf-8"), {"@PUBLIC_SITE@": PUBLIC_SITE})
        (www / "access" / page.name).write_text(text, encoding="utf-8")
    return machine.own(www)


@contextmanager
def recipe_site(
    machine: Machine, provider: Provider, published: Path, port: int, entitlement: dict
):
    """Apache on 127.0.0.1:`port` with the recipe verbatim, its settings in an environment
    file filled in from the template and read by the shell, as /etc/apache2/envvars does."""
    home = machine.folder / f"site-{port}"
    (home / "cache").mkdir(parents=True)
    ours = {
        "INSIGHT_SITE": str(published / "site"),
        "INSIGHT_ACCESS_PAGES": str(published / "access"),
        "INSIGHT_OIDC_PROVIDER_METADATA_URL": f"{provider.url}/.well-known/openid-configuration",
        "INSIGHT_OIDC_CLIENT_ID": provider.client_id,
        "INSIGHT_OIDC_CLIENT_SECRET": provider.client_secret,
        "INSIGHT_OIDC_CRYPTO_PASSPHRASE": secrets.token_urlsafe(32),
        "INSIGHT_OIDC_CACHE_DIR": str(home / "cache"),
        **entitlement,
    }
    lines = []
    for line in ENV_TEMPLATE.read_text(encoding="utf-8").splitlines():
        name = line.split("=", 1)[0]
        lines.append(f"{name}={shlex.quote(ours[name])}" if name in ours else line)
    settings = home / "oidc.env"
    settings.write_text("\n".join(lines) + "\n")
    conf = home / "apache2.conf"
    conf.write_text(
        fill(
            (FIXTURES / "apache2.conf").read_text(),
            {"@DIR@": str(home), "@PORT@": str(port), "@RECIPE@": str(SIGNIN_CONF)},
        )
    )
    machine.own(home)
    shell = 'set -a; . "$0"; set +a; exec apache2 -f "$1" -DFOREGROUND'
    command = ["sh", "-c", shell, str(settings), str(conf)]
    with machine.running(command, home.name, port, "/access/signed-out.html", {}):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def server(machine: Machine, provider: Provider, published: Path) -> Iterator[str]:
    """The recipe with subscribers entitled by the group claim."""
    with recipe_site(machine, provider, published, provider.site_ports[0], BY_GROUP):
        yield f"http://127.0.0.1:{provider.site_ports[0]}"


# --- A reader, without a browser ---------------------------------------------------------


@dataclass
class Answer:
    url: str
    status: int
    headers: Message
    body: bytes
    hops: list[str] = field(default_factory=list)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Reader:
    """One reader's cookies, and each redirect followed by hand, so that a test can see
    every address a sign-in passes through. Asks for HTML, as a browser's navigation does."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects
        )

    def get(
        self, url: str, data: dict[str, str] | None = None, accept: str = "text/html"
    ) -> Answer:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"Accept": accept})
        try:
            with self.opener.open(request, timeout=10) as response:
                return Answer(url, response.status, response.headers, response.read())
        except urllib.error.HTTPError as answer:
            return Answer(url, answer.code, answer.headers, answer.read())

    def visit(self, url: str, data: dict[str, str] | None = None) -> Answer:
        """The answer at the end of the redirects from `url`, with the addresses passed."""
        hops = []
        answer = self.get(url, data)
        while answer.status in (301, 302, 303, 307):
            hops.append(answer.url)
            answer = self.get(urllib.parse.urljoin(answer.url, answer.headers["Location"]))
        answer.hops = hops
        return answer

    def sign_in(self, login: Answer, user: str, password: str) -> Answer:
        """Fill in and send the provider's sign-in form that `login` holds."""
        form = Form()
        form.feed(login.body.decode())
        assert "password" in form.fields, "the provider did not ask for a password"
        return self.visit(login.url, {**form.fields, "user": user, "password": password})

    def session(self) -> str:
        return next(c.value for c in self.cookies if c.name == "mod_auth_openidc_session")


class Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("name") and named.get("type") != "checkbox":
            self.fields[named["name"] or ""] = named.get("value") or ""


def signed_in(server: str, who: tuple[str, str], path: str = PAGE) -> tuple[Reader, Answer]:
    reader = Reader()
    login = reader.visit(server + path)
    return reader, reader.sign_in(login, *who)


# --- What a reader meets -----------------------------------------------------------------


@pytest.mark.parametrize("path", [PAGE, PDF, "/search/search_index.json", "/feed.xml"])
def test_an_anonymous_reader_is_sent_to_sign_in_by_code_flow_with_pkce(
    server: str, provider: Provider, path: str
) -> None:
    answer = Reader().get(server + path)
    assert answer.status == 302
    assert answer.headers["Cache-Control"].startswith(PRIVATE)
    assert SUBSCRIBER_TEXT not in answer.body and b"%PDF" not in answer.body
    signin = urllib.parse.urlsplit(answer.headers["Location"])
    asked = urllib.parse.parse_qs(signin.query)
    assert f"{signin.scheme}://{signin.netloc}" == provider.url
    assert asked["response_type"] == ["code"]
    assert asked["code_challenge_method"] == ["S256"]
    assert len(asked["code_challenge"][0]) == 43  # base64url of a SHA-256 digest
    assert asked["redirect_uri"] == [server + "/oidc/callback"]


def test_a_feed_reader_which_cannot_sign_in_is_refused_not_sent_to_a_form(server: str) -> None:
    answer = Reader().get(server + "/feed.xml", accept="application/atom+xml")
    assert answer.status == 401
    assert SUBSCRIBER_TEXT not in answer.body


@pytest.fixture(scope="module")
def subscriber(server: str) -> tuple[Reader, Answer]:
    return signed_in(server, SUBSCRIBER)


def test_a_subscriber_signs_in_and_comes_back_to_the_page_they_asked_for(
    server: str, provider: Provider, subscriber: tuple[Reader, Answer]
) -> None:
    _, answer = subscriber
    assert answer.url == server + PAGE
    assert answer.status == 200
    assert SUBSCRIBER_TEXT in answer.body
    assert answer.headers["Cache-Control"] == PRIVATE
    assert any(hop.startswith(provider.url) for hop in answer.hops)


def test_a_subscriber_reads_a_pdf_sent_as_private(
    server: str, subscriber: tuple[Reader, Answer]
) -> None:
    reader, _ = subscriber
    answer = reader.get(server + PDF)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Cache-Control"] == PRIVATE
    assert answer.body.startswith(b"%PDF-")


def test_the_session_is_reused_without_signing_in_again(
    server: str, subscriber: tuple[Reader, Answer]
) -> None:
    reader, _ = subscriber
    for path in ("/", "/search/search_index.json", PAGE):
        answer = reader.visit(server + path)
        assert (answer.status, answer.hops) == (200, []), path


def test_a_signed_in_reader_who_does_not_subscribe_is_told_how_to(server: str) -> None:
    reader, answer = signed_in(server, NOT_SUBSCRIBER)
    assert answer.url == server + PAGE
    assert answer.status == 403
    assert NOT_ENTITLED_TITLE in answer.body
    assert f'href="{PUBLIC_SITE}subscribe/"'.encode() in answer.body
    assert b'href="/sign-out"' in answer.body
    assert SUBSCRIBER_TEXT not in answer.body
    pdf = reader.get(server + PDF)
    assert (pdf.status, pdf.headers["Content-Type"]) == (403, "text/html")
    assert NOT_ENTITLED_TITLE in pdf.body and b"%PDF" not in pdf.body

    # Signed in with the wrong account, the reader can leave and try another.
    out = reader.visit(server + "/sign-out")
    assert (out.url, out.status) == (server + "/access/signed-out.html", 200)
    assert b'name="password"' in reader.visit(server + PAGE).body


def test_sign_out_ends_the_session_here_and_at_the_provider(
    server: str, provider: Provider
) -> None:
    reader, _ = signed_in(server, SUBSCRIBER)
    copied = reader.session()

    out = reader.visit(server + "/sign-out")
    assert out.url == server + "/access/signed-out.html"
    assert out.status == 200 and b"You have signed out" in out.body
    assert any(hop.startswith(provider.url) for hop in out.hops), "the provider was not told"

    again = reader.visit(server + PAGE)
    assert again.url.startswith(provider.url) and b'name="password"' in again.body
    assert SUBSCRIBER_TEXT not in again.body

    # The session is gone from the server, not just from this browser.
    thief = Reader()
    thief.opener.addheaders = [("Cookie", f"mod_auth_openidc_session={copied}")]
    assert thief.get(server + PAGE).status == 302


def test_a_session_left_idle_for_its_time_ends(
    machine: Machine, provider: Provider, published: Path
) -> None:
    idle = {**BY_GROUP, "INSIGHT_SESSION_IDLE_SECONDS": "10"}  # the least the module allows
    with recipe_site(machine, provider, published, provider.site_ports[2], idle) as brief:
        reader, answer = signed_in(brief, SUBSCRIBER)
        assert answer.status == 200
        time.sleep(10.5)
        again = reader.get(brief + PAGE)
        assert again.status == 302 and again.headers["Location"].startswith(provider.url)


def test_entitlement_is_whichever_claim_the_settings_name(
    machine: Machine, provider: Provider, published: Path
) -> None:
    with recipe_site(
        machine, provider, published, provider.site_ports[1], BY_ORGANISATION
    ) as other:
        _, member = signed_in(other, SUBSCRIBER)
        assert member.status == 200 and SUBSCRIBER_TEXT in member.body
        _, outsider = signed_in(other, NOT_SUBSCRIBER)
        assert outsider.status == 403 and NOT_ENTITLED_TITLE in outsider.body


# --- The same, in Chromium ---------------------------------------------------------------


@needs_chromium
def test_in_a_browser_a_reader_signs_in_reads_and_signs_out(
    server: str, provider: Provider
) -> None:
    with chromium() as browser:
        elsewhere: list[str] = []
        subscriber_sees(browser, server, provider, elsewhere)
        outsider_sees(browser, server, elsewhere)
        assert elsewhere == [], "the pages asked for something beyond loopback"


def loopback_only(browser: Browser, elsewhere: list[str]) -> BrowserContext:
    """A browser of its own (cookies and all) that loads from 127.0.0.1 only; every other
    address it asks for is refused and added to `elsewhere`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def only_loopback(route: Route) -> None:
        if urllib.parse.urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    return context


def subscriber_sees(
    browser: Browser, server: str, provider: Provider, elsewhere: list[str]
) -> None:
    context = loopback_only(browser, elsewhere)
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(server + PAGE)
    page.fill("#userfield", SUBSCRIBER[0])
    page.fill("#passwordfield", SUBSCRIBER[1])
    page.click("button[type=submit]")
    page.wait_for_url(server + PAGE)
    assert "Shared services that last" in page.content()
    pdf = context.request.get(server + PDF)
    assert pdf.status == 200 and pdf.headers["cache-control"] == PRIVATE
    assert pdf.body().startswith(b"%PDF-")

    asked.clear()
    page.goto(server + "/")
    assert page.url == server + "/"
    assert not [url for url in asked if url.startswith(provider.url)], "signed in again"
    page.goto(server + "/sign-out")
    page.wait_for_url(server + "/access/signed-out.html")
    assert_accessible(page)
    page.goto(server + PAGE)
    assert page.url.startswith(provider.url) and page.locator("#passwordfield").count() == 1
    context.close()


def outsider_sees(browser: Browser, server: str, elsewhere: list[str]) -> None:
    context = loopback_only(browser, elsewhere)
    page = context.new_page()
    page.goto(server + PAGE)
    page.fill("#userfield", NOT_SUBSCRIBER[0])
    page.fill("#passwordfield", NOT_SUBSCRIBER[1])
    with page.expect_navigation(url=server + PAGE) as navigation:
        page.click("button[type=submit]")
    response = navigation.value
    assert response is not None and response.status == 403
    assert page.title() == NOT_ENTITLED_TITLE.decode()
    assert "Shared services that last" not in page.content()
    assert_accessible(page)
    context.close()


def assert_accessible(page: Page) -> None:
    """axe-core finds nothing against WCAG 2.2 AA, as for the site's own pages."""
    if not AXE.exists():
        return
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, { runOnly: { type: "tag", values:
        ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"] } }))
        .violations.map(rule => rule.id)"""
    )
    assert violations == []

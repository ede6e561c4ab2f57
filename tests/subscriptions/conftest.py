"""A real SMTP server on 127.0.0.1 (aiosmtpd), digests ready to publish, and mail-reading helpers."""

from __future__ import annotations

import email
import re
import socket
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from subscriptions.models import Subscriber
from tests.factories import DigestEntryFactory, DigestFactory, FigureFactory, PaperFactory, SummaryFactory, TopicFactory

SITE = "http://testserver"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    rcpt: list[str]
    message: EmailMessage
    raw: bytes  # as it came over the wire

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


class Recorder:
    """aiosmtpd handler keeping every accepted message; answers 550 for addresses in ``refuse``."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse: set[str] = set()
        self.shut_down_after: int | None = None  # answer 421 to every message after this many

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.shut_down_after is not None and len(self.received) >= self.shut_down_after:
            return "421 4.3.2 Service shutting down"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(rcpt=list(envelope.rcpt_tos), message=message, raw=envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt]


@pytest.fixture
def smtp(settings):
    """Django sends through SMTP to a server on a free port of 127.0.0.1."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield recorder
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _subscription_settings(settings):
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "paperdigest <digest@paperdigest.test>"
    settings.SUBSCRIPTIONS_SEND_PER_MINUTE = 0  # no pacing unless a test is about it
    settings.SUBSCRIPTIONS_RATE_PER_IP = 100
    settings.SUBSCRIPTIONS_RATE_PER_ADDRESS = 100
    settings.SUBSCRIPTIONS_MAX_ATTEMPTS = 5


def path_of(url: str) -> str:
    assert url.startswith(SITE + "/"), url
    return urlsplit(url).path


def link_in(text: str, kind: str) -> str:
    """The first absolute link of this site to /subscribe/<kind>/… in a mail's text."""
    match = re.search(rf"{re.escape(SITE)}/subscribe/{kind}/[^\s<>\"]+", text)
    assert match, f"no {kind} link in:\n{text}"
    return match.group(0)


def list_unsubscribe_urls(message: EmailMessage) -> list[str]:
    return re.findall(r"<([^>]+)>", str(message["List-Unsubscribe"]))


def subscribe_confirmed(email_address: str, *topics) -> Subscriber:
    from django.utils import timezone

    subscriber = Subscriber.objects.create(email=email_address, confirmed_at=timezone.now())
    subscriber.topics.add(*topics)
    return subscriber


@pytest.fixture
def topic(db):
    return TopicFactory(name="Diffusion", slug="diffusion", language="en")


def digest_ready(topic, *, papers: int = 2, **kwargs):
    """A draft digest whose entries all have summaries without flags (so it publishes)."""
    digest = DigestFactory(topic=topic, title="Diffusion daily", **kwargs)
    for n in range(papers):
        paper = PaperFactory(authors=["Ada Lovelace", "Alan Turing"])
        SummaryFactory(paper=paper, one_line=f"One line about paper {n}.")
        FigureFactory(paper=paper, source_url=f"https://figures.example.org/{paper.arxiv_id}.png")
        DigestEntryFactory(digest=digest, paper=paper, position=n)
    return digest


@pytest.fixture
def digest(topic):
    return digest_ready(topic)

"""Set up the offline sample day: topic, admin user, ingest, digest, published."""

from __future__ import annotations

import datetime
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from digests.models import DigestStatus
from digests.services.build import digest_build
from digests.services.publish import PublishBlocked, digest_publish
from papers.models import Topic
from papers.services.roles import editor_group_setup

SAMPLE_DATE = datetime.date(2024, 5, 2)
SAMPLE_SOURCE = Path("papers") / "sample" / "2024-05-02" / "arxiv.xml"


class Command(BaseCommand):
    help = "Create the Diffusion Models topic and an admin, ingest the bundled sample day and publish its digest."

    def add_arguments(self, parser):
        parser.add_argument("--source", default=str(settings.BASE_DIR / SAMPLE_SOURCE), help="Recorded arXiv answer")
        parser.add_argument("--username", default="admin")

    def handle(self, *args, source: str, username: str, **options):
        if not Path(source).is_file():
            raise CommandError(f"The sample day is missing: {source}")
        topic, created = Topic.objects.get_or_create(
            slug="diffusion-models",
            defaults={
                "name": "Diffusion Models",
                "arxiv_query": 'abs:"diffusion model" AND cat:cs.CV',
                "language": "zh-hans",
                "lookback_days": 7,
                "auto_publish": True,
            },
        )
        self.stdout.write(f"Topic {topic.name}: {'created' if created else 'already there'}")
        password_line = self._admin(username)
        admin = get_user_model().objects.get(username=username)
        editors = editor_group_setup()
        self.stdout.write(f'Group "{editors.name}" ready (`manage.py setup_roles USERNAME` makes a user an editor)')

        call_command(
            "ingest", topic.slug, date=SAMPLE_DATE.isoformat(), source=source, stdout=self.stdout, stderr=self.stderr
        )
        digest = digest_build(topic=topic, date=SAMPLE_DATE)
        if not digest.entries.shown().exists():
            # Nothing half-made is published: an empty digest waits in the admin.
            self.stdout.write(self.style.WARNING("No paper of the sample day was processed; the digest stays a draft."))
            return
        if digest.status != DigestStatus.PUBLISHED:
            try:
                digest = digest_publish(digest=digest, user=admin)
            except PublishBlocked as blocked:
                # A demo must show something; the override is recorded on the digest.
                self.stdout.write(self.style.WARNING(f"Publishing despite: {blocked}"))
                digest = digest_publish(digest=digest, user=admin, override=True)
        entries = digest.entries.count()
        hidden = digest.entries.filter(hidden=True).count()

        base = settings.SITE_URL
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Digest published with {entries} papers ({hidden} hidden)."))
        self.stdout.write(f"  Home:   {base}{reverse('digests:home')}")
        self.stdout.write(f"  Digest: {base}{digest.get_absolute_url()}")
        self.stdout.write(f"  Admin:  {base}{reverse('admin:index')}")
        self.stdout.write(password_line)

    def _admin(self, username: str) -> str:
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            return f"  Login:  {username} (already existed; its password is unchanged — `manage.py changepassword {username}`)"
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        return f"  Login:  {username} / {password}  (shown once; change it with `manage.py changepassword {username}`)"

"""Run one subscriptions sweep now: what the ``subscriptions:sweep`` schedule runs."""

from django.core.management.base import BaseCommand

from subscriptions.services.sweep import subscriptions_sweep


class Command(BaseCommand):
    help = (
        "Mail and push the digests that went live and have not been sent yet, and retry failed mails that are due "
        "(the subscriptions:sweep schedule does this every SUBSCRIPTIONS_SWEEP_MINUTES)."
    )

    def handle(self, *args, **options):
        result = subscriptions_sweep()
        self.stdout.write(
            f"{result.mailings} new mailings; {result.sent} mails sent, {result.failed} failed, "
            f"{result.skipped} skipped; {result.pushed} pushes, {result.push_failed} failed"
            + (f"; stopped: {result.stopped}" if result.stopped else "")
        )

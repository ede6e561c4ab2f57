"""Run one subscriptions sweep now: what the ``subscriptions:sweep`` schedule runs."""

from django.core.management.base import BaseCommand

from subscriptions.queue import subscriptions_sweep_enqueue
from subscriptions.services.sweep import subscriptions_sweep


class Command(BaseCommand):
    help = (
        "Mail and push the digests that went live and have not been sent yet, and retry failed mails that are due "
        "(the subscriptions:sweep schedule does this every SUBSCRIPTIONS_SWEEP_MINUTES)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="Queue the sweep for a worker instead.")

    def handle(self, *args, enqueue: bool, **options):
        if enqueue:
            subscriptions_sweep_enqueue()
            self.stdout.write("queued a subscriptions sweep")
            return
        result = subscriptions_sweep()
        self.stdout.write(
            f"{result.mailings} new mailings; {result.sent} mails sent, {result.failed} failed, "
            f"{result.skipped} skipped; {result.pushed} pushes, {result.push_failed} failed"
            + (f"; stopped: {result.stopped}" if result.stopped else "")
        )

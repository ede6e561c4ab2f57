"""Read the django-q2 queue in tests, whichever broker the settings chose (ORM or Redis)."""

from django_q.brokers import get_broker
from django_q.models import OrmQ
from django_q.signing import SignedPackage


def queued_tasks() -> list[dict]:
    """Return the tasks waiting in the queue, oldest first, leaving them queued."""
    broker = get_broker()
    if hasattr(broker.connection, "lrange"):
        return [SignedPackage.loads(raw) for raw in broker.connection.lrange(broker.list_key, 0, -1)]
    return [q.task for q in OrmQ.objects.order_by("id")]


def queue_purge() -> None:
    get_broker().purge_queue()

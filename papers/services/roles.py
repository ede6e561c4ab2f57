"""The "Editor" role: exactly the permissions the daily editing workflow needs."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

EDITOR_GROUP = "Editor"

# (app_label, codename). No user, group, topic or schedule permissions:
# superusers manage those. Nothing may be deleted, history being the record,
# except a subscriber: a reader may ask to be removed, and that is their data.
EDITOR_PERMISSIONS = [
    ("papers", "view_paper"),
    ("papers", "change_paper"),  # run actions (re-fetch, re-process, regenerate)
    ("papers", "view_papercontent"),
    ("papers", "change_papercontent"),  # correct an affiliation read from the PDF
    ("papers", "view_figure"),
    ("papers", "change_figure"),
    ("papers", "view_summary"),
    ("papers", "change_summary"),
    ("papers", "view_summaryrevision"),
    ("digests", "view_digest"),
    ("digests", "change_digest"),
    ("digests", "publish_digest"),
    ("digests", "view_digestentry"),
    ("digests", "change_digestentry"),
    # Subscribers: see how many follow what, unsubscribe or remove one on request.
    # Adding one is refused to everybody: an address joins only by confirming it.
    ("subscriptions", "view_subscriber"),
    ("subscriptions", "change_subscriber"),
    ("subscriptions", "delete_subscriber"),
    # What was sent is the sweep's record: editors read it and never edit it.
    ("subscriptions", "view_mailing"),
    ("subscriptions", "view_delivery"),
    ("subscriptions", "view_push"),
    # Chat targets name an environment variable only an operator can set, so
    # editors see them but do not add, change or delete one.
    ("subscriptions", "view_notificationtarget"),
]


class MissingPermissions(Exception):
    """The database lacks permissions the role needs (migrations not run)."""


@transaction.atomic
def editor_group_setup() -> Group:
    """Create the Editor group and set its permissions to exactly EDITOR_PERMISSIONS."""
    wanted = Q()
    for app_label, codename in EDITOR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(wanted))
    found = {(p.content_type.app_label, p.codename) for p in permissions}
    missing = sorted(set(EDITOR_PERMISSIONS) - found)
    if missing:
        names = ", ".join(f"{app}.{codename}" for app, codename in missing)
        raise MissingPermissions(f"Permissions missing: {names}; run migrate first.")
    group, _ = Group.objects.get_or_create(name=EDITOR_GROUP)
    group.permissions.set(permissions)
    return group


@transaction.atomic
def user_make_editor(*, username: str) -> None:
    """Make an existing user staff and a member of the Editor group."""
    user = get_user_model().objects.get(username=username)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(editor_group_setup())

"""Create (or bring up to date) the "Editor" group with exactly the workflow's permissions."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

EDITOR_GROUP = "Editor"

# (app_label, model, codename). No user, group, topic or schedule permissions:
# superusers manage those. Nothing may be deleted: history is the record.
EDITOR_PERMISSIONS = [
    ("papers", "paper", "view_paper"),
    ("papers", "paper", "change_paper"),  # run actions (re-fetch, re-process, regenerate)
    ("papers", "papercontent", "view_papercontent"),
    ("papers", "papercontent", "change_papercontent"),  # correct an affiliation read from the PDF
    ("papers", "figure", "view_figure"),
    ("papers", "figure", "change_figure"),
    ("papers", "summary", "view_summary"),
    ("papers", "summary", "change_summary"),
    ("papers", "summaryrevision", "view_summaryrevision"),
    ("digests", "digest", "view_digest"),
    ("digests", "digest", "change_digest"),
    ("digests", "digest", "publish_digest"),
    ("digests", "digestentry", "view_digestentry"),
    ("digests", "digestentry", "change_digestentry"),
]

# Not declared on the model (no migration needed); created here.
CUSTOM_PERMISSIONS = {("digests", "digest", "publish_digest"): "Can publish, schedule and unpublish digests"}


def ensure_custom_permissions() -> None:
    for (app_label, model, codename), name in CUSTOM_PERMISSIONS.items():
        ct = ContentType.objects.get_by_natural_key(app_label, model)
        Permission.objects.get_or_create(content_type=ct, codename=codename, defaults={"name": name})


@transaction.atomic
def editor_group_setup() -> Group:
    """Create the Editor group and set its permissions to exactly EDITOR_PERMISSIONS."""
    ensure_custom_permissions()
    group, _ = Group.objects.get_or_create(name=EDITOR_GROUP)
    permissions = []
    for app_label, model, codename in EDITOR_PERMISSIONS:
        try:
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, content_type__model=model, codename=codename)
            )
        except Permission.DoesNotExist as exc:
            raise CommandError(f"Permission {app_label}.{codename} is missing; run migrate first.") from exc
    group.permissions.set(permissions)
    return group


class Command(BaseCommand):
    help = 'Create the "Editor" group; optionally make existing users editors (staff + group).'

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*", help="Users to add to the Editor group.")

    def handle(self, *args, usernames, **options):
        group = editor_group_setup()
        if options["verbosity"]:
            self.stdout.write(f'Group "{group.name}" has {group.permissions.count()} permissions.')
        User = get_user_model()
        for username in usernames:
            try:
                user = User.objects.get(username=username)
            except User.DoesNotExist as exc:
                raise CommandError(f"No user named {username!r}.") from exc
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(group)
            if options["verbosity"]:
                self.stdout.write(f"{username} is now an editor.")

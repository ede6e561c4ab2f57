"""Create (or bring up to date) the "Editor" group; optionally make users editors."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from papers.services.roles import MissingPermissions, editor_group_setup, user_make_editor


class Command(BaseCommand):
    help = 'Create the "Editor" group; optionally make existing users editors (staff + group).'

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*", help="Users to add to the Editor group.")

    def handle(self, *args, usernames, **options):
        try:
            group = editor_group_setup()
        except MissingPermissions as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"]:
            self.stdout.write(f'Group "{group.name}" has {group.permissions.count()} permissions.')
        for username in usernames:
            try:
                user_make_editor(username=username)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"No user named {username!r}.") from exc
            if options["verbosity"]:
                self.stdout.write(f"{username} is now an editor.")

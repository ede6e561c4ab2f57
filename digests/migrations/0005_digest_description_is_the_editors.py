"""The digest build no longer stores a description: clear the ones it wrote, keep editors'."""

from django.db import migrations, models


def _ours(*, description: str, topic_name: str, topic_language: str, date) -> bool:
    # Frozen copy of what the build wrote (``digest_description``) for any first
    # title, compared with whitespace collapsed; the live code no longer has it.
    text = " ".join(description.split())
    if topic_language == "zh-hans":
        blank = f"{topic_name} 方向最新论文已更新，请持续关注 Update in {date.isoformat()}"
        return text == blank or text.startswith(blank + " ")
    blank = f"Latest {topic_name} papers, updated {date.isoformat()}"
    return text == blank or text.startswith(blank + ": ")


def descriptions_clear_ours(apps, schema_editor):
    Digest = apps.get_model("digests", "Digest")
    ours = [
        pk
        for pk, description, name, language, date in Digest.objects.exclude(description="").values_list(
            "pk", "description", "topic__name", "topic__language", "date"
        )
        if _ours(description=description, topic_name=name, topic_language=language, date=date)
    ]
    # update() leaves updated_at alone: clearing our text is no edit of the digest.
    Digest.objects.filter(pk__in=ours).update(description="")


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0004_related_papers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="digest",
            name="description",
            field=models.TextField(
                blank=True,
                help_text="The editor's own description; left blank, pages show an intro written from the day.",
            ),
        ),
        # Nothing to restore going back: the build wrote that text, and pages never showed it.
        migrations.RunPython(descriptions_clear_ours, migrations.RunPython.noop),
    ]

"""Forms for the editor's desk: the summary editor and the small action forms around it."""

from __future__ import annotations

from django import forms
from django.conf import settings

from papers.models import Summary, SummaryRevision, Topic
from papers.sections import SECTION_LABELS
from papers.services.revisions import EditConflict

ORDERED_LIST_SECTIONS = ("key_takeaways", "method_steps")
SHORT_SECTIONS = ("one_line", "translated_title")


class OrderedListWidget(forms.Textarea):
    """One item per line; the editor page's script turns it into inputs with add/remove/reorder."""

    def __init__(self, attrs=None):
        super().__init__({"rows": 6, "data-ordered-list": "1", "class": "vLargeTextField", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return super().format_value(value)


class OrderedListField(forms.Field):
    widget = OrderedListWidget

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if isinstance(value, list | tuple):
            items = value
        else:
            items = str(value).splitlines()
        return [" ".join(str(item).split()) for item in items if str(item).strip()]


class CommaListField(forms.CharField):
    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        # Chinese editors type the full-width comma too.
        return [item.strip() for item in text.replace("，", ",").split(",") if item.strip()]


class SummaryEditForm(forms.ModelForm):
    """Every section of the fixed schema plus the lock version the editor started from."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)
    public_note = forms.CharField(
        label="Public note",
        required=False,
        max_length=SummaryRevision._meta.get_field("public_note").max_length,
        widget=forms.TextInput(attrs={"class": "vLargeTextField", "size": 80}),
        help_text="Optional: what you corrected, in one sentence. Readers see it beside the summary, with the date.",
    )

    class Meta:
        model = Summary
        fields = [*Summary.SECTION_FIELDS, "lock_version", "public_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in Summary.SECTION_FIELDS:
            label = SECTION_LABELS.get(name, name.replace("_", " ").capitalize())
            if name in ORDERED_LIST_SECTIONS:
                field = OrderedListField(label=label, required=False, help_text="One item per line, in order.")
            elif name == "keywords":
                field = CommaListField(label=label, required=False, help_text="Comma-separated.")
            elif name in SHORT_SECTIONS:
                field = forms.CharField(
                    label=label, required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"})
                )
            else:
                field = forms.CharField(
                    label=label,
                    required=False,
                    strip=True,
                    widget=forms.Textarea(attrs={"rows": 5, "class": "vLargeTextField"}),
                )
            self.fields[name] = field

    def clean(self):
        cleaned = super().clean()
        started_from = cleaned.get("lock_version")
        if self.instance.pk and started_from is not None:
            # Under a row lock (the admin saves inside a transaction), so nobody saves in between.
            current = (
                Summary.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("lock_version", flat=True)
                .first()
            )
            if current != started_from:
                raise forms.ValidationError(str(EditConflict()), code="conflict")
        return cleaned

    def sections(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in Summary.SECTION_FIELDS}

    def changed_sections(self) -> list[str]:
        return [name for name in self.changed_data if name in Summary.SECTION_FIELDS]


class AffiliationForm(forms.Form):
    affiliation = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "vLargeTextField", "size": 60}),
        help_text="First author's affiliation as printed on the PDF's first page.",
    )


class RegenerateForm(forms.Form):
    """Choose the model for a regeneration; blank keeps the configured one."""

    model = forms.CharField(
        required=False,
        max_length=200,
        help_text=f"Model name for the summary backend; blank uses {settings.DIGEST_LLM_MODEL!r}.",
    )


class TopicAdminForm(forms.ModelForm):
    """Check the query with arXiv on save: a rejected query would fail every daily ingest."""

    class Meta:
        model = Topic
        fields = [
            "name",
            "slug",
            "description",
            "arxiv_query",
            "categories",
            "language",
            "max_papers_per_day",
            "lookback_days",
            "is_active",
            "auto_publish",
        ]

    def clean(self):
        cleaned = super().clean()
        if self.errors or not ({"arxiv_query", "categories"} & set(self.changed_data)):
            return cleaned
        from papers.services.arxiv_client import ArxivQueryRejected, arxiv_query_check

        probe = Topic(arxiv_query=cleaned["arxiv_query"], categories=cleaned.get("categories") or [])
        try:
            arxiv_query_check(query=probe.full_query)
        except ArxivQueryRejected as exc:
            self.add_error("arxiv_query", str(exc))
        return cleaned

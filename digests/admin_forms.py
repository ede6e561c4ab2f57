"""Forms of the digest admin."""

from __future__ import annotations

from django import forms


class PublishForm(forms.Form):
    at = forms.DateTimeField(
        required=False,
        label="Go live at",
        help_text="Leave blank to publish now; a future time schedules it (YYYY-MM-DD HH:MM, site time zone).",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    override = forms.BooleanField(
        required=False,
        label="Publish anyway: I have read the blocking problems above",
    )

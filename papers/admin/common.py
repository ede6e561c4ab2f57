"""Small pieces the editor's pages share."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme


def flags_html(flags: list[dict]) -> str:
    if not flags:
        return "—"
    return format_html(
        '<ul class="flag-list">{}</ul>',
        format_html_join(
            "",
            '<li class="{}"><strong>{}</strong>{}</li>',
            (
                (
                    "flag-blocking" if f.get("blocking") else "flag-warning",
                    "Blocking: " if f.get("blocking") else "Warning: ",
                    f.get("message") or f.get("code", ""),
                )
                for f in flags
            ),
        ),
    )


def next_url(request, default: str) -> str:
    """The ``next`` the form asked to return to, if it stays on this site; else ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default

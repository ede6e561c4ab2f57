"""Plain HTML forms to subscribe, confirm, change topics and unsubscribe; no script, no address shown."""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from digests.http import PUBLIC_CSP
from papers.models import Topic

from .forms import ManageForm, SubscribeForm
from .models import Subscriber
from .services.subscribe import (
    rate_limit_hit,
    subscriber_set_topics,
    subscriber_unsubscribe,
    subscription_confirm,
    subscription_request,
)
from .tokens import confirm_token_read, manage_token_make, manage_token_read


def private_page(view):
    """Never cached, never indexed (links carry tokens), and the public pages' no-script policy."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", PUBLIC_CSP)
        response["X-Robots-Tag"] = "noindex"
        add_never_cache_headers(response)
        return response

    return wrapper


def invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "subscriptions/invalid_link.html", status=400)


@private_page
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if form.is_valid():
            if form.is_bot:
                return redirect("subscriptions:sent")  # told nothing, mailed nothing
            if rate_limit_hit(ip=request.META.get("REMOTE_ADDR", ""), email=form.cleaned_data["email"]):
                return render(request, "subscriptions/subscribe.html", {"form": form, "limited": True}, status=429)
            subscription_request(email=form.cleaned_data["email"], topics=list(form.cleaned_data["topics"]))
            return redirect("subscriptions:sent")
    else:
        chosen = Topic.objects.filter(slug=request.GET.get("topic", ""), is_active=True)
        form = SubscribeForm(initial={"topics": list(chosen)})
    return render(request, "subscriptions/subscribe.html", {"form": form})


@private_page
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "subscriptions/sent.html")


@private_page
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    # A GET only shows a button: mail scanners that open links must not confirm anything.
    if request.method == "GET":
        if confirm_token_read(token) is None:
            return invalid_link(request)
        return render(request, "subscriptions/confirm.html", {"token": token})
    subscriber = subscription_confirm(token=token)
    if subscriber is None:
        return invalid_link(request)
    manage_page = redirect("subscriptions:manage", token=manage_token_make(subscriber_id=subscriber.pk))
    manage_page["Location"] += "?welcome=1"
    return manage_page


def subscriber_from(token: str) -> Subscriber | None:
    pk = manage_token_read(token)
    return Subscriber.objects.filter(pk=pk).first() if pk is not None else None


@private_page
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = subscriber_from(token)
    if subscriber is None:
        return invalid_link(request)
    saved = False
    if request.method == "POST":
        form = ManageForm(request.POST)
        if form.is_valid():
            subscriber_set_topics(subscriber=subscriber, topics=list(form.cleaned_data["topics"]))
            saved = True
    else:
        form = ManageForm(initial={"topics": list(subscriber.topics.all())})
    context = {"form": form, "token": token, "saved": saved, "welcome": "welcome" in request.GET}
    return render(request, "subscriptions/manage.html", context)


@private_page
@csrf_exempt  # RFC 8058: the mail provider POSTs here with no page, hence no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = subscriber_from(token)
    if subscriber is None:
        return invalid_link(request)
    if request.method == "GET":
        return render(request, "subscriptions/unsubscribe.html", {"token": token})
    subscriber_unsubscribe(subscriber=subscriber)
    return render(request, "subscriptions/unsubscribed.html", {"token": token})

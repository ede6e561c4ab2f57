"""The dashboard shows the latest days that have papers, and the range the editor picks."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import TopicFactory, TopicPaperFactory

DEMO_DAY = datetime.date(2024, 5, 2)


@pytest.mark.django_db
def test_default_dashboard_shows_a_day_long_past(editor_client):
    TopicPaperFactory(topic=TopicFactory(name="Diffusion Models"), digest_date=DEMO_DAY)
    response = editor_client.get(reverse("admin:papers_dashboard"))
    assert [row["digest_date"] for row in response.context["rows"]] == [DEMO_DAY]


@pytest.mark.django_db
def test_days_parameter_narrows_the_range(editor_client):
    topic = TopicFactory()
    TopicPaperFactory(topic=topic, digest_date=DEMO_DAY)
    TopicPaperFactory(topic=topic, digest_date=DEMO_DAY - datetime.timedelta(days=5))
    response = editor_client.get(reverse("admin:papers_dashboard"), {"days": "3"})
    assert [row["digest_date"] for row in response.context["rows"]] == [DEMO_DAY]

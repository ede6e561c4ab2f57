from django import forms
from django.utils.translation import gettext_lazy as _

from papers.models import Topic


def active_topics():
    return Topic.objects.filter(is_active=True).order_by("name")


class TopicsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(queryset=active_topics(), **kwargs)


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    topics = TopicsField(label=_("Topics"))
    # Hidden from people (the wrapper has the hidden attribute); bots fill every field.
    website = forms.CharField(label=_("Leave this empty"), required=False)

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class ManageForm(forms.Form):
    topics = TopicsField(label=_("Topics"), required=False)

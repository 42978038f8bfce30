from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from dashboard.merchants import why_not_base_url
from dashboard.models import Merchant


class MerchantForm(forms.ModelForm):
    """Edit a merchant's connection. The API key is write-only: leave it blank to keep the current one."""

    api_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to keep the current key; re-enter it to change the base URL.",
    )

    class Meta:
        model = Merchant
        fields = ["code", "name", "base_url", "merchant_id", "api_key", "api_version", "is_active", "is_default"]

    def clean_base_url(self) -> str:
        url: str = self.cleaned_data.get("base_url", "")
        refusal = why_not_base_url(url)
        if refusal:
            raise forms.ValidationError(refusal)
        return url

    def clean_api_key(self) -> str:
        key: str = self.cleaned_data.get("api_key", "")
        if not key and not (self.instance and self.instance.pk):
            raise forms.ValidationError("A new merchant needs an API key.")
        return key

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stored = self.instance if self.instance.pk else None
        if stored is not None and "api_key" in data and not data["api_key"]:
            url = data.get("base_url")
            if url and url != stored.base_url:
                # The key goes wherever the base URL points: whoever moves it must know the key.
                self.add_error("api_key", "Changing the base URL needs you to re-enter the API key.")
            else:
                data["api_key"] = stored.api_key  # blank = keep the current key
        return data


class ApiTokenForm(forms.Form):
    """A new personal API token: a name to recognise it by and the day it stops working (required, bounded)."""

    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “helpdesk refund bot”.")
    expires_on = forms.DateField(
        label="Expires on (UTC)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The token stops working at 00:00 UTC that day.",
    )

    def __init__(self, *args: Any, max_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_days = max_days
        self.fields["expires_on"].help_text += f" At most {max_days} days from now."

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the token a name.")
        return name

    def clean_expires_on(self) -> date:
        day: date = self.cleaned_data["expires_on"]
        today = timezone.now().date()
        if day <= today:
            raise forms.ValidationError("Choose a day after today.")
        if day > today + timedelta(days=self.max_days):
            raise forms.ValidationError(f"A token may live at most {self.max_days} days.")
        return day

    @property
    def expires_at(self) -> datetime:
        return datetime.combine(self.cleaned_data["expires_on"], time.min, tzinfo=UTC)

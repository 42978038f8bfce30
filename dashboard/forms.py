from typing import Any

from django import forms

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

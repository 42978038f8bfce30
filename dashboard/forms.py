from django import forms

from dashboard.models import Merchant


class MerchantForm(forms.ModelForm):
    """Edit a merchant's connection. The API key is write-only: leave it blank to keep the current one."""

    api_key = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False), help_text="Leave blank to keep the current key."
    )

    class Meta:
        model = Merchant
        fields = ["code", "name", "base_url", "merchant_id", "api_key", "api_version", "is_active", "is_default"]

    def clean_api_key(self) -> str:
        key = self.cleaned_data.get("api_key", "")
        if not key and not (self.instance and self.instance.pk):
            raise forms.ValidationError("A new merchant needs an API key.")
        return key or self.instance.api_key

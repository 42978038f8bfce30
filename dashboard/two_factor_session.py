"""Which device verified this session: django-otp's OTPMiddleware, without a query of its own on most requests.

django-otp's middleware reads the device named in the session (`otp_device_id`) on every request, to set
`request.user.otp_device` (and so `is_verified()`). The person is loaded with the pks of their confirmed
authenticator and recovery-code devices (dashboard/auth_backend.py, same query), so when the session names
one of those, the device is known to exist, to be confirmed and to be the person's: `otp_device` becomes a lazy
object that reads the row only if something uses more than its presence. Any other case takes django-otp's
own path (a query): a person loaded by another backend, a session naming another device, and a device removed
or reset, which is gone from the person's query on the very next request, so django-otp finds no device, the
session is no longer verified at once and its device key is dropped.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from dashboard import two_factor

# persistent_id prefixes (app_label.model_name) of the devices the person is loaded with, and their flags
_FLAGS = {"otp_totp.totpdevice": two_factor.TOTP_FLAG, "otp_static.staticdevice": two_factor.STATIC_FLAG}


def _loaded_device_pk(user: Any, persistent_id: str) -> str | None:
    """The device's pk when the person's own query says it exists and is confirmed; None when it cannot say."""
    model, _, pk = persistent_id.partition("/")
    flag = _FLAGS.get(model)
    loaded = getattr(user, flag, None) if flag is not None else None  # `user` may be a lazy object
    return pk if loaded is not None and str(loaded) == pk else None


class OTPSessionMiddleware(OTPMiddleware):
    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        self._init_user_fields(user)
        if not user.is_authenticated:
            return user
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if not persistent_id:
            return user
        persistent_id = self._normalize_persistent_id(persistent_id)
        if _loaded_device_pk(user, persistent_id) is not None:
            user.otp_device = SimpleLazyObject(lambda: Device.from_persistent_id(persistent_id))
            return user
        user.otp_device = self._finalize_device(request, user, self._device_from_persistent_id(persistent_id))
        return user

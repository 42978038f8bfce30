"""One shape for the buttons on a second-Admin proposal (a merchant's base-URL change, a second-factor reset):
run the action, say how it went in a message, go back to the list."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from dashboard.access import SignedInRequest


def act_and_redirect[T](
    request: SignedInRequest,
    action: Callable[[], T],
    *,
    refused: type[Exception],
    not_done: str,
    done: Callable[[T], str],
    to: str,
) -> HttpResponse:
    """Run `action`; on `refused` show "`not_done`: why" as an error, else `done(result)` as a success; redirect
    to the URL named `to` either way."""
    try:
        result = action()
    except refused as error:
        messages.error(request, f"{not_done}: {error}")
    else:
        messages.success(request, done(result))
    return redirect(to)

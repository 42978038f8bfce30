from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders.webhooks import WebhookRejected, receive


@login_not_required  # Juspay signs in with Basic auth on every call, never with a session
@csrf_exempt
@require_POST
def juspay_webhook(request: HttpRequest) -> JsonResponse:
    """Juspay's webhooks: Basic auth, not a session, so this URL is outside the role checks by design."""
    try:
        intake = receive(request.headers.get("Authorization", ""), request.body)
    except WebhookRejected as rejected:
        response = JsonResponse({"status": "rejected", "reason": rejected.reason}, status=rejected.status)
        if rejected.status == 401:
            response["WWW-Authenticate"] = 'Basic realm="juspay-webhooks"'
        return response
    return JsonResponse({"status": "duplicate" if intake.duplicate else "accepted", "event_id": intake.event.event_id})

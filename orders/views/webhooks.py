from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dashboard.access import SignedInRequest, requires
from dashboard.htmx import render_page_or_partial
from orders import webhook_log, webhooks
from orders.models import WebhookEvent
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


@requires("orders.view_raw")  # webhook bodies are raw Juspay answers: Admin's, like the order page's raw section
def webhook_list(request: SignedInRequest) -> HttpResponse:
    context = {
        "log": webhook_log.webhook_list(request.GET.get("state", ""), viewer=request.user),
        "max_attempts": webhooks.MAX_ATTEMPTS,
    }
    return render_page_or_partial(request, "orders/webhooks.html", "webhooks", context)


@requires("orders.view_raw")
def webhook_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    event = WebhookEvent.objects.visible_to(request.user).select_related("merchant").filter(pk=pk).first()
    if event is None:
        raise Http404("No such webhook")
    return render(request, "orders/webhook_detail.html", {"hook": webhook_log.webhook_detail(event)})

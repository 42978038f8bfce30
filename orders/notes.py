"""Internal notes on an order: written here only, with the audit event and the timeline entry in one transaction."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dashboard import audit
from orders import events, masking
from orders.models import Note, Order

MAX_LENGTH = 2000


def add_note(order: Order, body: str, *, author: User) -> Note:
    """Add a note to the order; it shows in the order's timeline. Empty or over-long notes are refused."""
    text = (body or "").strip()
    if not text:
        raise ValidationError("Write something first: the note is empty.")
    if len(text) > MAX_LENGTH:
        raise ValidationError(f"A note holds at most {MAX_LENGTH} characters; this one has {len(text)}.")
    with transaction.atomic():
        note = Note.objects.create(order=order, author=author, body=text, created_at=timezone.now())
        events.note_added(note).save()
        audit.record(
            "order.note_added",
            actor=author,
            obj=order,
            after={"note_id": note.pk, "text": masking.scrub_text(text)},
            summary=f"note added to order {order.order_id}",
        )
    return note

"""Why an approval-flow action was refused: each error carries a sentence a person can act on.

Services raise these; views catch `ActionError` and show `message` (next to `field` when it names one).
`short` is the few words a queue row shows instead ("You raised it"), for the refusals a page explains
before anyone clicks (see fulfilment.permissions).
"""

from __future__ import annotations


class ActionError(Exception):
    def __init__(self, message: str, *, field: str | None = None, short: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.short = short


class NotAllowed(ActionError):
    """The person may not do this (permission, role, or not the maker)."""


class SelfApprovalError(NotAllowed):
    """Maker ≠ checker: nobody decides on their own request."""


class AlreadyDecided(ActionError):
    """This person already approved or rejected this request."""


class StateConflict(ActionError):
    """The request is no longer in a state that allows this (someone else moved it first)."""


class InvalidRequest(ActionError):
    """What was asked for does not make sense for this order."""

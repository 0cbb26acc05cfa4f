"""Refusals that every caller answers the same way, whichever app's service raises them."""

from django.core.exceptions import ValidationError


class InvalidTransition(ValidationError):
    """The object's current state refuses the change asked for: an invitation no longer pending, a
    partnership no longer active, a link that expired.

    A `ValidationError` naming no field, so forms and console pages show its message like any other refusal;
    the API answers it with 409 Conflict (`core.api.exceptions`), where input errors are 400.
    """

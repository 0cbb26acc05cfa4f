"""Background work of API tokens, for `django.tasks`: run by the workers on a schedule (PERIODIC_TASKS)."""

from django.tasks import task

from tokens.services import tokens_disable_idle


@task()
def disable_idle_tokens() -> int:
    """Disable the tokens unused for a year, emailing their owners (as `manage.py disable_idle_tokens`)."""
    return tokens_disable_idle()

"""Keep the client's name on its partnerships when the organization is renamed."""

from organizations.models import Organization
from partners.models import Partnership


def copy_renamed_client_name(sender, instance: Organization, created: bool, update_fields=None, **kwargs):
    """After an organization is saved with its name, in the same transaction: its partnerships as a client
    list it under the new name."""
    if created or (update_fields is not None and "name" not in update_fields):
        return
    Partnership.objects.filter(client=instance).exclude(client_name=instance.name).update(
        client_name=instance.name
    )

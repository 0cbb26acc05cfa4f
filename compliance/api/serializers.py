from django.utils.translation import gettext as _
from rest_framework import serializers

from core.api.inputs import DayField
from core.models import AuditEvent


class ActivityFilterSerializer(serializers.Serializer):
    """The query of the activity log; `from` is added in `get_fields` since it is a Python keyword."""

    actor = serializers.CharField(
        required=False, max_length=254, help_text="The actor's email, or part of it."
    )
    action = serializers.CharField(
        required=False, max_length=64, help_text="An action, or a group ending with a dot (`partnership.`)."
    )
    to = DayField(required=False, help_text="On or before this day (YYYY-MM-DD).")
    partners_only = serializers.BooleanField(
        required=False, default=False, help_text="Only events a partner did, or that concern a partnership."
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = DayField(required=False, help_text="On or after this day (YYYY-MM-DD).")
        return fields

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": _("This day is before `from`.")})
        return attrs

    def filters(self) -> dict:
        data = self.validated_data
        return {
            "actor": data.get("actor", ""),
            "action": data.get("action", ""),
            "date_from": data.get("from"),
            "date_to": data.get("to"),
            "partners_only": data.get("partners_only", False),
        }


class AuditEventSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(
        source="organization.name", default=None, allow_null=True, read_only=True
    )
    on_behalf_of = serializers.CharField(
        source="on_behalf_of.name",
        default=None,
        allow_null=True,
        read_only=True,
        help_text="The partner organization the actor acted for; null when the actor acted as a member.",
    )
    description = serializers.CharField(
        source="sentence",
        read_only=True,
        help_text="What happened, in a sentence, in the language of the request.",
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor_email",
            "organization",
            "on_behalf_of",
            "action",
            "description",
            "target_type",
            "target_id",
            "target_repr",
            "changes",
            "ip_address",
        ]
        read_only_fields = fields

from rest_framework import serializers

from tokens.models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer):
    application_label = serializers.CharField(read_only=True)
    token = serializers.CharField(
        source="masked", read_only=True, help_text="The prefix and last characters: the token is never shown."
    )
    status = serializers.CharField(source="status_name", read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "token",
            "application",
            "application_label",
            "scopes",
            "created_at",
            "expires_at",
            "last_used_at",
            "last_used_ip",
            "status",
            "status_reason",
        ]
        read_only_fields = fields


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        source="plaintext", read_only=True, help_text="The token, shown this once: store it now."
    )


class ApiTokenInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    application = serializers.CharField(
        max_length=50, default="manager", help_text="`manager` (the Manager API) or a product category."
    )
    scopes = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=50, help_text="E.g. `billing:read`."
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, max_length=4096, help_text="Your Manager login password."
    )

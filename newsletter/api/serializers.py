from rest_framework import serializers

from newsletter.models import MailingList, Subscriber
from organizations.models import Product


class NewsletterProductSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id", read_only=True)
    status = serializers.CharField(read_only=True, help_text="`active`, `suspended` or `expired`.")

    class Meta:
        model = Product
        fields = ["id", "name", "organization", "status", "expires_at"]
        read_only_fields = fields


class MailingListSerializer(serializers.ModelSerializer):
    subscriber_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = MailingList
        fields = ["id", "name", "created_at", "subscriber_count"]
        read_only_fields = fields


class MailingListInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class SubscriberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subscriber
        fields = ["id", "email", "name", "subscribed_at"]
        read_only_fields = fields


class SubscriberInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

"""Request bodies read through Input serializers, as every API view does."""


def parse(request, serializer_class, *, context: dict | None = None, partial: bool = False) -> dict:
    """The request body validated by an Input serializer (400 with field errors when it is not valid)."""
    serializer = serializer_class(data=request.data, context=context or {}, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data

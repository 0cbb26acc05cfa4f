class DatabaseIdConverter:
    """A positive database id; longer numbers than a 64-bit integer holds are not ids, so they 404."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)

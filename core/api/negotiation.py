"""API actions that answer a file (a CSV, a PDF) whatever the client accepts."""

from rest_framework import renderers


class FileActionsMixin:
    """`file_actions` answer their file whatever the `Accept` header says, and an error of theirs in JSON;
    the other actions negotiate as usual."""

    file_actions: tuple[str, ...] = ()

    def perform_content_negotiation(self, request, force=False):
        if self.action in self.file_actions:
            renderer = renderers.JSONRenderer()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

"""OpenAPI: the bearer scheme, and the error answers every endpoint can give, documented in one place."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token created on the API tokens page of the Manager: "
            "`Authorization: Bearer mgr_…`. It acts as its user, within its application and scopes.",
        }


ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Messages per field (`{field: [messages]}`, nested for lists and objects); "
    "`non_field_errors` for a rule on the whole request; `detail` when the body cannot be parsed.",
}
# Status → (description, example body), added to every operation where it applies.
COMMON_RESPONSES = {
    400: (
        "Invalid input: `{field: [messages]}`.",
        {"name": ["This field is required."]},
    ),
    401: (
        "No credentials, or an API token that is malformed, unknown, expired, revoked or disabled. "
        "The answer carries `WWW-Authenticate: Bearer`.",
        {"detail": "This API token has been revoked."},
    ),
    403: (
        "Your role does not allow this, the token lacks the scope or is for another application, "
        "or (session) the CSRF token is missing.",
        {"detail": "This token does not have the scope `billing:write`."},
    ),
    404: (
        "No such object among those you can reach, or a page number beyond the last.",
        {"detail": "Not found."},
    ),
    415: ("The request body is not in a supported media type.", None),
    429: (
        "Too many requests for this token (or user): wait for the seconds in `Retry-After`.",
        {"detail": "Request was throttled. Expected available in 42 seconds."},
    ),
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Always `Bearer realm="api"`.'}
}


def _error_response(status: int) -> dict:
    description, example = COMMON_RESPONSES[status]
    schema = {
        "$ref": "#/components/schemas/ValidationError" if status == 400 else "#/components/schemas/Error"
    }
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if example is not None:
        response["content"]["application/json"]["examples"] = {"Example": {"value": example}}
    if status == 429:
        response["headers"] = RETRY_AFTER
    if status == 401:
        response["headers"] = WWW_AUTHENTICATE
    return response


def _statuses_for(path: str, operation: dict) -> list[int]:
    statuses = [401, 403, 429]
    query = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    if "requestBody" in operation or query:
        statuses.append(400)
    if "requestBody" in operation:
        statuses.append(415)
    if "{" in path or "page" in query:
        statuses.append(404)
    return statuses


def document_common_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation lists the errors DRF can answer with, with an
    example, keeping the descriptions a view documented itself."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status in _statuses_for(path, operation):
                documented = responses.get(str(status))
                generated = _error_response(status)
                if documented is None:
                    responses[str(status)] = generated
                elif "content" not in documented:
                    documented.update({k: v for k, v in generated.items() if k != "description"})
    return result

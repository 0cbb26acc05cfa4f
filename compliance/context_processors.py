from compliance.consent import consent_of_request


def cookie_consent(request):
    """The visitor's cookie choice; without one, every page shows the banner (and nothing optional runs)."""
    consent = consent_of_request(request)
    return {"cookie_consent": consent, "cookie_banner": consent is None}

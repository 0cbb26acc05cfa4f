"""Names vulture reports as unused that are used: Django, DRF and drf-spectacular call or read them by name.

`make lint` runs vulture on the apps with this file (pyproject.toml, [tool.vulture]); framework hooks with
conventional names (`Meta`, `get_*`, `has_permission`, …) are ignored there by name. Everything below is
named here one by one, with where it is read: a name that is really unused is deleted, not added here.
"""

# Named by their dotted path in console/settings.py (MIDDLEWARE, TEMPLATES, REST_FRAMEWORK, TASKS, …).
_.AuditContextMiddleware  # core/middleware.py
_.SessionLimitsMiddleware  # core/session_limits.py
_.AccountLanguageMiddleware  # organizations/languages.py
_.cookie_consent  # compliance/context_processors.py
_.console  # console/context_processors.py
_.BootstrapFormRenderer  # console/forms.py, FORM_RENDERER
_.MailboxBackend  # console/mailbox.py, MAILERS
_.ThreadBackend  # console/task_backends.py, TASKS of the browser tests
_.RequestMetricsMiddleware  # console/metrics.py
_.TaskQueue  # console/health.py, HEALTH_CHECKS in console/urls.py
_.collect  # console/metrics.py QueueCollector, called by prometheus_client
_.changelist_view  # console/admin.py QueuedTaskAdmin, the admin's list view
_.file  # ManagedClientExportJobViewSet, billing/api/urls.py
_.expire_invitations  # partners/tasks.py, PERIODIC_TASKS
_.WorkerLost  # console/worker.py, named by its path on the task results of lost workers
_.file_url  # BillingExportJobSerializer, a SerializerMethodField
_.seen_at  # WorkerHeartbeat, the ORM (seen_at__gt)
_.enqueued_at  # ScheduledRun, the admin
_.deferred  # QueueSummary, admin/django_tasks_database/dbtaskresult/change_list.html
_.SHORT_DATE_FORMAT  # console/formats/en/formats.py, FORMAT_MODULE_PATH
_.SHORT_DATETIME_FORMAT  # console/formats/en/formats.py, FORMAT_MODULE_PATH
_.BearerAuthentication  # tokens/authentication.py
_.TokenScopePermission  # tokens/permissions.py
_.TokenOrUserRateThrottle  # tokens/throttling.py
_.handler403  # console/urls.py, read by Django's URL resolver
_.permission_denied  # console/views.py, handler403
_.document_common_responses  # tokens/schema.py, SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]

# drf-spectacular extensions register themselves by subclassing.
_.BearerScheme  # tokens/schema.py
_.NamedChoiceFieldExtension  # billing/api/serializers.py

# Read only by templates.
_.percent  # BillingExportJob, billing/_export.html
_.is_finished  # BillingExportJob, billing/_export.html
_.discounted  # Quote, billing/_quote.html
_.quote  # set on each orderable product type, billing/product_order.html
_.new_number_display  # VatNumberChange, organizations/organization_settings.html
_.previous_number_display  # VatNumberChange, organizations/organization_settings.html
_.scope_groups  # ApiTokenForm, tokens/api_token_create.html
_.display_status  # ApiToken, tokens/api_tokens.html
_.status_name  # ApiToken, the API's `status` (source=)
_.paid  # OrderOutcome, billing/order_done.html; InvoiceSerializer
_.invoice_org_id  # OrderOutcome, billing/order_done.html
_.public_gross  # Quote, billing/_quote.html
_.included_tax_wording  # Quote, billing/_quote.html
_.link_expired  # Partnership, partners/_expiry.html

# Model fields and choices, read by the ORM (`field__lookup`), forms, the admin, serializers or templates.
_.valid_until  # TaxRate
_.placed_by  # Order
_.paid_at  # Invoice
_.created_by  # LedgerEntry, Partnership
_.requested_by  # BillingExportJob
_.finished_at  # BillingExportJob
_.downloaded_at  # BillingExportJob
_.issued_by  # DpaCertificate
_.sent_at  # MailboxMessage
_.target_type  # AuditEvent
_.target_id  # AuditEvent
_.subscribed_at  # Subscriber
_.date_joined  # User
_.terms_accepted_at  # Organization
_.effective_from  # VatNumberChange
_.changed_by  # VatNumberChange
_.answered_by  # Partnership
_.payment_method_changed_at  # Partnership
_.ended_at  # Partnership
_.ended_by  # Partnership
_.token_hash  # ApiToken
_.last_used_ip  # ApiToken
_.status_changed_at  # ApiToken
_.LIGHT  # Theme
_.DARK  # Theme
_.ASSOCIATION  # EntityType
_.PUBLIC_ADMINISTRATION  # EntityType
_.SUSPENDED  # ProductStatus
_.icon  # ProductCategory, the Bootstrap icon of the category in templates

# Declared form and serializer fields: Django and DRF read them from the class.
_.q  # billing/forms.py, partners/forms.py
_.sort  # partners/forms.py
_.validity  # tokens/forms.py
_.new_password1  # organizations/forms.py
_.new_password2  # organizations/forms.py
_.product_name  # billing/api/serializers.py
_.top_up  # billing/api/serializers.py
_.subscriber_count  # newsletter/api/serializers.py
_.since  # partners/api/serializers.py
_.product_count  # partners/api/serializers.py
_.vat_number_formatted  # organizations/api/serializers.py
_.formatted  # organizations/api/serializers.py; VatCheck in organizations/vat.py

# A URL argument the view receives, though the mailing list is resolved in `initial`.
_.list_id  # newsletter/api/views.py, SubscriberViewSet

# Dataclass fields read through asdict() or by the tests of a rule table.
_.details  # Figure, console/bench.py: written to bench-results.json
_.rate_country  # TaxDecision, billing/tax.py: whose rate applied, checked by tests/billing/test_tax.py

_.shown_description  # billing/wordings.py, read by the invoice PDF and wallet templates
_.paid_by  # Quote, read by the quote tests against the who-pays table
_.ROOT_URLCONF  # console/bench_settings.py, a settings module
_.stopped_at  # WorkerHeartbeat, the ORM (stopped_at__isnull)
_.MEMBER_ONLY_PERMISSIONS  # organizations/access.py, named by the access tests and the docs
_.at  # PartnershipQuerySet.active(at=...), the moment access is decided for
_._iterable_class  # Django's QuerySet, set by partners/selectors.py
_.generator  # tokens/schema.py, drf-spectacular's postprocessing hook signature
_.parameter_name  # VatNumberSharedFilter in organizations/admin.py, read by Django's admin
_.RefuseNullCharactersMiddleware  # core/middleware.py, MIDDLEWARE
_.handler404  # console/urls.py, Django's error views for the root URLconf
_.handler500  # console/urls.py

# Two-factor sign-in: fields the API serializers and templates read, a hash the ORM filters on.
_.enabled  # TwoFactorStatus (organizations/two_factor.py) and its serializer, read by the Security page
_.factor_types  # TwoFactorStatus, read by TwoFactorStatusSerializer
_.authenticator_app  # TwoFactorStatusSerializer, an API field
_.recovery_codes_remaining  # TwoFactorStatus and its serializer, read by the Security page
_.code_hash  # RecoveryCode, the ORM (code_hash=...)

# Time-limited access, handover and bulk actions (partners): fields the ORM, admin, templates and API read.
_.renewal_requested  # partners/api/serializers.py, ManagedClientSerializer
_.until_filter  # partners/api/serializers.py, BulkClientsInputSerializer (read with data.get)
_.renewal_requested_by  # Partnership, shown in the admin
_.renewal_last_day  # Partnership, templates/partners/partner_detail.html
_.closed_on  # Partnership, templates/partners/partners.html
_.code_hash  # TransferCode, looked up by partners.services
_.used_by  # TransferCode, shown in the admin
_.new_partnership  # TransferCode, shown in the admin

# Cashback payouts and partner statements (billing/payouts.py, billing/statements.py).
_.hold_entry  # Payout, set at the request; the admin's fields
_.release_entry  # Payout, set at a refusal; the admin's fields
_.decided_by  # Payout, the admin's fields
_.decided_at  # Payout, PayoutSerializer and the admin's list
_.cashback_total  # StatementSummarySerializer, its Meta.fields
_.savings_total  # StatementSummarySerializer, its Meta.fields
_.invoices_total  # StatementSummarySerializer, its Meta.fields
_.closing_balance  # StatementSummarySerializer, its Meta.fields

# Built once per output serializer class and read back from the class's own __dict__.
_._built_fields  # billing/api/serializers.py, DirectReadMixin
# Subscriptions: read by the templates and the API serializers.
_.is_current  # PaymentChoicePreview (billing/selectors.py) and its serializer
_.credited  # TypeChangeOption, read by the change-of-type page
_.possible  # billing/selectors.py, read by the Pay now block of the invoice page
# Partner staff assigned to clients and bulk runs: columns staff read in the admin, a form hook Django calls.
_.label_from_instance  # partners/forms.py, ModelMultipleChoiceField labels
_.assigned_at  # ClientAssignment
_.assigned_by  # ClientAssignment
_.processed_at  # BulkRunItem
_._bound_writers  # billing/api/serializers.py, DirectReadMixin, per serializer instance
_.extra_kwargs  # DRF ModelSerializer Meta
_.finished  # partners/api/serializers.py, BulkRunSerializer field

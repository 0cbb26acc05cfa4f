"""Bootstrap rendering for every Django form of the console, without per-form markup."""

from django import forms
from django.forms.renderers import Jinja2, TemplatesSetting
from django.utils.functional import cached_property


class BootstrapBoundField(forms.BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)):
            css_class = "form-check-input"
        elif isinstance(widget, forms.Select):
            css_class = "form-select"
        else:
            css_class = "form-control"
        if self.errors:
            css_class += " is-invalid"
        attrs["class"] = f"{attrs.get('class', '')} {css_class}".strip()
        return attrs


class BootstrapFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = BootstrapBoundField

    # Django ships every widget's template for Jinja2 too, with the same HTML: rendered by Jinja2, a widget
    # costs a tenth of the Django template language's include-per-attribute, on every form of the console.
    widget_templates = "django/forms/widgets/"

    @cached_property
    def _widget_renderer(self) -> Jinja2:
        return Jinja2()

    def get_template(self, template_name):
        if template_name.startswith(self.widget_templates):
            return self._widget_renderer.get_template(template_name)
        return super().get_template(template_name)

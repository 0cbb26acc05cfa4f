"""Standard VAT rates of Switzerland and the 27 EU member states, with the dates they changed.

Rates are data: staff add a row (from its first day) in the admin when a country changes its rate.
"""

from decimal import Decimal

from django.db import migrations

# country: [(valid_from, rate), ...] in date order; each rate holds until the next one starts.
RATES = {
    "CH": [("2018-01-01", "0.077"), ("2024-01-01", "0.081")],
    "AT": [("2016-01-01", "0.20")],
    "BE": [("1996-01-01", "0.21")],
    "BG": [("2007-01-01", "0.20")],
    "HR": [("2013-07-01", "0.25")],
    "CY": [("2014-01-13", "0.19")],
    "CZ": [("2013-01-01", "0.21")],
    "DK": [("1992-01-01", "0.25")],
    "EE": [("2024-01-01", "0.22"), ("2025-07-01", "0.24")],
    "FI": [("2013-01-01", "0.24"), ("2024-09-01", "0.255")],
    "FR": [("2014-01-01", "0.20")],
    "DE": [("2021-01-01", "0.19")],
    "GR": [("2016-06-01", "0.24")],
    "HU": [("2012-01-01", "0.27")],
    "IE": [("2021-03-01", "0.23")],
    "IT": [("2013-10-01", "0.22")],
    "LV": [("2011-07-01", "0.21")],
    "LT": [("2009-09-01", "0.21")],
    "LU": [("2024-01-01", "0.17")],
    "MT": [("2004-01-01", "0.18")],
    "NL": [("2012-10-01", "0.21")],
    "PL": [("2011-01-01", "0.23")],
    "PT": [("2011-01-01", "0.23")],
    "RO": [("2017-01-01", "0.19"), ("2025-08-01", "0.21")],
    "SK": [("2011-01-01", "0.20"), ("2025-01-01", "0.23")],
    "SI": [("2013-07-01", "0.22")],
    "ES": [("2012-09-01", "0.21")],
    "SE": [("1990-07-01", "0.25")],
}


def load_rates(apps, schema_editor):
    from datetime import date, timedelta

    TaxRate = apps.get_model("billing", "TaxRate")
    for country, periods in RATES.items():
        for index, (valid_from, rate) in enumerate(periods):
            start = date.fromisoformat(valid_from)
            until = None
            if index + 1 < len(periods):
                until = date.fromisoformat(periods[index + 1][0]) - timedelta(days=1)
            TaxRate.objects.update_or_create(
                country=country, valid_from=start, defaults={"rate": Decimal(rate), "valid_until": until}
            )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(load_rates, migrations.RunPython.noop)]

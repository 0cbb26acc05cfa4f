"""Who pays an order or a renewal, how much before tax, and what the partner earns.

`price_for` is the pure rule (DESIGN, Billing: the "who pays" table):

| placed by          | payment method | invoiced to | amount before tax       | partner earns          |
| partner for client | client         | client      | P                       | cashback P x rate      |
| partner for client | partner        | partner     | P x (1 - discount)      | —                      |
| client itself      | either         | client      | P                       | cashback P x rate      |

A client without an active partnership pays the public price and earns no one cashback.

`quote` applies it to an organization: it finds the partnership in force and prices a product type in the
payer's currency. The order and renewal pages show a quote, and the service that places the order charges
that same quote. For an EU consumer, the quote also carries the VAT its invoice will add (the invoice's own
decision, `buyers.tax_decision_for`), so the pages show the price it pays.
"""

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from billing.buyers import tax_decision_for
from billing.money import TaxedAmount, round_money
from billing.tax import TaxDecision, price_shown_with_tax, tax_wording
from organizations.models import EntityType, Organization, Product, ProductType
from partners.models import Partnership

CLIENT = "client"
PARTNER = "partner"


@dataclass(frozen=True)
class Price:
    payer: str  # "client" or "partner"
    net: Decimal  # before tax, in the order's currency
    discount_rate: Decimal
    cashback: Decimal  # credited to the partner's wallet
    cashback_rate: Decimal


def price_for(
    *,
    public_price: Decimal,
    placed_by_partner: bool,
    has_partner: bool,
    payment_method: str,
    reseller_discount_rate: Decimal = Decimal("0"),
    cashback_rate: Decimal = Decimal("0"),
) -> Price:
    public_price = round_money(public_price)
    zero = Decimal("0")
    if not has_partner:
        return Price(
            payer=CLIENT, net=public_price, discount_rate=zero, cashback=round_money(0), cashback_rate=zero
        )
    if placed_by_partner and payment_method == PARTNER:
        net = round_money(public_price * (Decimal("1") - reseller_discount_rate))
        return Price(
            payer=PARTNER,
            net=net,
            discount_rate=reseller_discount_rate,
            cashback=round_money(0),
            cashback_rate=zero,
        )
    return Price(
        payer=CLIENT,
        net=public_price,
        discount_rate=zero,
        cashback=round_money(public_price * cashback_rate),
        cashback_rate=cashback_rate,
    )


@dataclass(frozen=True)
class Quote:
    """What an order or renewal costs before tax, who is invoiced, and what the partner earns."""

    partnership: Partnership | None  # the partnership in force, None for a client without a partner
    placed_by_partner: Organization | None  # the partner the order counts as placed by, None: the client
    payer: Organization  # the organization invoiced
    paid_by: str  # CLIENT or PARTNER
    currency: str  # the payer's
    public_price: Decimal
    discount_rate: Decimal
    net: Decimal
    cashback_rate: Decimal
    cashback: Decimal  # in the order's currency, as the order records it
    cashback_credited: Decimal  # to the partner's wallet, in the partner's currency
    # The VAT the payer's invoice will add, when prices are shown to it with VAT (an EU consumer); None: the
    # prices are shown before tax.
    included_tax: TaxDecision | None = None

    @property
    def gross(self) -> Decimal:
        """What the payer pays, VAT included, rounded as its invoice will be."""
        return TaxedAmount.from_net(self.net, self.included_tax.rate).gross

    @property
    def public_gross(self) -> Decimal:
        return TaxedAmount.from_net(self.public_price, self.included_tax.rate).gross

    @property
    def included_tax_wording(self) -> str:
        """ "VAT DE 19.0 %", in the active language."""
        tax = self.included_tax
        return tax_wording(tax.rule, tax.rate, tax.rate_country)

    @property
    def partner(self) -> Organization | None:
        return self.partnership.partner if self.partnership is not None else None

    @property
    def payment_method(self) -> str:
        return self.partnership.payment_method if self.partnership is not None else ""

    @property
    def discounted(self) -> bool:
        return self.net != self.public_price


def _active_partnerships(client: Organization) -> QuerySet[Partnership]:
    """The client's partnerships in force, with the partner's rates."""
    return Partnership.objects.active().filter(client=client).select_related("partner__partner_profile")


def _partnership_in_force(
    client: Organization, placed_by_partner: Organization | None
) -> tuple[Organization | None, Partnership | None]:
    """Who the order counts as placed by, and the partnership that prices it: the placing partner's; else,
    the partner no longer managing the client or the client placing it itself, the client's current one
    (Full access before Limited)."""
    partnerships = _active_partnerships(client)
    if placed_by_partner is not None:
        partnership = partnerships.filter(partner=placed_by_partner).first()
        if partnership is not None:
            return partnership.partner, partnership
    return None, partnerships.by_precedence().first()


def _included_tax(payer: Organization) -> TaxDecision | None:
    """The VAT shown in the payer's prices: only a consumer's (no query for a business)."""
    if payer.entity_type != EntityType.INDIVIDUAL:
        return None
    try:
        decision = tax_decision_for(payer)
    except ValidationError:
        # No rate known for the country today: the order says so; the page shows the price before tax.
        return None
    return decision if price_shown_with_tax(buyer_entity_type=payer.entity_type, decision=decision) else None


def _included_tax_by_payer() -> Callable[[Organization], TaxDecision | None]:
    """`_included_tax`, read once per payer for a whole catalog."""
    decided: dict[int, TaxDecision | None] = {}

    def included_tax(payer: Organization) -> TaxDecision | None:
        if payer.pk not in decided:
            decided[payer.pk] = _included_tax(payer)
        return decided[payer.pk]

    return included_tax


def _quote(
    client: Organization,
    product_type: ProductType,
    placed_by_partner: Organization | None,
    partnership: Partnership | None,
    included_tax: Callable[[Organization], TaxDecision | None] = _included_tax,
) -> Quote:
    profile = getattr(partnership.partner, "partner_profile", None) if partnership else None

    def price_in(currency: str) -> Price:
        return price_for(
            public_price=product_type.price_in(currency),
            placed_by_partner=placed_by_partner is not None,
            has_partner=partnership is not None,
            payment_method=partnership.payment_method if partnership else "",
            reseller_discount_rate=profile.reseller_discount_rate if profile else Decimal("0"),
            cashback_rate=profile.cashback_rate if profile else Decimal("0"),
        )

    price = price_in(client.currency)
    payer = partnership.partner if price.payer == PARTNER else client
    # A partner pays, and earns, from the public price list in its own currency.
    charged = price if payer.currency == client.currency else price_in(payer.currency)
    cashback_credited = round_money(0)
    if price.cashback > 0:
        partner = partnership.partner
        cashback_credited = (
            price.cashback if partner.currency == client.currency else price_in(partner.currency).cashback
        )
    return Quote(
        partnership=partnership,
        placed_by_partner=placed_by_partner,
        payer=payer,
        paid_by=price.payer,
        currency=payer.currency,
        public_price=round_money(product_type.price_in(payer.currency)),
        discount_rate=price.discount_rate,
        net=charged.net,
        cashback_rate=price.cashback_rate,
        cashback=price.cashback,
        cashback_credited=cashback_credited,
        included_tax=included_tax(payer),
    )


def quotes(
    *, client: Organization, product_types: Iterable[ProductType], placed_by_partner: Organization | None
) -> dict[int, Quote]:
    """The quote of each product type (by id), with one read of the partnership in force for all."""
    placed_by_partner, partnership = _partnership_in_force(client, placed_by_partner)
    included_tax = _included_tax_by_payer()
    return {
        product_type.pk: _quote(client, product_type, placed_by_partner, partnership, included_tax)
        for product_type in product_types
    }


def quote(
    *,
    client: Organization,
    product_type: ProductType,
    placed_by_partner: Organization | None,
    payment_method: str | None = None,
) -> Quote:
    """What ordering the product type for the client costs now. `placed_by_partner` is the partner
    organization acting for the client, None when the client orders itself; for a renewal, whoever placed
    the product's first order (`renewal_placed_by`), under the partnership in force today. `payment_method`
    prices it as if the partnership in force had that payment method (the who-pays preview); None: as it
    is."""
    placed_by_partner, partnership = _partnership_in_force(client, placed_by_partner)
    if payment_method is not None and partnership is not None:
        partnership = copy.copy(partnership)
        partnership.payment_method = payment_method
    return _quote(client, product_type, placed_by_partner, partnership)


def renewal_placed_by(product: Product) -> Organization | None:
    """The partner that placed the product's first order (a renewal counts as placed by it), if any."""
    first = product.orders.order_by("created_at", "pk").select_related("placed_by_partner").first()
    return first.placed_by_partner if first is not None else None


@dataclass(frozen=True)
class TypeChange:
    """What changing a product's type costs for the rest of its period: `net` above zero is invoiced, below
    zero credited; from the quotes of both types, for the time left."""

    old: Quote
    new: Quote
    start: datetime
    end: datetime
    net: Decimal

    @property
    def payer(self) -> Organization:
        return self.new.payer

    @property
    def currency(self) -> str:
        return self.new.currency


def type_change_quote(*, product: Product, product_type: ProductType, now=None) -> TypeChange:
    """The prorated difference between the product's type and `product_type` until the product's end: the
    new type's quote for the time left, less the current type's quote for the same time."""
    now = now or timezone.now()
    placed_by = renewal_placed_by(product)
    client = product.organization
    old = quote(client=client, product_type=product.product_type, placed_by_partner=placed_by)
    new = quote(client=client, product_type=product_type, placed_by_partner=placed_by)
    left = int(max(product.expires_at - now, timedelta(0)).total_seconds())

    def share(priced: Quote, of: ProductType) -> Decimal:
        return priced.net * left / int(of.period_length.total_seconds())

    net = round_money(share(new, product_type) - share(old, product.product_type))
    return TypeChange(old=old, new=new, start=now, end=product.expires_at, net=net)

"""Money is a Decimal with a currency; every amount is rounded here and nowhere else."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(amount) -> Decimal:
    """Round to the cent, half up (commercial rounding, as on Swiss and EU invoices)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TaxedAmount:
    """Net, tax and gross of one amount: net + tax == gross always holds."""

    net: Decimal
    tax: Decimal
    gross: Decimal

    def __post_init__(self):
        if self.net + self.tax != self.gross:
            raise ValueError(f"net {self.net} + tax {self.tax} != gross {self.gross}")

    @classmethod
    def from_net(cls, net, rate) -> "TaxedAmount":
        net = round_money(net)
        tax = round_money(net * Decimal(rate))
        return cls(net=net, tax=tax, gross=net + tax)

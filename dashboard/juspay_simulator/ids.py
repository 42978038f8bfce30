"""Identifiers in Juspay's documented shapes, drawn from a seeded random source."""

import random
import string
from datetime import UTC, datetime

_UPPER_ALNUM = string.ascii_uppercase + string.digits
_ALNUM = string.ascii_letters + string.digits


class IdMaker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def alnum(self, n: int, alphabet: str = _ALNUM) -> str:
        return "".join(self.rng.choices(alphabet, k=n))

    def digits(self, n: int) -> str:
        """`n` digits, the first not zero."""
        return str(self.rng.randrange(10 ** (n - 1), 10**n))

    def unique(self, make) -> str:
        while True:
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value

    def reserve(self, value: str) -> None:
        self._used.add(value)

    def is_used(self, value: str) -> bool:
        return value in self._used

    def order_id(self, created: float) -> str:
        """Merchant order id: at most 21 alphanumerics, e.g. `ORD2406A17K2`."""
        day = datetime.fromtimestamp(created, UTC).strftime("%y%m%d")
        return self.unique(lambda: f"ORD{day}{self.alnum(5, _UPPER_ALNUM)}")

    def payout_order_id(self, created: float) -> str:
        day = datetime.fromtimestamp(created, UTC).strftime("%y%m%d")
        return self.unique(lambda: f"PO{day}X{self.alnum(5, _UPPER_ALNUM)}")

    def juspay_order_id(self) -> str:
        return f"ordeh_{self.hex(32)}"

    def txn_uuid(self) -> str:
        return self.rng.choice(["moz", "eul"]) + self.alnum(16)

    def event_id(self) -> str:
        return f"evt_V2_{self.hex(32)}"

    def customer_id(self) -> str:
        return self.unique(lambda: f"cust_{self.hex(6)}")

    def offer_id(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def gateway_txn_id(self, gateway: str) -> str:
        if gateway == "RAZORPAY":
            return f"pay_{self.alnum(14)}"
        if gateway in ("PAYTM_V2", "PHONEPE"):
            return self.digits(32)
        if gateway == "LOYLTYREWARDZ":
            return f"LRZ-{self.digits(8)}"
        return self.digits(14)

    def gateway_refund_id(self, gateway: str) -> str:
        if gateway == "RAZORPAY":
            return f"rfnd_{self.alnum(14)}"
        return self.digits(26)

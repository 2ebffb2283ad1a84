"""Kenyan mobile numbers as families type them, and as M-Pesa wants them.

A guardian types `0712 345 678`, `0110-123-456`, `+254712345678` or `254712345678`; we keep the
E.164 form (`+254712345678`) and send Daraja the bare MSISDN (`254712345678`). Only mobile
numbers can receive an STK prompt, so a landline or a number outside Kenya is refused here,
before anyone waits for a prompt that cannot arrive.
"""

import phonenumbers
from django.utils.translation import gettext

_ACCEPTED_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


class InvalidPhone(ValueError):
    """The text is not a Kenyan mobile number; `.message` is a sentence for the person who typed it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalise_kenyan_mobile(text: str) -> str:
    """`text` as E.164 (`+2547XXXXXXXX` / `+2541XXXXXXXX`); InvalidPhone unless it is a Kenyan mobile."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidPhone(gettext("Enter the M-Pesa phone number, like 0712 345 678."))
    # "254…" without the plus is how Safaricom writes numbers; phonenumbers would read it as a
    # national number, so give it its plus back.
    digits_only = cleaned.replace(" ", "").replace("-", "")
    if digits_only.startswith("254") and not digits_only.startswith("+"):
        cleaned = "+" + digits_only
    try:
        number = phonenumbers.parse(cleaned, "KE")
    except phonenumbers.NumberParseException:
        raise InvalidPhone(gettext("Enter the M-Pesa phone number, like 0712 345 678.")) from None
    if number.country_code != 254 or phonenumbers.region_code_for_number(number) != "KE":
        raise InvalidPhone(gettext("Enter a Kenyan mobile number: M-Pesa only works with Kenyan numbers."))
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(gettext("Enter the M-Pesa phone number, like 0712 345 678."))
    if phonenumbers.number_type(number) not in _ACCEPTED_TYPES:
        raise InvalidPhone(gettext("Enter a mobile number: M-Pesa cannot send a request to a landline."))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # Safaricom's mobile ranges are 7XX and 1XX; anything else is not an M-Pesa phone.
    if e164[4] not in "71":
        raise InvalidPhone(gettext("Enter a mobile number: M-Pesa cannot send a request to a landline."))
    return e164


def msisdn(e164: str) -> str:
    """`+254712345678` → `254712345678`, the form Daraja's PartyA and PhoneNumber take."""
    return e164.removeprefix("+")

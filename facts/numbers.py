"""Numbers as news prose writes them: digits with separators, words, scales.

Everything is Decimal so that "$41.3 bn" normalises exactly to 41300000000.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}  # fmt: skip

# Fractions as shares, in per cent: "a third of imports" is 33.33 per cent (the
# corpus annotates thirds to two decimals, and so do we).
FRACTIONS: dict[str, Decimal] = {
    "half": Decimal(50), "third": Decimal("33.33"), "quarter": Decimal(25),
    "fifth": Decimal(20), "tenth": Decimal(10), "thirds": Decimal("33.33"),
    "quarters": Decimal(25), "fifths": Decimal(20), "tenths": Decimal(10),
}  # fmt: skip

# Multiples as verbs: "to double exports" is 2 times.
MULTIPLE_VERBS: dict[str, int] = {"doubl": 2, "tripl": 3, "quadrupl": 4}

# Scale words and abbreviations. Indian scales: lakh = 1e5, crore = 1e7.
SCALES: dict[str, Decimal] = {
    "thousand": Decimal(10) ** 3,
    "k": Decimal(10) ** 3,
    "lakh": Decimal(10) ** 5,
    "lakhs": Decimal(10) ** 5,
    "million": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "mln": Decimal(10) ** 6,
    "m": Decimal(10) ** 6,
    "crore": Decimal(10) ** 7,
    "crores": Decimal(10) ** 7,
    "cr": Decimal(10) ** 7,
    "billion": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "bln": Decimal(10) ** 9,
    "b": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
    "tn": Decimal(10) ** 12,
    "trn": Decimal(10) ** 12,
    "lakh crore": Decimal(10) ** 12,
}

# Alternation for regexes, longest first so "lakh crore" wins over "lakh".
SCALE_PATTERN = "|".join(sorted((s.replace(" ", r"\s+") for s in SCALES), key=len, reverse=True))

NUMBER_WORD_PATTERN = "|".join(
    sorted((w for w in NUMBER_WORDS if w != "hundred"), key=len, reverse=True)
)


def parse_number(token: str) -> Decimal | None:
    """'4,500' -> 4500; '41.3' -> 41.3; 'twelve' -> 12; 'Thirty-one' -> 31."""
    cleaned = token.strip().lower().replace(",", "").replace("\u2009", "")
    if not cleaned:
        return None
    if cleaned in NUMBER_WORDS:
        return Decimal(NUMBER_WORDS[cleaned])
    if "-" in cleaned:
        parts = cleaned.split("-")
        if len(parts) == 2 and all(p in NUMBER_WORDS for p in parts):
            return Decimal(NUMBER_WORDS[parts[0]] + NUMBER_WORDS[parts[1]])
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    # Decimal also reads "nan" and "infinity": words in prose, not numbers.
    return value if value.is_finite() else None


def fraction_value(words: str) -> Decimal | None:
    """'a third' -> 33.33; 'half' -> 50; 'two-thirds' -> 66.67; 'three quarters' -> 75."""
    parts = words.lower().replace("-", " ").split()
    if not parts or parts[-1] not in FRACTIONS:
        return None
    share = FRACTIONS[parts[-1]]
    count = 1
    if len(parts) > 1 and parts[0] not in ("a", "one"):
        if parts[0] not in NUMBER_WORDS:
            return None
        count = NUMBER_WORDS[parts[0]]
    if count == 1:
        return share
    exact = (
        Decimal(100) / {"third": 3, "quarter": 4, "fifth": 5, "tenth": 10}[parts[-1].rstrip("s")]
    )
    return (exact * count).quantize(Decimal("0.01")).normalize()


def scale_of(word: str | None) -> Decimal:
    if not word:
        return Decimal(1)
    return SCALES.get(" ".join(word.lower().split()), Decimal(1))


def normalise(value: Decimal) -> Decimal:
    """A canonical Decimal: integral values lose their exponent (1E+11 -> 100000000000)."""
    if value == value.to_integral_value():
        # Through int, not quantize: quantize raises InvalidOperation past the
        # context's 28 digits ("$99999999999999999999 trillion").
        return Decimal(int(value))
    return value.normalize()


# Currency markers to ISO codes: before a number ("Rs 25,000"), or after it as a word
# ("80 billion dollars").
CURRENCY_PREFIX = {
    "us$": "USD", "usd": "USD", "$": "USD", "€": "EUR", "eur": "EUR", "£": "GBP",
    "gbp": "GBP", "rs": "INR", "rs.": "INR", "inr": "INR", "₹": "INR", "rub": "RUB",
    "₽": "RUB", "yuan": "CNY", "cny": "CNY",
}  # fmt: skip
CURRENCY_WORD = {
    "dollars": "USD", "us dollars": "USD", "rupees": "INR", "roubles": "RUB",
    "rubles": "RUB", "euros": "EUR", "pounds": "GBP", "yuan": "CNY",
}  # fmt: skip

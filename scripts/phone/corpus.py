#!/usr/bin/env python3
"""Writes tests/fixtures/phone-corpus.csv: numbers written the ways people write
them, each with the default region a form would give, and what ghl-bridge must
answer, computed by Python's `phonenumbers` (an implementation independent of
ours) with the product's two rules on top: a leading `00` is read as `+`, and a
number dialled nationally from France that is not valid there is tried in the
overseas regions sharing France's trunk prefix.

    pip install phonenumbers==9.0.43 && python3 scripts/phone/corpus.py
"""
import csv
import pathlib
import random

import phonenumbers
from phonenumbers import PhoneNumberType as T

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "phone-corpus.csv"
FRENCH_OVERSEAS = ["RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF"]
FRANCE = ["FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC"]
EU = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "DE", "GR", "HU", "IE", "IT",
      "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]
OTHERS = ["GB", "CH", "MC", "AD", "NO", "IS", "LI", "GG", "JE", "IM"]
NANP = ["US", "CA", "PR", "AG", "BS", "BB", "JM", "TT", "DO", "VI", "GU", "BM", "KY"]
TYPES = [T.MOBILE, T.FIXED_LINE, T.TOLL_FREE, T.VOIP, T.SHARED_COST, T.PREMIUM_RATE, T.UAN]


def expected(text: str, region: str | None) -> str:
    """What normalise_phone must answer: the E.164, or empty for refused."""
    trimmed = text.strip()
    international = trimmed.startswith("+") or trimmed.startswith("00")
    if trimmed.startswith("00"):
        trimmed = "+" + trimmed[2:]
    if region is None and not international:
        return ""

    def valid_in(r):
        try:
            n = phonenumbers.parse(trimmed, r)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(n):
            return None
        return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)

    found = valid_in(region)
    if found is None and not international and region == "FR":
        for r in FRENCH_OVERSEAS:
            found = valid_in(r)
            if found:
                break
    return found or ""


def groups(digits: str, sizes) -> list[str]:
    out, i = [], 0
    for s in sizes:
        if i >= len(digits):
            break
        out.append(digits[i:i + s])
        i += s
    if i < len(digits):
        out.append(digits[i:])
    return out


def written(national: str, prefix: str, code: int, rng: random.Random) -> list[str]:
    """A national significant number the ways people write it."""
    pairs = groups(national, [1] + [2] * 8) if len(national) == 9 else groups(national, [3, 3, 4, 4])
    threes = groups(national, [3, 3, 4])
    sep = rng.choice([" ", ".", "-", "", "/"])
    nat = prefix + national
    forms = [
        nat,
        (prefix + sep.join(pairs)) if prefix else sep.join(pairs),
        prefix + " ".join(threes),
        f"+{code}{national}",
        f"+{code} {' '.join(pairs)}",
        f"00{code} {' '.join(threes)}",
        f"{code}{national}",
        f"(+{code}) {national}",
        f"tel:+{code}{national}",
        f"  {nat}  ",
        f"{nat}.",
    ]
    if prefix:
        forms += [f"+{code} ({prefix}){national}", f"({prefix}{national[:2]}) {national[2:]}"]
    return forms


def sample_national(region: str, kind, rng: random.Random) -> str | None:
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        return None
    nsn = phonenumbers.national_significant_number(example)
    # Same range, other subscribers: keep the leading digits, vary the rest.
    keep = max(1, len(nsn) - rng.randint(2, 5))
    return nsn[:keep] + "".join(rng.choice("0123456789") for _ in nsn[keep:])


def broken(national: str, rng: random.Random) -> str:
    """A mistake people make: a digit missing or extra, a wrong leading digit."""
    mode = rng.randrange(4)
    if mode == 0 and len(national) > 3:
        i = rng.randrange(len(national))
        return national[:i] + national[i + 1:]
    if mode == 1:
        return national + rng.choice("0123456789")
    if mode == 2:
        return rng.choice("0123456789") + national[1:]
    return "".join(rng.choice("0123456789") for _ in national)


def main() -> None:
    rng = random.Random(20261202)
    rows: list[tuple[str, str]] = []
    regions = FRANCE * 3 + EU + OTHERS + NANP  # France and its overseas weigh most
    while len(rows) < 9000:
        region = rng.choice(regions)
        kind = rng.choice(TYPES[:2] * 3 + TYPES[2:])
        national = sample_national(region, kind, rng)
        if national is None:
            continue
        if rng.random() < 0.2:
            national = broken(national, rng)
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        prefix = meta.national_prefix or ""
        for text in rng.sample(written(national, prefix, meta.country_code, rng), 3):
            default = rng.choice([region, region, "FR", None]) if region != "FR" else rng.choice(["FR", "FR", None])
            rows.append((text, default or ""))
    # Overseas numbers dialled nationally from France, the trap named in the research.
    for region in FRENCH_OVERSEAS + ["WF", "PF", "NC"]:
        for _ in range(60):
            national = sample_national(region, rng.choice(TYPES[:2]), rng)
            if national:
                rows.append(("0" + national, "FR"))
                rows.append(("0" + " ".join(groups(national, [3, 2, 2, 2])), "FR"))
    # Noise: too short, too long, unknown codes, no digits.
    for _ in range(700):
        n = rng.randint(1, 20)
        digits = "".join(rng.choice("0123456789") for _ in range(n))
        rows.append((rng.choice(["", "+", "00", "0"]) + digits, rng.choice(["FR", "GB", "US", ""])))
    rows += [("call me", "FR"), ("", "FR"), ("+", ""), ("n/a", "FR"), ("-", "FR")]
    with OUT.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["input", "region", "e164"])
        for text, region in rows:
            out.writerow([text, region, expected(text, region or None)])
    valid = sum(1 for t, r in rows if expected(t, r or None))
    print(f"{OUT}: {len(rows)} numbers ({valid} valid), phonenumbers {phonenumbers.__version__}")


if __name__ == "__main__":
    main()

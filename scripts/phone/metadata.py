#!/usr/bin/env python3
"""Writes src/phone/metadata.rs: libphonenumber's metadata, as Python's
`phonenumbers` package ships it, reduced to what parsing, validation and E.164
need (no formats, no example numbers). Each pattern is stored compiled, as a
program for the matcher in src/phone/matcher.rs, so reading a number at run
time compiles nothing.

    pip install phonenumbers==9.0.43 && python3 scripts/phone/metadata.py
"""
import pathlib
import subprocess
import phonenumbers
from phonenumbers import PhoneMetadata, COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.phonenumberutil import SUPPORTED_REGIONS, COUNTRY_CODES_FOR_NON_GEO_REGIONS

import re._constants as sre
import re._parser as sre_parse

OUT = pathlib.Path(__file__).resolve().parents[2] / "src" / "phone" / "metadata.rs"
# The descriptions a valid number must match one of (libphonenumber's
# `_number_type_helper`); which one does not matter for validity,
# so the common ones come first.
TYPES = ["mobile", "fixed_line", "premium_rate", "toll_free", "shared_cost", "voip",
         "personal_number", "pager", "uan", "voicemail"]

# The patterns become programs for the small backtracking matcher in
# src/phone/mod.rs, parsed here by Python's own regex parser: nothing is
# compiled when a number is read. One instruction is a u16: the opcode in the
# top 3 bits, its operand in the other 13. A jump's operand is its distance from
# the jump itself (13-bit two's complement), so a construct that recurs in many
# patterns is the same words wherever it lands, which gzip compresses well.
DIGITS, SPLIT, SPLIT_LAZY, JUMP, SAVE, END, MATCH = range(7)
ALL_DIGITS = (1 << 10) - 1

program: list[int] = []
patterns: list[tuple[int, int]] = []  # (start, capture groups)
index: dict[tuple[str, bool], int] = {}


OPERAND_BITS = 13


def op(code: int, operand: int = 0) -> int:
    """One instruction; a jump's `operand` is its target in its pattern's code,
    until `link` turns it into a distance."""
    return (code << 16) | operand


def digit_mask(items) -> int:
    mask, negate = 0, False
    for kind, value in items:
        if kind is sre.LITERAL:
            mask |= 1 << (value - 48) if 48 <= value <= 57 else 0
        elif kind is sre.RANGE:
            for ch in range(max(value[0], 48), min(value[1], 57) + 1):
                mask |= 1 << (ch - 48)
        elif kind is sre.CATEGORY and value is sre.CATEGORY_DIGIT:
            mask |= ALL_DIGITS
        elif kind is sre.NEGATE:
            negate = True
        else:
            raise ValueError(f"unsupported class item {kind}")
    return ALL_DIGITS & ~mask if negate else mask


def emit(code: list[int], nodes) -> None:
    """Appends `nodes` (a parsed pattern) to `code`, jumps relative to `code`'s
    start; `link` turns them absolute."""
    for kind, value in nodes:
        if kind is sre.LITERAL:
            code.append(op(DIGITS, digit_mask([(kind, value)])))
        elif kind is sre.IN:
            code.append(op(DIGITS, digit_mask(value)))
        elif kind is sre.SUBPATTERN:
            group, _, _, inner = value
            if group is not None:
                code.append(op(SAVE, 2 * group))
            emit(code, inner)
            if group is not None:
                code.append(op(SAVE, 2 * group + 1))
        elif kind is sre.BRANCH:
            _, branches = value
            exits = []
            for i, branch in enumerate(branches):
                last = i == len(branches) - 1
                if not last:
                    split = len(code)
                    code.append(None)
                emit(code, branch)
                if not last:
                    exits.append(len(code))
                    code.append(None)
                    code[split] = op(SPLIT, len(code))
            for e in exits:
                code[e] = op(JUMP, len(code))
        elif kind in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, inner = value
            split = SPLIT if kind is sre.MAX_REPEAT else SPLIT_LAZY
            for _ in range(low):
                emit(code, inner)
            if high is sre.MAXREPEAT:
                loop = len(code)
                code.append(None)
                emit(code, inner)
                code.append(op(JUMP, loop))
                code[loop] = op(split, len(code))
            else:
                holes = []
                for _ in range(high - low):
                    holes.append(len(code))
                    code.append(None)
                    emit(code, inner)
                for h in holes:
                    code[h] = op(split, len(code))
        elif kind is sre.AT and value is sre.AT_END:
            code.append(op(END))
        else:
            raise ValueError(f"unsupported regex node {kind}")


def link(code: list[int]) -> list[int]:
    """The u16 words: a jump's target becomes its distance from the jump."""
    words = []
    for pc, instruction in enumerate(code):
        kind, operand = instruction >> 16, instruction & 0xFFFF
        if kind in (SPLIT, SPLIT_LAZY, JUMP):
            operand -= pc
            assert -(1 << (OPERAND_BITS - 1)) <= operand < (1 << (OPERAND_BITS - 1))
            operand &= (1 << OPERAND_BITS) - 1
        assert 0 <= operand < (1 << OPERAND_BITS)
        words.append((kind << OPERAND_BITS) | operand)
    return words


def pattern(text: str, full: bool) -> int:
    """The index of `text`'s program: anchored at the start, and at the end if `full`."""
    if (text, full) not in index:
        parsed = sre_parse.parse(text)
        code: list[int] = []
        emit(code, list(parsed))
        if full:
            code.append(op(END))
        code.append(op(MATCH))
        index[(text, full)] = len(patterns)
        patterns.append((len(program), parsed.state.groups - 1))
        program.extend(link(code))
    return index[(text, full)]


def rust_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lengths(values) -> str:
    return "&[" + ", ".join(str(v) for v in values if v > 0) + "]"


def desc(d) -> str | None:
    if d is None or not d.national_number_pattern:
        return None
    if tuple(d.possible_length) == (-1,):
        return None
    return (f"Desc {{ pattern: {pattern(d.national_number_pattern, True)}, "
            f"lengths: {lengths(d.possible_length)}, local: {lengths(d.possible_length_local_only)} }}")


def option(value) -> str:
    return "None" if value is None else f"Some({value})"


def region(m) -> str:
    general = desc(m.general_desc)
    types = [t for t in (desc(getattr(m, name)) for name in TYPES) if t is not None]
    transform = m.national_prefix_transform_rule
    if transform:
        # Python's `\1` back-references, as the regex crates write them.
        for n in range(9, 0, -1):
            transform = transform.replace(f"\\{n}", f"${{{n}}}")
    return (
        "    Region {\n"
        f"        id: {rust_str(m.id)},\n"
        f"        code: {m.country_code},\n"
        f"        idd: {option(m.international_prefix and pattern(m.international_prefix, False))},\n"
        f"        national_prefix: {option(m.national_prefix_for_parsing and pattern(m.national_prefix_for_parsing, False))},\n"
        f"        transform: {option(transform and rust_str(transform))},\n"
        f"        leading_digits: {option(m.leading_digits and pattern(m.leading_digits, False))},\n"
        f"        general: {general},\n"
        f"        types: &[{', '.join(types)}],\n"
        "    },\n"
    )


geo = sorted(SUPPORTED_REGIONS)
non_geo = sorted(COUNTRY_CODES_FOR_NON_GEO_REGIONS)
regions = [region(PhoneMetadata.metadata_for_region(r)) for r in geo]
regions += [region(PhoneMetadata.metadata_for_nongeo_region(c)) for c in non_geo]
position = {r: i for i, r in enumerate(geo)}
codes = []
for code in sorted(COUNTRY_CODE_TO_REGION_CODE):
    ids = COUNTRY_CODE_TO_REGION_CODE[code]
    if ids == ("001",):
        members = [len(geo) + non_geo.index(code)]
    else:
        members = [position[r] for r in ids if r in position]
    codes.append(f"    ({code}, &[{', '.join(map(str, members))}]),\n")

OUT.write_text(
    f"// @generated by scripts/phone/metadata.py from Python phonenumbers {phonenumbers.__version__}\n"
    "// (libphonenumber's metadata). Do not edit: re-run the script.\n"
    "use super::{Desc, Region};\n\n"
    f"pub const VERSION: &str = {rust_str(phonenumbers.__version__)};\n\n"
    f"/// Geographical regions sorted by id, then one entry per non-geographical code (`001`).\n"
    "#[rustfmt::skip]\n"
    f"pub static REGIONS: [Region; {len(regions)}] = [\n{''.join(regions)}];\n\n"
    f"/// Number of geographical regions at the start of `REGIONS`.\n"
    f"pub const GEO_REGIONS: usize = {len(geo)};\n\n"
    f"/// Calling code → its regions (indices into `REGIONS`), the main one first.\n"
    "#[rustfmt::skip]\n"
    f"pub static CODES: [(u16, &[u16]); {len(codes)}] = [\n{''.join(codes)}];\n\n"
    f"/// Each pattern's first instruction in `PROGRAM`, and its number of capture groups.\n"
    "#[rustfmt::skip]\n"
    f"pub static PATTERNS: [(u32, u8); {len(patterns)}] = [\n"
    + "".join("    " + " ".join(f"({a}, {g})," for a, g in patterns[n:n + 10]) + "\n" for n in range(0, len(patterns), 10))
    + "];\n\n"
    f"/// Every pattern's instructions (see `Op` in mod.rs).\n"
    "#[rustfmt::skip]\n"
    f"pub static PROGRAM: [u16; {len(program)}] = [\n"
    + "".join("    " + " ".join(f"{i:#x}," for i in program[n:n + 12]) + "\n" for n in range(0, len(program), 12))
    + "];\n"
)
subprocess.run(["rustfmt", "--edition", "2021", str(OUT)], check=True)
print(f"{OUT}: {len(regions)} regions, {len(codes)} calling codes, {len(patterns)} patterns, {len(program)} instructions")

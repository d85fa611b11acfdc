#!/usr/bin/python3
"""Writes unicode_tables.cc: the Unicode data the tokenizers need, taken from
Python's own `unicodedata` and `str` so that the C++ tokenizers see text
exactly as CPython does (the reference tokenizers ran on Python 3.11.2,
Unicode 14.0.0).

Run with the system Python from the repository root:
    /usr/bin/python3 core/models/tokenizer/gen_unicode_tables.py
It refuses to run on another Unicode version unless --any-version is given.

Tables (all sorted, range-compressed, looked up by binary search):
  kCategoryRanges     general category of every code point (start of each run)
  kPythonSpaceChars   str.isspace() code points (what str.split() splits on)
  kLowerRuns          str.lower() single code point mappings, as runs of
                      (first, count, stride, delta)
  kLowerSpecial       str.lower() mappings to more than one code point
  kCaseIgnorable /    the two properties CPython's str.lower() consults for
  kCasedNotIgnorable  the Final_Sigma rule (probed through str.lower itself)
  kCombiningClasses   canonical combining class runs (ccc != 0)
  kDecompositions     canonical decomposition, one level (1 or 2 code points)
  kCompositions       primary composites: (first, second) -> composite
Hangul syllables are handled algorithmically and are not in the tables.
"""
import os
import sys
import unicodedata

EXPECTED_VERSION = "14.0.0"
CATEGORIES = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No",
              "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So",
              "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"]
MAX_CP = 0x110000


def code_points():
    return range(MAX_CP)


def is_hangul_syllable(cp):
    return 0xAC00 <= cp <= 0xD7A3


def category_ranges():
    out, prev = [], None
    for cp in code_points():
        cat = unicodedata.category(chr(cp))
        if cat != prev:
            out.append((cp, CATEGORIES.index(cat)))
            prev = cat
    return out


def to_ranges(cps):
    out = []
    for cp in cps:
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def lower_tables():
    single, special = [], []
    for cp in code_points():
        if 0xD800 <= cp < 0xE000:
            continue
        low = chr(cp).lower()
        if low == chr(cp):
            continue
        if len(low) == 1:
            single.append((cp, ord(low) - cp))
        else:
            special.append((cp, [ord(c) for c in low]))
    # Runs of equal delta with a constant stride (1 for blocks such as
    # Cyrillic, 2 for the alternating upper/lower blocks of Latin Extended).
    runs = []
    for cp, delta in single:
        if runs:
            first, count, stride, d = runs[-1]
            last = first + (count - 1) * stride
            if d == delta and count == 1 and cp - first in (1, 2):
                runs[-1] = (first, 2, cp - first, d)
                continue
            if d == delta and count > 1 and cp - last == stride:
                runs[-1] = (first, count + 1, stride, d)
                continue
        runs.append((cp, 1, 1, delta))
    return runs, special


def sigma_properties():
    # CPython's str.lower() maps U+03A3 to final sigma when the preceding
    # non-case-ignorable character is cased and the following one is not.
    # unicodedata does not expose Cased / Case_Ignorable, so probe lower().
    ignorable, cased = [], []
    for cp in code_points():
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        after_cased = ("A" + c + "\u03a3").lower()[-1] == "\u03c2"
        after_digit = ("1" + c + "\u03a3").lower()[-1] == "\u03c2"
        if after_cased and not after_digit:
            ignorable.append(cp)
        elif after_cased and after_digit:
            cased.append(cp)
    return to_ranges(ignorable), to_ranges(cased)


def combining_runs():
    runs = []
    for cp in code_points():
        ccc = unicodedata.combining(chr(cp))
        if ccc == 0:
            continue
        if runs and runs[-1][1] == cp - 1 and runs[-1][2] == ccc:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp, ccc])
    return runs


def decompositions():
    decomp, comp = [], []
    for cp in code_points():
        if is_hangul_syllable(cp):
            continue
        d = unicodedata.decomposition(chr(cp))
        if not d or d.startswith("<"):
            continue
        parts = [int(x, 16) for x in d.split()]
        assert 1 <= len(parts) <= 2, hex(cp)
        decomp.append((cp, parts[0], parts[1] if len(parts) == 2 else 0))
        # A primary composite is one NFC leaves alone; composition
        # exclusions and non-starter decompositions do not survive NFC.
        if len(parts) == 2 and unicodedata.normalize("NFC", chr(cp)) == chr(cp):
            comp.append((parts[0], parts[1], cp))
    comp.sort()
    return decomp, comp


def fmt_rows(items, per_line):
    lines = []
    for i in range(0, len(items), per_line):
        lines.append("    " + " ".join(items[i:i + per_line]))
    return "\n".join(lines)


def h(cp):
    return "0x%X" % cp


def emit_array(out, ctype, name, items, per_line):
    out.append("const %s %s[] = {\n%s\n};" % (ctype, name, fmt_rows(items, per_line)))
    out.append("const size_t %sSize = sizeof(%s) / sizeof(%s[0]);\n" % (name, name, name))


def main():
    if unicodedata.unidata_version != EXPECTED_VERSION and "--any-version" not in sys.argv:
        sys.exit("unicodedata is %s, expected %s (the reference's Python 3.11); "
                 "pass --any-version to override" % (unicodedata.unidata_version, EXPECTED_VERSION))
    cats = category_ranges()
    spaces = [cp for cp in code_points() if chr(cp).isspace()]
    lower_runs, lower_special = lower_tables()
    ignorable, cased = sigma_properties()
    ccc = combining_runs()
    decomp, comp = decompositions()

    out = ["// GENERATED by core/models/tokenizer/gen_unicode_tables.py from Python %s"
           % sys.version.split()[0],
           "// (unicodedata %s). Do not edit; re-run the generator." % unicodedata.unidata_version,
           "// NOLINTBEGIN",
           '#include "core/models/tokenizer/unicode_tables_internal.h"\n',
           "namespace photoidx::models::tokenizer::unicode_internal {\n",
           'const char kUnicodeVersion[] = "%s";\n' % unicodedata.unidata_version]
    emit_array(out, "CategoryRange", "kCategoryRanges",
               ["{%s,%d}," % (h(cp), c) for cp, c in cats], 8)
    emit_array(out, "char32_t", "kPythonSpaceChars", [h(cp) + "," for cp in spaces], 12)
    emit_array(out, "LowerRun", "kLowerRuns",
               ["{%s,%d,%d,%d}," % (h(f), n, s, d) for f, n, s, d in lower_runs], 6)
    emit_array(out, "LowerSpecial", "kLowerSpecial",
               ["{%s,{%s}}," % (h(cp), ",".join(h(x) for x in (m + [0, 0, 0])[:3]))
                for cp, m in lower_special], 4)
    emit_array(out, "CodeRange", "kCaseIgnorable",
               ["{%s,%s}," % (h(a), h(b)) for a, b in ignorable], 8)
    emit_array(out, "CodeRange", "kCasedNotIgnorable",
               ["{%s,%s}," % (h(a), h(b)) for a, b in cased], 8)
    emit_array(out, "CombiningRun", "kCombiningClasses",
               ["{%s,%s,%d}," % (h(a), h(b), c) for a, b, c in ccc], 6)
    emit_array(out, "Decomposition", "kDecompositions",
               ["{%s,%s,%s}," % (h(a), h(b), h(c)) for a, b, c in decomp], 6)
    emit_array(out, "Composition", "kCompositions",
               ["{%s,%s,%s}," % (h(a), h(b), h(c)) for a, b, c in comp], 6)
    out.append("}  // namespace photoidx::models::tokenizer::unicode_internal")
    out.append("// NOLINTEND")

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unicode_tables.cc")
    with open(path, "w", encoding="ascii") as f:
        f.write("\n".join(out) + "\n")
    print("wrote %s (%d bytes): %d category runs, %d lower runs, %d decompositions, "
          "%d compositions" % (path, os.path.getsize(path), len(cats), len(lower_runs),
                               len(decomp), len(comp)))


if __name__ == "__main__":
    main()

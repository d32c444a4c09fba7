"""`text()` trims with btrim for speed; the rule is the regular expression, so both are compared on every character."""

from pyspark.sql import functions as F

from pinterest_jobs.cleaning import _EDGE_SPACE, text

# Every BMP character but the surrogates, which are not characters on their own.
CHARACTERS = [chr(code) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF]
SHAPES = ("{c}", "{c}a{c}", "a{c}", "{c}{c} b {c}", "a{c}\u0085", "{c}\u0085", "\u0085{c}a\r\n")


def by_rule(column):
    return F.nullif(F.regexp_replace(column, _EDGE_SPACE, ""), F.lit(""))


def test_text_trims_exactly_what_the_rules_regular_expression_trims_on_every_bmp_character(spark):
    values = [(shape.format(c=c),) for c in CHARACTERS for shape in SHAPES]
    df = spark.createDataFrame([*values, (None,)], "value string")
    differ = df.where(~text(F.col("value")).eqNullSafe(by_rule(F.col("value"))))
    assert differ.limit(5).collect() == []


def test_text_examples_of_what_is_and_is_not_trimmed(spark):
    cases = {
        "\u00a0\u3000x\u2028\ufeff": "x",
        "\t x \r\n": "x",
        "\u200bx": "\u200bx",  # zero-width space is a format character (Cf), not a space
        "a \u0085": "a\u0085",  # Java's $ matches before a final NEL, so the space before it goes
        "\u2003\u2003": None,
    }
    df = spark.createDataFrame([(value,) for value in cases], "value string")
    got = {
        row.value: row.cleaned for row in df.select("value", text(F.col("value")).alias("cleaned")).collect()
    }
    assert got == cases

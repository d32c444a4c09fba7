"""Cleaning of the three source tables (docs/contract.md, cleaning), shared by the batch and the stream job.

Every function takes records as a DataFrame of two string columns, `payload` (the raw JSON of one source row)
and `source` (the topic or stream it came from), and uses built-in Spark functions only. Any other input column (the stream's `arrived_at`) is carried through to
the clean rows unchanged.
"""

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from .contract import PLACEHOLDERS, SILVER_COLUMNS, SOURCE_FIELDS, SOURCE_KEYS

REASON_NOT_JSON = "not a JSON object"

# Values the source uses for "no data"; in the pin table they become null in every column.
PIN_PLACEHOLDERS = tuple(PLACEHOLDERS.values())

# Leading and trailing whitespace, NBSP and the other Unicode spaces included (Java's \s alone misses them).
_EDGE_SPACE = r"^[\s\p{Z}\uFEFF]+|[\s\p{Z}\uFEFF]+$"
# The same characters listed: Java's \s is [ \t\n\x0B\f\r]; \p{Z} is Unicode's Zs, Zl and Zp.
_EDGE_SPACE_CHARS = (
    "\t\n\x0b\x0c\r \u00a0\u1680"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_NEL = "\u0085"
_FOLLOWERS = r"^([0-9]+(?:\.[0-9]+)?)\s*([kKmM]?)$"
_INTEGER = r"^-?[0-9]+$"
_CORRUPT = "_corrupt_record"


@dataclass(frozen=True)
class Cleaned:
    """Every input record once: the cleaned columns, plus `reason` (null for a clean row), `source`, `payload`
    and any other column the records came with (the stream job's arrival time), unchanged."""

    table: str
    checked: DataFrame
    columns: tuple[str, ...]

    @property
    def rows(self) -> DataFrame:
        """Clean rows, not yet deduplicated."""
        return self.checked.where(F.col("reason").isNull()).select(*self.columns)

    @property
    def quarantine(self) -> DataFrame:
        return self.checked.where(F.col("reason").isNotNull()).select(
            F.lit(self.table).alias("table"), "source", "reason", "payload"
        )

    def persist(self) -> "Cleaned":
        """Cached, with the payload kept only where the quarantine needs it (clean rows never use it)."""
        payload = F.when(F.col("reason").isNotNull(), F.col("payload")).alias("payload")
        lean = self.checked.select(*[payload if name == "payload" else name for name in self.checked.columns])
        return Cleaned(self.table, lean.persist(), self.columns)

    def unpersist(self) -> None:
        self.checked.unpersist()


def text(column: Column) -> Column:
    """Trimmed text; an empty string becomes null.

    Trims exactly what `_EDGE_SPACE` trims, with btrim, which is much cheaper than a regular expression. The
    expression stays for the one case where the two differ: Java's `$` also matches before a final line terminator,
    and U+0085 is the one terminator that is not itself trimmed (tests/test_trim.py compares both on every BMP
    character)."""
    trimmed = F.when(column.endswith(_NEL), F.regexp_replace(column, _EDGE_SPACE, "")).otherwise(
        F.btrim(column, F.lit(_EDGE_SPACE_CHARS))
    )
    return F.nullif(trimmed, F.lit(""))


def _placeholder_null(trimmed: Column) -> Column:
    return F.when(trimmed.isin(*PIN_PLACEHOLDERS), F.lit(None).cast(StringType())).otherwise(trimmed)


def _followers(value: Column) -> Column:
    """`532` -> 532, `1.5k` -> 1500, `3M` -> 3000000; anything else (placeholders included) -> null."""
    number = F.regexp_extract(value, _FOLLOWERS, 1).try_cast("decimal(20,3)")
    unit = F.lower(F.regexp_extract(value, _FOLLOWERS, 2))
    multiplier = F.when(unit == "k", F.lit(1000)).when(unit == "m", F.lit(1000000)).otherwise(F.lit(1))
    return F.when(value.rlike(_FOLLOWERS), F.round(number * multiplier).try_cast("bigint"))


def _trimmed_name(field: str) -> str:
    return f"_text_{field}"


def _trimmed(field: str) -> Column:
    """The column holding `text()` of a source field, computed once per record by `_parse_and_trim`."""
    return F.col(_trimmed_name(field))


def _carried(records: DataFrame) -> list[str]:
    """Columns of the records beside `payload` and `source`, which cleaning passes through unchanged."""
    return [name for name in records.columns if name not in ("payload", "source")]


def _parse_and_trim(records: DataFrame, table: str) -> DataFrame:
    """Parses the JSON and trims every source field in one projection. The rules below read the trimmed columns,
    so each regular expression runs once per field: written inline, Spark repeats it in every CASE branch that
    uses the value (explain() showed the key's trim five times per record)."""
    fields = [StructField(name, StringType()) for name in SOURCE_FIELDS[table]]
    schema = StructType([*fields, StructField(_CORRUPT, StringType())])
    parsed = F.from_json(
        F.col("payload"), schema, {"columnNameOfCorruptRecord": _CORRUPT, "mode": "PERMISSIVE"}
    )
    parsed_records = records.select(
        F.col("payload").cast("string").alias("payload"), "source", *_carried(records), parsed.alias("r")
    )
    return parsed_records.select(
        "payload",
        "source",
        *_carried(records),
        (F.col("r").isNull() | F.col(f"r.{_CORRUPT}").isNotNull()).alias("_not_json"),
        *[text(F.col(f"r.{name}")).alias(_trimmed_name(name)) for name in SOURCE_FIELDS[table]],
    )


def _with_key_check(trimmed: DataFrame, table: str) -> DataFrame:
    key_name = SOURCE_KEYS[table]
    key_text = _trimmed(key_name)
    key = F.when(key_text.rlike(_INTEGER), key_text.try_cast("int"))
    reason = (
        F.when(F.col("_not_json"), F.lit(REASON_NOT_JSON))
        .when(key_text.isNull(), F.lit(f"missing key {key_name}"))
        .when(F.col("ind").isNull(), F.lit(f"key {key_name} is not an integer"))
    )
    return trimmed.withColumn("ind", key).withColumn("reason", reason)


def clean_pin(records: DataFrame) -> Cleaned:
    def pin_field(name: str) -> Column:
        return _placeholder_null(_trimmed(name))

    checked = _with_key_check(_parse_and_trim(records, "pin"), "pin").select(
        "ind",
        pin_field("unique_id").alias("unique_id"),
        pin_field("title").alias("title"),
        pin_field("description").alias("description"),
        _followers(pin_field("follower_count")).alias("follower_count"),
        pin_field("poster_name").alias("poster_name"),
        pin_field("tag_list").alias("tag_list"),
        pin_field("is_image_or_video").alias("is_image_or_video"),
        pin_field("image_src").alias("image_src"),
        text(F.regexp_replace(pin_field("save_location"), r"^Local save in\s*", "")).alias("save_location"),
        pin_field("category").alias("category"),
        "reason",
        "source",
        "payload",
        *_carried(records),
    )
    return Cleaned("pin", checked, SILVER_COLUMNS["pin"])


def clean_geo(records: DataFrame) -> Cleaned:
    latitude = _trimmed("latitude").try_cast("double")
    longitude = _trimmed("longitude").try_cast("double")
    coordinates = F.when(latitude.isNotNull() | longitude.isNotNull(), F.array(latitude, longitude))
    checked = _with_key_check(_parse_and_trim(records, "geo"), "geo").select(
        "ind",
        _trimmed("country").alias("country"),
        coordinates.alias("coordinates"),
        _trimmed("timestamp").try_cast("timestamp").alias("timestamp"),
        "reason",
        "source",
        "payload",
        *_carried(records),
    )
    return Cleaned("geo", checked, SILVER_COLUMNS["geo"])


def clean_user(records: DataFrame) -> Cleaned:
    user_name = F.nullif(F.concat_ws(" ", _trimmed("first_name"), _trimmed("last_name")), F.lit(""))
    checked = _with_key_check(_parse_and_trim(records, "user"), "user").select(
        "ind",
        user_name.alias("user_name"),
        _trimmed("age").try_cast("int").alias("age"),
        _trimmed("date_joined").try_cast("timestamp").alias("date_joined"),
        "reason",
        "source",
        "payload",
        *_carried(records),
    )
    return Cleaned("user", checked, SILVER_COLUMNS["user"])


CLEANERS = {"pin": clean_pin, "geo": clean_geo, "user": clean_user}


def deduplicate(rows: DataFrame) -> DataFrame:
    """One row per `ind`. Copies of one record are identical; if two rows ever differ, the greatest one wins,
    so that the choice does not depend on the order in which records arrived."""
    others = [name for name in rows.columns if name != "ind"]
    return (
        rows.groupBy("ind")
        .agg(F.max(F.struct(*others)).alias("row"))
        .select("ind", *[f"row.{n}" for n in others])
    )

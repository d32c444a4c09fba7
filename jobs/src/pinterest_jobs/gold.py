"""The nine gold queries (docs/contract.md, gold tables), each on the cleaned, deduplicated tables, read through
one pruned join of them (`gold_input`)."""

from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from .contract import GOLD_TABLES

FIRST_POST_YEAR, LAST_POST_YEAR = 2018, 2022
FIRST_JOIN_YEAR, LAST_JOIN_YEAR = 2015, 2020


def age_group(age: Column) -> Column:
    """`18-24`, `25-35`, `36-50`, `+50`; ages under 18 (and null) have no group."""
    return (
        F.when(age.between(18, 24), F.lit("18-24"))
        .when(age.between(25, 35), F.lit("25-35"))
        .when(age.between(36, 50), F.lit("36-50"))
        .when(age >= 51, F.lit("+50"))
    )


def _top_per_group(df: DataFrame, group: list[str], value: str, name: str) -> DataFrame:
    """The row with the highest `value` in each group; ties go to the alphabetically smallest `name`."""
    rank = Window.partitionBy(*group).orderBy(F.col(value).desc(), F.col(name).asc())
    return df.withColumn("_rank", F.row_number().over(rank)).where(F.col("_rank") == 1).drop("_rank")


def _most_popular_category(df: DataFrame, group: str) -> DataFrame:
    counts = (
        df.where(F.col(group).isNotNull() & F.col("category").isNotNull())
        .groupBy(group, "category")
        .agg(F.count(F.lit(1)).alias("category_count"))
    )
    return _top_per_group(counts, [group], "category_count", "category").select(
        group, "category", "category_count"
    )


def _median_followers(df: DataFrame, groups: list[str]) -> DataFrame:
    """Exact median (percentile_cont(0.5)) of follower_count as a double; null counts and groups left out."""
    keep = F.col("follower_count").isNotNull()
    for group in groups:
        keep = keep & F.col(group).isNotNull()
    return (
        df.where(keep)
        .groupBy(*groups)
        .agg(F.percentile(F.col("follower_count"), F.lit(0.5)).cast("double").alias("median_follower_count"))
    )


@dataclass(frozen=True)
class GoldInput:
    """What the nine queries read: `posts`, every pin row with the few geo and user columns the queries use
    (left-joined once, so one cached join serves them all), and the `user` columns of the one query on users."""

    posts: DataFrame
    user: DataFrame

    @property
    def with_geo(self) -> DataFrame:
        """The inner join of pin and geo."""
        return self.posts.where(F.col("_has_geo"))

    @property
    def with_user(self) -> DataFrame:
        """The inner join of pin and user, with `age_group`."""
        return self.posts.where(F.col("_has_user")).withColumn("age_group", age_group(F.col("age")))

    def persist(self) -> "GoldInput":
        return GoldInput(self.posts.persist(), self.user)

    def unpersist(self) -> None:
        self.posts.unpersist()


def gold_input(pin: DataFrame, geo: DataFrame, user: DataFrame) -> GoldInput:
    """Each table pruned to the columns the queries use; `ind` is unique in each (deduplicated) table, so the
    left joins keep one row per pin and the markers say which inner join a row belongs to."""
    geo_part = geo.select("ind", "country", "timestamp", F.lit(True).alias("_has_geo"))
    user_part = user.select("ind", "age", "date_joined", F.lit(True).alias("_has_user"))
    posts = (
        pin.select("ind", "category", "follower_count", "poster_name")
        .join(geo_part, "ind", "left")
        .join(user_part, "ind", "left")
        .select(
            "category",
            "follower_count",
            "poster_name",
            "country",
            "timestamp",
            "age",
            "date_joined",
            F.col("_has_geo").isNotNull().alias("_has_geo"),
            F.col("_has_user").isNotNull().alias("_has_user"),
        )
    )
    return GoldInput(posts, user.select("user_name", "date_joined"))


def _with_join_year(data: GoldInput) -> DataFrame:
    year = F.year("date_joined")
    return data.with_user.withColumn("post_year", year).where(
        F.col("post_year").between(FIRST_JOIN_YEAR, LAST_JOIN_YEAR)
    )


def popular_category_by_country(data: GoldInput) -> DataFrame:
    return _most_popular_category(data.with_geo, "country")


def popular_category_by_year(data: GoldInput) -> DataFrame:
    posts = data.with_geo.withColumn("post_year", F.year("timestamp"))
    return _most_popular_category(
        posts.where(F.col("post_year").between(FIRST_POST_YEAR, LAST_POST_YEAR)), "post_year"
    )


def most_followed_user_by_country(data: GoldInput) -> DataFrame:
    posts = data.with_geo.where(
        F.col("country").isNotNull() & F.col("poster_name").isNotNull() & F.col("follower_count").isNotNull()
    )
    top = _top_per_group(posts, ["country"], "follower_count", "poster_name")
    return top.select("country", "poster_name", "follower_count")


def country_with_most_followed_user(data: GoldInput) -> DataFrame:
    per_country = most_followed_user_by_country(data)
    return (
        per_country.orderBy(F.col("follower_count").desc(), F.col("country").asc())
        .limit(1)
        .select("country", "follower_count")
    )


def popular_category_by_age_group(data: GoldInput) -> DataFrame:
    return _most_popular_category(data.with_user, "age_group")


def median_followers_by_age_group(data: GoldInput) -> DataFrame:
    return _median_followers(data.with_user, ["age_group"])


def users_joined_by_year(data: GoldInput) -> DataFrame:
    """Distinct people (same user_name and date_joined) by the year they joined."""
    joined = data.user.withColumn("post_year", F.year("date_joined")).where(
        F.col("post_year").between(FIRST_JOIN_YEAR, LAST_JOIN_YEAR) & F.col("user_name").isNotNull()
    )
    return joined.groupBy("post_year").agg(
        F.count_distinct("user_name", "date_joined").alias("number_users_joined")
    )


def median_followers_by_join_year(data: GoldInput) -> DataFrame:
    return _median_followers(_with_join_year(data), ["post_year"])


def median_followers_by_join_year_and_age_group(data: GoldInput) -> DataFrame:
    return _median_followers(_with_join_year(data), ["age_group", "post_year"])


GoldQuery = Callable[[GoldInput], DataFrame]

_QUERIES: tuple[GoldQuery, ...] = (
    popular_category_by_country,
    popular_category_by_year,
    most_followed_user_by_country,
    country_with_most_followed_user,
    popular_category_by_age_group,
    median_followers_by_age_group,
    users_joined_by_year,
    median_followers_by_join_year,
    median_followers_by_join_year_and_age_group,
)
# Each query is named after its gold table; the contract lists the tables, and the two must agree.
GOLD_QUERIES: dict[str, GoldQuery] = {query.__name__: query for query in _QUERIES}
if tuple(GOLD_QUERIES) != GOLD_TABLES:
    raise RuntimeError(
        f"gold queries {tuple(GOLD_QUERIES)} differ from the contract's gold tables {GOLD_TABLES}"
    )

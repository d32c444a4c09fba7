"""The nine gold queries on small hand-built silver tables; every expected row is written out by hand."""

from datetime import datetime

import pytest
from conftest import records

from pinterest_jobs import gold
from pinterest_jobs.cleaning import clean_geo, clean_pin, clean_user, deduplicate

PIN_SCHEMA = (
    "ind int, unique_id string, title string, description string, follower_count bigint, poster_name string, "
    "tag_list string, is_image_or_video string, image_src string, save_location string, category string"
)
GEO_SCHEMA = "ind int, country string, coordinates array<double>, timestamp timestamp"
USER_SCHEMA = "ind int, user_name string, age int, date_joined timestamp"


def pins(spark, rows):
    """rows: (ind, category, follower_count, poster_name)."""
    return spark.createDataFrame(
        [(i, None, None, None, f, p, None, "image", None, None, c) for i, c, f, p in rows], PIN_SCHEMA
    )


def geos(spark, rows):
    """rows: (ind, country, timestamp text)."""
    return spark.createDataFrame(
        [(i, c, [0.0, 0.0], datetime.fromisoformat(t) if t else None) for i, c, t in rows], GEO_SCHEMA
    )


def users(spark, rows):
    """rows: (ind, user_name, age, date_joined text)."""
    return spark.createDataFrame(
        [(i, n, a, datetime.fromisoformat(d) if d else None) for i, n, a, d in rows], USER_SCHEMA
    )


def query(spark, name, pin, geo, user):
    """One gold table computed as the batch job computes them all."""
    return gold.compute_gold(spark, pin, geo, user)[name]


def result(df, columns):
    assert df.columns == columns
    return sorted((tuple(row) for row in df.collect()), key=repr)


def expect(rows):
    return sorted(rows, key=repr)


@pytest.fixture(scope="module")
def empty(spark):
    return {"pin": pins(spark, []), "geo": geos(spark, []), "user": users(spark, [])}


def test_popular_category_by_country_ties_nulls_and_inner_join(spark, empty):
    pin = pins(
        spark,
        [
            (1, "art", 1, "p"),
            (2, "art", 1, "p"),
            (3, "beauty", 1, "p"),  # Chad: art 2, beauty 1
            (4, "travel", 1, "p"),
            (5, "beauty", 1, "p"),  # Peru: tie 1-1 -> beauty
            (6, "art", 1, "p"),  # no country
            (7, None, 1, "p"),  # Fiji: only a null category
            (8, "quotes", 1, "p"),  # no geo row
        ],
    )
    geo = geos(
        spark,
        [
            (1, "Chad", "2020-01-01"),
            (2, "Chad", "2020-01-01"),
            (3, "Chad", "2020-01-01"),
            (4, "Peru", "2020-01-01"),
            (5, "Peru", "2020-01-01"),
            (6, None, "2020-01-01"),
            (7, "Fiji", "2020-01-01"),
            (9, "Chad", "2020-01-01"),
        ],
    )
    out = query(spark, "popular_category_by_country", pin, geo, empty["user"])
    assert result(out, ["country", "category", "category_count"]) == expect(
        [("Chad", "art", 2), ("Peru", "beauty", 1)]
    )


def test_popular_category_by_year_bounds_2018_to_2022_and_ties(spark, empty):
    rows = [
        (1, "art", "2017-12-31 23:59:59"),
        (2, "travel", "2018-01-01 00:00:00"),
        (3, "travel", "2018-06-01 00:00:00"),
        (4, "art", "2018-07-01 00:00:00"),
        (5, "art", "2018-12-31 23:59:59"),  # 2018: art 2 = travel 2 -> art
        (6, "vehicles", "2022-12-31 23:59:59"),
        (7, "quotes", "2023-01-01 00:00:00"),
        (8, "quotes", None),
    ]
    pin = pins(spark, [(i, c, 1, "p") for i, c, _ in rows])
    geo = geos(spark, [(i, "Chad", t) for i, _, t in rows])
    out = query(spark, "popular_category_by_year", pin, geo, empty["user"])
    assert result(out, ["post_year", "category", "category_count"]) == expect(
        [(2018, "art", 2), (2022, "vehicles", 1)]
    )


def test_most_followed_user_by_country_and_the_single_top_country(spark, empty):
    pin = pins(
        spark,
        [
            (1, "art", 100, "Pia"),
            (2, "art", 300, "Zed"),
            (3, "art", 300, "Max"),  # Chile: tie at 300 -> Max
            (4, "art", None, "Ann"),
            (5, "art", 50, "Bo"),  # Oman: null followers left out -> Bo
            (6, "art", 300, "Kai"),  # Brazil 300: ties with Chile, Brazil is smaller
            (7, "art", 900, None),  # Laos: no poster name -> no row
            (8, "art", 10, "Ivy"),
            (9, "art", 20, "Ivy"),  # Mali: same poster twice, highest count
        ],
    )
    geo = geos(
        spark,
        [
            (1, "Chile", "2020-01-01"),
            (2, "Chile", "2020-01-01"),
            (3, "Chile", "2020-01-01"),
            (4, "Oman", "2020-01-01"),
            (5, "Oman", "2020-01-01"),
            (6, "Brazil", "2020-01-01"),
            (7, "Laos", "2020-01-01"),
            (8, "Mali", "2020-01-01"),
            (9, "Mali", "2020-01-01"),
        ],
    )
    by_country = query(spark, "most_followed_user_by_country", pin, geo, empty["user"])
    assert result(by_country, ["country", "poster_name", "follower_count"]) == expect(
        [("Chile", "Max", 300), ("Oman", "Bo", 50), ("Brazil", "Kai", 300), ("Mali", "Ivy", 20)]
    )
    top = query(spark, "country_with_most_followed_user", pin, geo, empty["user"])
    assert result(top, ["country", "follower_count"]) == [("Brazil", 300)]


AGE_USERS = [
    (1, "u1", 17, "2016-01-01"),
    (2, "u2", 18, "2016-01-01"),
    (3, "u3", 24, "2016-01-01"),
    (4, "u4", 25, "2016-01-01"),
    (5, "u5", 35, "2016-01-01"),
    (6, "u6", 36, "2016-01-01"),
    (7, "u7", 50, "2016-01-01"),
    (8, "u8", 51, "2016-01-01"),
    (9, "u9", 60, "2016-01-01"),
    (10, "u10", None, "2016-01-01"),
]


def test_popular_category_by_age_group_with_bounds_and_under_18(spark, empty):
    categories = {
        1: "art",
        2: "travel",
        3: "beauty",
        4: "quotes",
        5: "quotes",
        6: "art",
        7: "beauty",
        8: "finance",
        9: "vehicles",
        10: "art",
    }
    pin = pins(spark, [(i, c, 1, "p") for i, c in categories.items()])
    out = query(spark, "popular_category_by_age_group", pin, empty["geo"], users(spark, AGE_USERS))
    assert result(out, ["age_group", "category", "category_count"]) == expect(
        [("18-24", "beauty", 1), ("25-35", "quotes", 2), ("36-50", "art", 1), ("+50", "finance", 1)]
    )


def test_median_followers_by_age_group_exact_even_and_odd_counts(spark, empty):
    followers = {1: 999, 2: 10, 3: 40, 4: 5, 5: 7, 6: 1, 7: None, 8: None, 9: None, 10: 3}
    extra_users = [
        (11, "u11", 20, "2016-01-01"),
        (12, "u12", 22, "2016-01-01"),
        (13, "u13", 30, "2016-01-01"),
        (14, "u14", 33, "2016-01-01"),
    ]
    followers.update({11: 20, 12: 30, 13: 100, 14: None})
    pin = pins(spark, [(i, "art", f, "p") for i, f in followers.items()])
    out = query(
        spark, "median_followers_by_age_group", pin, empty["geo"], users(spark, AGE_USERS + extra_users)
    )
    # 18-24: 10, 20, 30, 40 -> 25.0; 25-35: 5, 7, 100 -> 7.0; 36-50: 1 -> 1.0; +50: only nulls -> no row
    assert result(out, ["age_group", "median_follower_count"]) == expect(
        [("18-24", 25.0), ("25-35", 7.0), ("36-50", 1.0)]
    )


def test_users_joined_by_year_counts_distinct_people_2015_to_2020(spark, empty):
    user = users(
        spark,
        [
            (1, "Ann Lee", 30, "2015-10-21 08:00:00"),
            (2, "Ann Lee", 30, "2015-10-21 08:00:00"),  # one person
            (3, "Ann Lee", 44, "2016-03-01 00:00:00"),  # same name, other join date: another person
            (4, "Bob Ray", 20, "2015-12-31 23:59:59"),
            (5, "Cy Dunn", 20, "2014-12-31 23:59:59"),
            (6, "Di Roe", 20, "2020-12-31 23:59:59"),
            (7, "Ed Fox", 20, "2021-01-01 00:00:00"),
            (8, "Flo Gu", 20, None),
            (9, None, 20, "2017-05-05 00:00:00"),
        ],
    )
    out = query(spark, "users_joined_by_year", empty["pin"], empty["geo"], user)
    assert result(out, ["post_year", "number_users_joined"]) == expect([(2015, 2), (2016, 1), (2020, 1)])


JOIN_USERS = [
    (1, "a", 20, "2015-01-01"),
    (2, "b", 20, "2015-05-01"),
    (3, "c", 30, "2015-06-01"),
    (4, "d", 30, "2015-12-31"),
    (5, "e", 40, "2016-01-01"),
    (6, "f", 16, "2016-02-01"),
    (7, "g", 20, "2014-12-31"),
    (8, "h", 20, "2021-01-01"),
    (9, "i", 20, "2020-06-01"),
    (10, "j", 20, "2015-02-02"),
]
JOIN_FOLLOWERS = {1: 1, 2: 2, 3: 3, 4: 10, 5: 7, 6: 8, 7: 1000, 8: 1000, 9: 5, 10: None}


def test_median_followers_by_join_year(spark, empty):
    pin = pins(spark, [(i, "art", f, "p") for i, f in JOIN_FOLLOWERS.items()])
    out = query(spark, "median_followers_by_join_year", pin, empty["geo"], users(spark, JOIN_USERS))
    # 2015: 1, 2, 3, 10 -> 2.5 (null left out); 2016: 7, 8 -> 7.5 (age 16 still counts); 2020: 5
    assert result(out, ["post_year", "median_follower_count"]) == expect(
        [(2015, 2.5), (2016, 7.5), (2020, 5.0)]
    )


def test_median_followers_by_join_year_and_age_group(spark, empty):
    pin = pins(spark, [(i, "art", f, "p") for i, f in JOIN_FOLLOWERS.items()])
    out = query(
        spark, "median_followers_by_join_year_and_age_group", pin, empty["geo"], users(spark, JOIN_USERS)
    )
    assert result(out, ["age_group", "post_year", "median_follower_count"]) == expect(
        [("18-24", 2015, 1.5), ("25-35", 2015, 6.5), ("36-50", 2016, 7.0), ("18-24", 2020, 5.0)]
    )


def test_records_delivered_twice_count_once_after_cleaning_and_deduplication(spark):
    pin_records = [
        '{"index": 1, "category": "art", "follower_count": "1k", "poster_name": "Ann"}',
        '{"index": 1, "category": "art", "follower_count": "1k", "poster_name": "Ann"}',
        '{"index": 1, "category": "art", "follower_count": "1k", "poster_name": "Ann"}',
        '{"index": 2, "category": "travel", "follower_count": "3k", "poster_name": "Bo"}',
        '{"index": 3, "category": "travel", "follower_count": "5k", "poster_name": "Cy"}',
    ]
    geo_records = [
        f'{{"ind": {i}, "country": "Chad", "timestamp": "2019-01-01T00:00:00"}}' for i in (1, 1, 2, 3)
    ]
    user_records = [f'{{"ind": {i}, "first_name": "U", "last_name": "{i}", "age": 20}}' for i in (1, 2, 2, 3)]
    pin = deduplicate(clean_pin(records(spark, *pin_records)).rows)
    geo = deduplicate(clean_geo(records(spark, *geo_records)).rows)
    user = deduplicate(clean_user(records(spark, *user_records)).rows)
    assert result(
        query(spark, "popular_category_by_country", pin, geo, user),
        ["country", "category", "category_count"],
    ) == [("Chad", "travel", 2)]
    # 1000, 3000, 5000: the median of three posts, not of five records
    assert result(
        query(spark, "median_followers_by_age_group", pin, geo, user),
        ["age_group", "median_follower_count"],
    ) == [("18-24", 3000.0)]


def test_gold_table_names_are_the_contract_names(spark, empty):
    assert list(gold.compute_gold(spark, empty["pin"], empty["geo"], empty["user"])) == [
        "popular_category_by_country",
        "popular_category_by_year",
        "most_followed_user_by_country",
        "country_with_most_followed_user",
        "popular_category_by_age_group",
        "median_followers_by_age_group",
        "users_joined_by_year",
        "median_followers_by_join_year",
        "median_followers_by_join_year_and_age_group",
    ]

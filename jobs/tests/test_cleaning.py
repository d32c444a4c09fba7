"""Each cleaning rule of docs/contract.md section 4, on hand-written rows."""

import json
from datetime import datetime

from conftest import records

from pinterest_jobs.cleaning import clean_geo, clean_pin, clean_user, deduplicate

PIN = {
    "index": 7528,
    "unique_id": "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
    "title": "  Cosy cabin\u00a0",
    "description": "Warm wood and wool.\n",
    "poster_name": "Nordic Homes",
    "follower_count": "12k",
    "tag_list": "cabin,wood",
    "is_image_or_video": "image",
    "image_src": "https://i.pinimg.com/originals/a.jpg",
    "downloaded": 1,
    "save_location": "Local save in /data/home-decor",
    "category": "home-decor",
}


def pin_rows(spark, *rows: dict) -> list:
    return clean_pin(records(spark, *(json.dumps(row) for row in rows))).rows.collect()


def test_pin_columns_in_contract_order_with_index_renamed_and_downloaded_dropped(spark):
    cleaned = clean_pin(records(spark, json.dumps(PIN)))
    assert cleaned.rows.columns == [
        "ind",
        "unique_id",
        "title",
        "description",
        "follower_count",
        "poster_name",
        "tag_list",
        "is_image_or_video",
        "image_src",
        "save_location",
        "category",
    ]
    assert cleaned.rows.schema["ind"].dataType.simpleString() == "int"
    assert cleaned.rows.schema["follower_count"].dataType.simpleString() == "bigint"
    (row,) = cleaned.rows.collect()
    assert row.asDict() == {
        "ind": 7528,
        "unique_id": "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
        "title": "Cosy cabin",
        "description": "Warm wood and wool.",
        "follower_count": 12000,
        "poster_name": "Nordic Homes",
        "tag_list": "cabin,wood",
        "is_image_or_video": "image",
        "image_src": "https://i.pinimg.com/originals/a.jpg",
        "save_location": "/data/home-decor",
        "category": "home-decor",
    }


def test_text_is_trimmed_of_spaces_nbsp_and_newlines_and_empty_becomes_null(spark):
    (row,) = pin_rows(
        spark,
        {
            **PIN,
            "title": "\u00a0\n\t Title \u00a0 ",
            "description": "   ",
            "tag_list": "",
            "category": "\u00a0",
        },
    )
    assert row.title == "Title"
    assert row.description is None
    assert row.tag_list is None
    assert row.category is None


def test_pin_placeholders_become_null_in_every_column(spark):
    rows = pin_rows(
        spark,
        {
            **PIN,
            "index": 1,
            "title": "No Title Data Available",
            "description": "No description available Story format",
        },
        {**PIN, "index": 2, "title": "Untitled", "description": "No description available "},
        {
            **PIN,
            "index": 3,
            "poster_name": "User Info Error",
            "follower_count": "User Info Error",
            "tag_list": "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
            "image_src": "Image src error.",
            "description": "Untitled",
            "unique_id": "User Info Error",
        },
    )
    by_ind = {row.ind: row for row in rows}
    assert (by_ind[1].title, by_ind[1].description) == (None, None)
    assert (by_ind[2].title, by_ind[2].description) == (None, None)
    third = by_ind[3]
    assert (third.poster_name, third.follower_count, third.tag_list, third.image_src) == (
        None,
        None,
        None,
        None,
    )
    assert (third.description, third.unique_id) == (None, None)
    assert third.title == "Cosy cabin"


def test_follower_count_expands_k_and_m_and_keeps_plain_numbers(spark):
    values = {1: "532", 2: "12k", 3: "1.5k", 4: "3M", 5: 437, 6: " 15M\u00a0", 7: "2.25M", 8: "many", 9: None}
    rows = pin_rows(spark, *({**PIN, "index": ind, "follower_count": value} for ind, value in values.items()))
    assert {row.ind: row.follower_count for row in rows} == {
        1: 532,
        2: 12000,
        3: 1500,
        4: 3000000,
        5: 437,
        6: 15000000,
        7: 2250000,
        8: None,
        9: None,
    }


def test_save_location_keeps_only_the_path(spark):
    rows = pin_rows(
        spark,
        {**PIN, "index": 1, "save_location": "Local save in /data/mens-fashion"},
        {**PIN, "index": 2, "save_location": "/data/art"},
    )
    assert {row.ind: row.save_location for row in rows} == {1: "/data/mens-fashion", 2: "/data/art"}


def test_geo_coordinates_array_and_timestamp_in_iso_and_space_forms(spark):
    cleaned = clean_geo(
        records(
            spark,
            json.dumps(
                {
                    "ind": 1,
                    "timestamp": "2020-08-28T03:52:47",
                    "latitude": -89.9787,
                    "longitude": -173.293,
                    "country": " Albania ",
                }
            ),
            json.dumps(
                {
                    "ind": 2,
                    "timestamp": "2019-01-01 07:21:13",
                    "latitude": "10.5",
                    "longitude": 20,
                    "country": "",
                }
            ),
            source="t.geo",
        )
    )
    assert cleaned.rows.columns == ["ind", "country", "coordinates", "timestamp"]
    types = {field.name: field.dataType.simpleString() for field in cleaned.rows.schema}
    assert types == {
        "ind": "int",
        "country": "string",
        "coordinates": "array<double>",
        "timestamp": "timestamp",
    }
    rows = {row.ind: row for row in cleaned.rows.collect()}
    assert rows[1].country == "Albania"
    assert rows[1].coordinates == [-89.9787, -173.293]
    assert rows[1].timestamp == datetime(2020, 8, 28, 3, 52, 47)
    assert rows[2].country is None
    assert rows[2].coordinates == [10.5, 20.0]
    assert rows[2].timestamp == datetime(2019, 1, 1, 7, 21, 13)


def test_user_name_age_and_date_joined(spark):
    cleaned = clean_user(
        records(
            spark,
            json.dumps(
                {
                    "ind": 1,
                    "first_name": "Abigail ",
                    "last_name": "Ali",
                    "age": 20,
                    "date_joined": "2015-10-24T11:23:51",
                }
            ),
            json.dumps(
                {
                    "ind": 2,
                    "first_name": "Zoë",
                    "last_name": "O'Brien",
                    "age": "41",
                    "date_joined": "2016-02-29 00:00:00",
                }
            ),
            source="t.user",
        )
    )
    assert cleaned.rows.columns == ["ind", "user_name", "age", "date_joined"]
    types = {field.name: field.dataType.simpleString() for field in cleaned.rows.schema}
    assert types == {"ind": "int", "user_name": "string", "age": "int", "date_joined": "timestamp"}
    assert sorted(tuple(row) for row in cleaned.rows.collect()) == [
        (1, "Abigail Ali", 20, datetime(2015, 10, 24, 11, 23, 51)),
        (2, "Zoë O'Brien", 41, datetime(2016, 2, 29, 0, 0, 0)),
    ]


def test_deduplicate_keeps_one_row_per_ind_whatever_the_arrival_order(spark):
    first = {**PIN, "index": 5, "title": "A"}
    second = {**PIN, "index": 5, "title": "B"}
    other = {**PIN, "index": 6}
    results = []
    for order in ([first, second, first, other], [other, second, first, first]):
        rows = deduplicate(clean_pin(records(spark, *(json.dumps(row) for row in order))).rows).collect()
        results.append(sorted((row.ind, row.title) for row in rows))
    assert results[0] == results[1]
    assert [ind for ind, _ in results[0]] == [5, 6]


def test_malformed_records_of_each_kind_go_to_quarantine_with_a_reason(spark):
    good = json.dumps(PIN)
    bad = {
        "{not json": "not a JSON object",
        "": "not a JSON object",
        "[1, 2]": "not a JSON object",
        "42": "not a JSON object",
        json.dumps({k: v for k, v in PIN.items() if k != "index"}): "missing key index",
        json.dumps({**PIN, "index": None}): "missing key index",
        json.dumps({**PIN, "index": "abc"}): "key index is not an integer",
        json.dumps({**PIN, "index": 1.5}): "key index is not an integer",
        json.dumps({**PIN, "index": 99999999999}): "key index is not an integer",
    }
    cleaned = clean_pin(records(spark, good, *bad, source="dev.pin"))
    assert [row.ind for row in cleaned.rows.collect()] == [7528]
    quarantine = cleaned.quarantine
    assert quarantine.columns == ["table", "source", "reason", "payload"]
    assert sorted(tuple(row) for row in quarantine.collect()) == sorted(
        ("pin", "dev.pin", reason, payload) for payload, reason in bad.items()
    )


def test_geo_and_user_quarantine_use_their_key_ind(spark):
    geo = clean_geo(
        records(spark, '{"index": 3, "country": "Chad"}', '{"ind": "x"}', "oops", source="dev.geo")
    )
    user = clean_user(records(spark, '{"first_name": "A"}', '{"ind": 4.0}', source="dev-user"))
    assert sorted((row.table, row.source, row.reason) for row in geo.quarantine.collect()) == [
        ("geo", "dev.geo", "key ind is not an integer"),
        ("geo", "dev.geo", "missing key ind"),
        ("geo", "dev.geo", "not a JSON object"),
    ]
    assert sorted((row.table, row.source, row.reason) for row in user.quarantine.collect()) == [
        ("user", "dev-user", "key ind is not an integer"),
        ("user", "dev-user", "missing key ind"),
    ]
    assert geo.rows.count() == 0 and user.rows.count() == 0

"""Synthetic posts in the S3 sink layout (`topics/{topic}/partition={n}/` files of JSON lines), for the tests and
the benchmark (jobs/bench); dev-only, not in the wheel. Deterministic for a given seed; dirty values as described in
docs/contract.md."""

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from pinterest_jobs.contract import PLACEHOLDERS, topic_dir

CATEGORIES = (
    "christmas",
    "art",
    "quotes",
    "education",
    "diy-and-crafts",
    "finance",
    "travel",
    "mens-fashion",
    "tattoos",
    "event-planning",
    "vehicles",
    "beauty",
    "home-decor",
)
COUNTRIES = tuple(f"Country {chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(60))
FIRST_NAMES = (
    "Abigail",
    "Adam",
    "Alexander",
    "Brittany",
    "Charles",
    "Denise",
    "Emily",
    "Jonathan",
    "María",
    "Zoë",
)
LAST_NAMES = ("Ali", "Acosta", "Bennett", "Chen", "Diaz", "Evans", "Nguyen", "O'Brien", "Smith", "Young")
POSTERS = tuple(f"Poster {i}" for i in range(400))
FILE_LINES = 50_000


def _follower_text(rng: random.Random) -> str:
    form = rng.random()
    if form < 0.007:
        return PLACEHOLDERS["user"]
    if form < 0.4:
        return str(rng.randint(0, 999))
    if form < 0.9:
        return f"{rng.randint(1, 999)}k"
    return f"{rng.randint(1, 15)}M"


def _person(rng: random.Random) -> dict:
    """People repeat across posts, always with the same age and join date."""
    person = rng.randrange(5000)
    local = random.Random(person)
    joined = datetime(2015, 10, 21) + timedelta(seconds=local.randrange(2 * 365 * 86400))
    return {
        "first_name": local.choice(FIRST_NAMES),
        "last_name": f"{local.choice(LAST_NAMES)}{person}",
        "age": local.randint(16, 60),
        "date_joined": joined.isoformat(),
    }


def posts(count: int, seed: int = 7, first_index: int = 0) -> Iterator[tuple[dict, dict, dict]]:
    rng = random.Random(seed)
    for index in range(first_index, first_index + count):
        category = rng.choice(CATEGORIES)
        story = rng.random() < 0.07
        broken_image = rng.random() < 0.024
        follower = _follower_text(rng)
        pin = {
            "index": index,
            "unique_id": f"{rng.getrandbits(128):032x}",
            "title": PLACEHOLDERS["title"]
            if story and rng.random() < 0.5
            else f"Idea {index} for {category} ",
            "description": PLACEHOLDERS["storyDescription"] if story else f"About {category}\u00a0\n",
            "poster_name": PLACEHOLDERS["user"] if follower == PLACEHOLDERS["user"] else rng.choice(POSTERS),
            "follower_count": follower,
            "tag_list": PLACEHOLDERS["tags"] if story else f"{category},ideas",
            "is_image_or_video": "multi-video(story page format)"
            if story
            else rng.choice(("image",) * 9 + ("video",)),
            "image_src": PLACEHOLDERS["imageSrc"]
            if broken_image
            else f"https://i.pinimg.com/originals/{index}.jpg",
            "downloaded": 0 if broken_image else 1,
            "save_location": f"Local save in /data/{category}",
            "category": category,
        }
        posted = datetime(2017, 10, 19) + timedelta(seconds=rng.randrange(5 * 365 * 86400))
        geo = {
            "ind": index,
            "timestamp": posted.isoformat(),
            "latitude": round(rng.uniform(-90, 90), 4),
            "longitude": round(rng.uniform(-180, 180), 4),
            "country": COUNTRIES[min(int(rng.expovariate(0.08)), len(COUNTRIES) - 1)],
        }
        user = {"ind": index, **_person(rng)}
        yield pin, geo, user


def write_sink_layout(
    root: Path,
    topics: dict[str, str],
    count: int,
    duplicate_every: int = 0,
    seed: int = 7,
    first_index: int = 0,
    partition: int = 0,
) -> None:
    """Writes `count` posts (keys from `first_index`) under `root/topics/{topic}/partition={partition}/`; with
    `duplicate_every` = n, every n-th record is sent twice. Later objects of a topic go in another partition
    folder, whose file names cannot collide with earlier ones."""
    pending: dict[str, list[str]] = {table: [] for table in topics}
    written = {table: 0 for table in topics}

    def flush(table: str) -> None:
        folder = Path(topic_dir(str(root), topics[table])) / f"partition={partition}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{topics[table]}+0+{written[table]:010d}.json"
        (folder / name).write_text("".join(pending[table]), encoding="utf-8")
        written[table] += len(pending[table])
        pending[table].clear()

    for number, rows in enumerate(posts(count, seed, first_index)):
        for table, row in zip(("pin", "geo", "user"), rows, strict=True):
            line = json.dumps(row, ensure_ascii=False) + "\n"
            pending[table].extend(
                [line, line] if duplicate_every and number % duplicate_every == 0 else [line]
            )
            if len(pending[table]) >= FILE_LINES:
                flush(table)
    for table in topics:
        if pending[table] or not written[table]:
            flush(table)

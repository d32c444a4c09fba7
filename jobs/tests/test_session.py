"""Where the local session finds Delta's jars without resolving them (pinterest_jobs.session)."""

from importlib.metadata import version

import pytest

from pinterest_jobs.session import _cached_delta_jars

DELTA = version("delta-spark")
MAVEN = [f"delta-spark_2.13-{DELTA}.jar", f"delta-storage-{DELTA}.jar", "antlr4-runtime-4.13.1.jar"]
IVY = [
    f"io.delta_delta-spark_2.13-{DELTA}.jar",
    f"io.delta_delta-storage-{DELTA}.jar",
    "org.antlr_antlr4-runtime-4.13.1.jar",
]


@pytest.mark.parametrize(
    ("install", "ivy", "expected"),
    [
        (MAVEN, IVY, ("install", MAVEN)),  # local mode's install (tools/ensure.sh jars) comes first
        ([], IVY, ("ivy", IVY)),  # no install: an earlier Ivy resolution
        (MAVEN[:2], IVY, ("ivy", IVY)),  # an incomplete folder is passed over
        (MAVEN[:2], IVY[1:], None),  # nothing complete: Spark resolves them (empty list)
        (["delta-spark_2.13-0.0.1.jar", *MAVEN[1:]], [], None),  # another Delta version is not taken
    ],
)
def test_the_first_folder_with_every_jar_wins(tmp_path, install, ivy, expected):
    folders = {"install": tmp_path / "install", "ivy": tmp_path / "ivy"}
    for name, files in (("install", install), ("ivy", ivy)):
        folders[name].mkdir()
        for file in files:
            (folders[name] / file).write_bytes(b"")
    found = _cached_delta_jars([folders["install"], folders["ivy"]])
    if expected is None:
        assert found == []
    else:
        folder, files = expected
        assert found == [folders[folder] / file for file in files]

"""ODS's zip archives: only the member named is read, never past the limit, under a name of our choosing."""

from __future__ import annotations

import io
import zipfile

import pytest

from oversight_bot.errors import ImportFileError
from oversight_bot.ingest.downloads import safe_name, unzip_member


def archive(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as handle:
        for name, content in members.items():
            handle.writestr(name, content)
    return buffer.getvalue()


def test_the_member_named_is_read_wherever_it_sits_in_the_archive() -> None:
    content = archive(**{"ETR/ETR.CSV": b'"RDY","DORSET"', "etr.pdf": b"%PDF"})
    assert unzip_member("etr.zip", content, "etr.csv", 1000) == ("ETR.CSV", b'"RDY","DORSET"')


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"<html>Sign in</html>", "not a zip archive that can be read"),
        (archive(**{"readme.txt": b"moved"}), "holds no etr.csv (it holds readme.txt)"),
        (archive(**{"etr.csv": b"x" * 5000}), "etr.csv is 5,000 bytes unpacked, more than the limit"),
    ],
)
def test_an_archive_that_is_not_what_was_expected_is_refused(content: bytes, words: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        unzip_member("etr.zip", content, "etr.csv", 1000)
    assert refused.value.source == "etr.zip" and words in str(refused.value.problems[0])


def test_a_name_from_the_network_never_becomes_a_path() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("nhs-oversight-framework-acute-trust-data.csv") == "nhs-oversight-framework-acute-trust-data.csv"
    assert safe_name("a b;rm -rf.csv") == "a_b_rm_-rf.csv"
    assert safe_name("..") == "download.csv"

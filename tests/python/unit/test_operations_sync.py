"""image.sync: the image list file (every error with its line and column) and the plan and its application,
against the naming fake engine of test_operations_state."""

import pytest

from containerimage import errors
from containerimage.operations import sync

from .test_operations_state import NEW, NEW_DIGEST, OLD, OLD_DIGEST, OTHER, NamingAPI, context, writes


def image_list(tmp_path, text):
    path = tmp_path / "images.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------------------------------ the file

def test_reads_mappings_and_plain_references_with_their_lines(tmp_path):
    path = image_list(tmp_path, f"""# comment
images:
  - Name: Microsoft/NanoServer
  - name: test/app
    TAG: '1.10'
    digest: {NEW_DIGEST}
  - registry.example.com:5000/team/app:2
""")
    items = sync.read_image_list(path)
    assert [(i.want.reference, i.want.digest, i.line) for i in items] == [
        ("microsoft/nanoserver:latest", None, 3), ("test/app:1.10", NEW_DIGEST, 4),
        ("registry.example.com:5000/team/app:2", None, 7)]


def test_a_tag_that_yaml_would_read_as_a_number_stays_text(tmp_path):
    assert sync.read_image_list(image_list(tmp_path, "Images:\n  - Name: x\n    Tag: 1.10\n"))[0].want.tag == "1.10"


@pytest.mark.parametrize("text, line, column, says", [
    ("Images:\n  - Name: x\n   Tag: [1\n", 3, None, "not valid YAML"),
    ("", 1, 1, "empty"),
    ("- x\n", 1, 1, "mapping with the key 'Images'"),
    ("Images:\n  - x\nExtra: 1\n", 3, 1, "unknown key 'Extra'"),
    ("Other: []\n", 1, 1, "unknown key 'Other'"),
    ("Images: x\n", 1, 9, "must be a list"),
    ("Images:\n  - Tag: '1'\n", 2, 5, "has no Name"),
    ("Images:\n  - Name: ok\n  - Name: 'Bad Name'\n", 3, 11, "'Bad Name' is not a valid reference"),
    ("Images:\n  - Name: x\n    Tag: 'bad tag'\n", 3, 10, "'bad tag' is not a valid tag"),
    ("Images:\n  - Name: x\n    Digest: sha256:12\n", 3, 13, "'sha256:12' is not an image digest"),
    ("Images:\n  - Name: x\n    Digets: sha256:12\n", 3, 5, "unknown key 'Digets'"),
    ("Images:\n  - Name: [a]\n", 2, 11, "Name must be a text value"),
    ("Images:\n  - Name: x\n  - x:latest\n", 3, 5, "x:latest is listed twice (first on line 2)"),
    ("Images:\n  - [x]\n", 2, 5, "a reference or a mapping"),
])
def test_a_bad_file_is_one_invalid_data_naming_file_line_and_column(tmp_path, text, line, column, says):
    path = image_list(tmp_path, text)
    with pytest.raises(errors.InvalidData) as caught:
        sync.read_image_list(path)
    error = caught.value
    assert error.message.startswith(f"{path}, line {line}, column ")
    assert says in error.message
    assert error.data["line"] == line and error.data["path"] == path
    if column is not None:
        assert error.data["column"] == column


def test_an_empty_images_key_is_an_empty_list(tmp_path):
    assert sync.read_image_list(image_list(tmp_path, "Images:\n")) == []


def test_a_missing_file_is_not_found_and_a_folder_is_refused(tmp_path):
    with pytest.raises(errors.NotFound) as caught:
        sync.read_image_list(str(tmp_path / "none.yaml"))
    assert "none.yaml" in caught.value.message
    with pytest.raises(errors.InvalidParams) as caught:
        sync.read_image_list(str(tmp_path))
    assert "is a folder" in caught.value.message


def test_a_bad_file_changes_nothing_on_the_engine(tmp_path):
    api = NamingAPI({"old/x:1": OTHER})
    with pytest.raises(errors.InvalidData):
        sync.sync_images(context(api), path=image_list(tmp_path, "Images:\n  - Name: 'a b'\n"), prune=True)
    assert api.calls == []


# ------------------------------------------------------------------------------------------- the plan

LIST = f"Images:\n  - Name: test/app\n    Tag: '1'\n    Digest: {NEW_DIGEST}\n  - test/new\n  - test/ok:1\n"


def engine(containers=()):
    return NamingAPI({"test/app:1": OLD, f"test/app@{OLD_DIGEST}": OLD, "test/ok:1": OTHER, "test/ok:extra": OTHER,
                      "test/unlisted:1": "sha256:" + "d" * 64},
                     remote={f"test/app@{NEW_DIGEST}": (NEW, NEW_DIGEST), "test/new:latest": ("sha256:" + "e" * 64,
                                                                                           "sha256:" + "3" * 64)},
                     containers=containers)


def test_the_dry_run_plans_every_change_and_makes_none(tmp_path):
    api = engine()
    result = sync.sync_images(context(api), path=image_list(tmp_path, LIST), prune=True, dry_run=True)
    plan = [(c["Action"], c["Name"], c["Tag"]) for c in result["changes"]]
    assert plan == [("Update", "test/app", "1"), ("Install", "test/new", "latest"),
                    ("Remove", "test/app", "1"),  # the image the update leaves behind
                    ("Untag", "test/ok", "extra"), ("Remove", "test/unlisted", "1")]
    assert result["changes"][0]["Digest"] == NEW_DIGEST and result["changes"][0]["OldId"] == OLD[7:19]
    assert "moves to the pinned image" in result["changes"][2]["Reason"]
    assert [(c["Name"], c["Tag"], c["Line"]) for c in result["current"]] == [("test/ok", "1", 6)]
    assert writes(api) == []
    assert all("_" not in c for c in result["changes"])


def test_without_prune_only_the_listed_images_change(tmp_path):
    result = sync.sync_images(context(engine()), path=image_list(tmp_path, LIST), dry_run=True)
    assert [c["Action"] for c in result["changes"]] == ["Update", "Install"]


def test_the_real_run_makes_the_engine_hold_exactly_the_list(tmp_path):
    api = engine()
    result = sync.sync_images(context(api), path=image_list(tmp_path, LIST), prune=True)
    assert result["errors"] == []
    assert [c["Action"] for c in result["changes"]] == ["Update", "Install", "Remove", "Untag", "Remove"]
    assert sorted(r for r in api.refs if "@" not in r) == ["test/app:1", "test/new:latest", "test/ok:1"]
    assert api.refs["test/app:1"] == NEW and result["changes"][0]["NewId"] == NEW[7:19]
    assert OLD not in api.refs.values()


def test_an_unlisted_image_a_container_depends_on_is_kept_and_named(tmp_path):
    box = {"Id": "9" * 64, "Names": ["/keeper"], "State": "exited", "ImageID": "sha256:" + "d" * 64,
           "Image": "test/unlisted:1"}
    api = engine([box])
    result = sync.sync_images(context(api), path=image_list(tmp_path, LIST), prune=True)
    kept = [c for c in result["changes"] if c["Action"] == "Keep"]
    assert len(kept) == 1 and "'keeper'" in kept[0]["Reason"] and kept[0]["Containers"][0]["Name"] == "keeper"
    assert "test/unlisted:1" in api.refs


def test_only_the_confirmed_keys_are_applied(tmp_path):
    api = engine()
    path = image_list(tmp_path, LIST)
    plan = sync.sync_images(context(api), path=path, prune=True, dry_run=True)["changes"]
    chosen = [c["Key"] for c in plan if c["Action"] == "Install"]
    result = sync.sync_images(context(api), path=path, prune=True, only=chosen)
    assert [c["Action"] for c in result["changes"]] == ["Install"]
    assert api.refs["test/app:1"] == OLD and "test/unlisted:1" in api.refs


def test_one_failing_image_does_not_stop_the_others(tmp_path):
    api = engine()
    path = image_list(tmp_path, "Images:\n  - test/missing:1\n  - test/new\n")
    result = sync.sync_images(context(api), path=path)
    assert [c["Name"] for c in result["changes"]] == ["test/new"]
    assert len(result["errors"]) == 1 and result["errors"][0]["data"]["kind"] == "NotFound"
    assert "test/missing:1" in result["errors"][0]["message"]


def test_progress_goes_across_the_images(tmp_path):
    api = engine()
    seen = []
    ctx = context(api)
    ctx._progress = seen.append
    sync.sync_images(ctx, path=image_list(tmp_path, "Images:\n  - test/new\n"))
    mine = [p for p in seen if p["id"] == "sync"]
    assert mine == [{"id": "sync", "activity": "Image 1 of 1: Install test/new:latest", "status": "Install test/new:latest",
                     "current": 1, "total": 1}]

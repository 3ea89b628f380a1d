"""Disk: the arithmetic of what a batch of removals frees, docker system df's totals, and the retention policy
(retention.py) at the seam: pure functions, and image.space_freed / image.prune / image.sync against a fake
engine. The real engine's figures are checked in tests/powershell/Get-ContainerImageDiskUsage.Tests.ps1."""

import pytest

from containerimage import errors
from containerimage.operations import disk, images, remove, retention, sync

from .fakes import FakeDockerAPI, FakeEngine

DAY = 86400
NOW = 1_800_000_000


def image_id(char):
    return "sha256:" + char * 64


def summary(full_id, tags=(), parent="", size=100, created=NOW - 100 * DAY):
    return {"Id": full_id, "RepoTags": list(tags) or ["<none>:<none>"], "RepoDigests": None, "ParentId": parent,
            "Size": size, "Created": created, "Labels": None}


class Context:
    def __init__(self, api):
        self.engine = FakeEngine(api)
        self.cancelled = False

    def check_cancelled(self):
        pass


@pytest.fixture(autouse=True)
def no_layer_cache(monkeypatch):
    monkeypatch.setattr(images, "_LAYERS", {})  # image ids are reused across the tests below


# ---------------------------------------------------------------------------------- the batch arithmetic

def test_a_layer_shared_only_among_removed_images_counts_once():
    layers = {"a": ("base", "a1"), "b": ("base", "b1"), "kept": ("other",)}
    freed = disk.freed_layers(layers, ["a", "b"])
    assert freed == {"a": ["base", "a1"], "b": ["b1"]}


def test_a_layer_a_kept_image_holds_counts_nothing():
    layers = {"a": ("base", "a1"), "b": ("base", "b1"), "kept": ("base", "k1")}
    assert disk.freed_layers(layers, ["a", "b"]) == {"a": ["a1"], "b": ["b1"]}
    assert disk.freed_layers(layers, ["kept"]) == {"kept": ["k1"]}


def test_removing_one_of_two_images_on_a_base_frees_its_own_layer_only_and_both_free_the_base():
    layers = {"a": ("base", "a1"), "b": ("base", "b1")}
    assert disk.freed_layers(layers, ["a"]) == {"a": ["a1"]}
    assert sorted(sum(disk.freed_layers(layers, ["b", "a"]).values(), [])) == ["a1", "b1", "base"]


def test_an_image_given_twice_counts_once():
    assert disk.freed_layers({"a": ("x",)}, ["a", "a"]) == {"a": ["x"]}


def test_untagged_parents_left_with_no_child_go_too_but_not_named_or_used_or_still_parenting_ones():
    parents = {"child": "mid", "mid": "root", "root": None, "other": "root2", "root2": None, "sibling": "mid2",
               "kid": "mid2", "mid2": None}
    assert disk.pruned_parents(["child"], parents, tagged={"child"}, used=set()) == ["mid", "root"]
    assert disk.pruned_parents(["child"], parents, tagged={"child", "root"}, used=set()) == ["mid"]
    assert disk.pruned_parents(["child"], parents, tagged=set(), used={"mid"}) == []
    assert disk.pruned_parents(["kid"], parents, tagged=set(), used=set()) == []  # sibling still on mid2


def test_totals_follow_docker_system_df():
    # docker/cli formatter/disk_usage.go: reclaimable = LayersSize - sum(VirtualSize - SharedSize) of active images.
    answer = {"LayersSize": 1000, "Images": [
        {"Id": "a", "Containers": 2, "Size": 600, "VirtualSize": 600, "SharedSize": 200},
        {"Id": "b", "Containers": 0, "Size": 400, "VirtualSize": 400, "SharedSize": 200},
        {"Id": "c", "Containers": 1, "Size": 200, "VirtualSize": 200, "SharedSize": -1},  # not weighed: skipped
    ]}
    assert disk.totals(answer) == {"Type": "Images", "TotalCount": 3, "Active": 2, "Size": 1000, "Reclaimable": 600,
                                   "ReclaimablePercent": 60}
    assert disk.totals({"LayersSize": 0, "Images": None})["ReclaimablePercent"] == 0


def test_engine_df_gives_unique_size_as_size_less_shared_and_none_when_not_weighed():
    api = FakeDockerAPI()
    api.df = lambda: {"Images": [{"Id": "a", "Size": 50, "SharedSize": 20}, {"Id": "b", "Size": 5, "SharedSize": -1}]}
    usage, _ = images.engine_df(api)
    assert usage == {"a": {"SharedSize": 20, "UniqueSize": 30}, "b": {"SharedSize": None, "UniqueSize": None}}


# Three images on one base layer B: app1 (B, A1), app2 (B, A2), keep (B, K). Diff ids; chain ids are derived.
B, A1, A2, K = ("sha256:" + c * 64 for c in "1234")
APP1, APP2, KEEP = image_id("a"), image_id("b"), image_id("c")


def engine_with_three_images():
    api = FakeDockerAPI(summaries=[summary(APP1, ["test/app:1"]), summary(APP2, ["test/app:2"]),
                                   summary(KEEP, ["test/keep:1"])])
    api.configs = {APP1: {"Id": APP1, "RootFS": {"Layers": [B, A1]}}, APP2: {"Id": APP2, "RootFS": {"Layers": [B, A2]}},
                   KEEP: {"Id": KEEP, "RootFS": {"Layers": [B, K]}}}
    # history: newest first, one entry per layer: the base weighs 1000, each own layer its own size.
    api.histories = {APP1: [{"Size": 10}, {"Size": 1000}], APP2: [{"Size": 20}, {"Size": 1000}],
                     KEEP: [{"Size": 30}, {"Size": 1000}]}
    return api


def test_space_freed_over_a_batch_weighs_only_the_layers_no_kept_image_holds():
    api = engine_with_three_images()
    result = disk.space_freed(Context(api), ids=[APP1, APP2])
    assert result["SpaceFreed"] == 30  # the base stays: keep holds it
    assert [(r["Id"], r["SpaceFreed"]) for r in result["Images"]] == [("a" * 12, 10), ("b" * 12, 20)]
    everything = disk.space_freed(Context(api), ids=[APP1, APP2, KEEP])
    assert everything["SpaceFreed"] == 1060  # the base once
    assert everything["Layers"] == 4


def test_space_freed_weighs_nothing_that_frees_nothing():
    api = engine_with_three_images()
    api.configs[APP2] = {"Id": APP2, "RootFS": {"Layers": [B, A1]}}  # the same layers as app1
    result = disk.space_freed(Context(api), ids=[APP1])
    assert result["SpaceFreed"] == 0
    assert api.calls_to("history") == []


def test_space_freed_ignores_an_image_removed_since_it_was_planned():
    api = engine_with_three_images()
    assert disk.space_freed(Context(api), ids=[image_id("f"), APP1])["Images"][0]["FullId"] == APP1


# ------------------------------------------------------------------------------------ the retention policy

def everything(*rows):
    return {i: {"Created": created, "Repositories": list(repos)} for i, created, repos in rows}


def test_older_than_selects_only_images_created_longer_ago():
    images_ = everything(("old", NOW - 40 * DAY, ["r"]), ("new", NOW - 5 * DAY, ["r"]))
    chosen = retention.select(["old", "new"], images_, NOW, older_than=30 * DAY)
    assert list(chosen) == ["old"]
    assert chosen["old"] == "created 40 days ago"


def test_keep_latest_keeps_the_newest_of_each_repository_counting_images_in_use():
    images_ = everything(("a1", NOW - 9, ["a"]), ("a2", NOW - 8, ["a"]), ("a3", NOW - 7, ["a"]),
                         ("b1", NOW - 9, ["b"]), ("used", NOW - 1, ["a"]))
    # used is a's newest but no candidate (a container uses it): it still takes one of the 2 places.
    chosen = retention.select(["a1", "a2", "a3", "b1"], images_, NOW, keep_latest=2)
    assert sorted(chosen) == ["a1", "a2"]
    assert "not among the 2 newest of a" in chosen["a1"]


def test_keep_latest_and_older_than_together_and_an_image_kept_by_any_of_its_repositories():
    images_ = everything(("x", NOW - 50 * DAY, ["a", "b"]), ("y", NOW - 40 * DAY, ["a"]), ("z", NOW - DAY, ["a"]),
                         ("lone", NOW - 60 * DAY, []))
    chosen = retention.select(["x", "y", "z", "lone"], images_, NOW, older_than=30 * DAY, keep_latest=1)
    # z is a's newest (and too new); x is b's newest, so it stays; y goes; the untagged lone image goes by age.
    assert sorted(chosen) == ["lone", "y"]


def test_the_base_of_a_kept_image_stays_and_then_its_own_base():
    images_ = everything(("root", NOW - 90 * DAY, ["r"]), ("mid", NOW - 80 * DAY, ["m"]), ("top", NOW - DAY, ["t"]))
    built_on = {"root": {"mid", "top"}, "mid": {"top"}}  # base -> the images built on it

    def relation(base, ids):
        return [i for i in ids if i in built_on.get(base, ())]
    chosen = retention.select(["root", "mid", "top"], images_, NOW, older_than=30 * DAY, built_on=relation)
    assert chosen == {}  # top is too new; mid is its base, root theirs
    chosen = retention.select(["root", "mid"], everything(("root", NOW - 90 * DAY, ["r"]), ("mid", NOW - 80 * DAY, ["m"])),
                              NOW, older_than=30 * DAY, built_on=relation)
    assert sorted(chosen) == ["mid", "root"]  # nothing built on them stays


@pytest.mark.parametrize("older_than, keep_latest, says", [
    (0, None, "older_than"), (-5 * DAY, None, "older_than"), ("5d", None, "older_than"), (True, None, "older_than"),
    (None, 0, "keep_latest"), (None, -1, "keep_latest"), (None, 1.5, "keep_latest")])
def test_a_policy_that_means_nothing_or_everything_is_refused(older_than, keep_latest, says):
    with pytest.raises(errors.InvalidParams, match=says):
        retention.check(older_than, keep_latest)


@pytest.mark.parametrize("text, seconds", [("30d", 30 * DAY), ("12h", 43200), ("90m", 5400), ("45s", 45),
                                           ("2w", 14 * DAY), ("1.5D", 129600)])
def test_spans_with_units(text, seconds):
    assert retention.parse_span(text) == seconds


@pytest.mark.parametrize("text, says", [("-5d", "not a positive"), ("0d", "not a positive"), ("5", "not a span"),
                                        ("abc", "not a span"), ("xd", "not a span"), ("infd", "not a positive")])
def test_bad_spans(text, says):
    with pytest.raises(ValueError, match=says):
        retention.parse_span(text)


# --------------------------------------------- image.prune with a policy, and a Sync list's Prune: section

OLD1, OLD2, NEW1, BASE_IMG, ON_BASE, USED = (image_id(c) for c in "123456")
BL, OL1, OL2, NL1, OB = ("sha256:" + c * 64 for c in "789ab")


class AncestorAPI(FakeDockerAPI):
    """Answers the ancestor filter of the container listing (by the image itself: no parents here)."""

    def containers(self, *args, **kwargs):
        found = super().containers(*args, **kwargs)
        ancestor = (kwargs.get("filters") or {}).get("ancestor")
        return [c for c in found if ancestor is None or c["ImageID"] == ancestor]


def policy_engine():
    api = AncestorAPI(
        summaries=[summary(OLD1, ["test/app:1"], created=NOW - 60 * DAY),
                   summary(OLD2, ["test/app:2"], created=NOW - 50 * DAY),
                   summary(NEW1, ["test/app:3"], created=NOW - 40 * DAY),
                   summary(BASE_IMG, ["test/base:1"], created=NOW - 90 * DAY, size=10),
                   summary(ON_BASE, ["test/web:1"], created=NOW - DAY, size=20),
                   summary(USED, ["test/used:1"], created=NOW - 99 * DAY)],
        containers=[{"Id": "9" * 64, "Names": ["/box"], "State": "exited", "ImageID": USED, "Image": "test/used:1"}])
    api.configs = {OLD1: {"Id": OLD1, "RootFS": {"Layers": [OL1]}}, OLD2: {"Id": OLD2, "RootFS": {"Layers": [OL2]}},
                   NEW1: {"Id": NEW1, "RootFS": {"Layers": [NL1]}}, BASE_IMG: {"Id": BASE_IMG, "RootFS": {"Layers": [BL]}},
                   ON_BASE: {"Id": ON_BASE, "RootFS": {"Layers": [BL, OB]}}, USED: {"Id": USED, "RootFS": {"Layers": [BL]}}}
    return api


def test_prune_with_a_policy_keeps_the_newest_per_repository_the_base_of_a_kept_image_and_used_ones(monkeypatch):
    monkeypatch.setattr(retention, "select", _at_now(retention.select))
    api = policy_engine()
    plan = remove.prune_images(Context(api), unused=True, dry_run=True, older_than=30 * DAY, keep_latest=1)["images"]
    # app:3 is the newest of test/app; web is too new and base is what web is built on; used has a container.
    assert sorted(item["Image"] for item in plan) == ["test/app:1", "test/app:2"]
    assert all("not among the 1 newest of test/app" in item["Policy"] for item in plan)


def test_prune_by_age_alone_keeps_the_base_of_an_image_too_new_to_go(monkeypatch):
    monkeypatch.setattr(retention, "select", _at_now(retention.select))
    plan = remove.prune_images(Context(policy_engine()), unused=True, dry_run=True, older_than=30 * DAY)["images"]
    assert sorted(item["Image"] for item in plan) == ["test/app:1", "test/app:2", "test/app:3"]
    plain = remove.prune_images(Context(policy_engine()), unused=True, dry_run=True)["images"]
    assert "test/base:1" in [item["Image"] for item in plain]  # without a policy, -Unused is docker image prune -a


def test_prune_refuses_a_bad_policy_before_asking_the_engine():
    api = policy_engine()
    with pytest.raises(errors.InvalidParams, match="keep_latest"):
        remove.prune_images(Context(api), unused=True, dry_run=True, keep_latest=0)
    with pytest.raises(errors.InvalidParams, match="goes with unused"):
        remove.prune_images(Context(api), unused=False, dry_run=True, older_than=DAY)
    assert api.calls == []


def _at_now(select):
    def at_now(candidates, everything_, now, *args, **kwargs):
        return select(candidates, everything_, NOW, *args, **kwargs)
    return at_now


def image_list(tmp_path, text):
    path = tmp_path / "images.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_prune_section_is_read_as_a_policy(tmp_path):
    items, policy, _ = sync.read_list(image_list(tmp_path, "Images:\n  - test/app:3\nprune:\n  olderThan: 30d\n  KeepLatest: 2\n"))
    assert [i.want.reference for i in items] == ["test/app:3"]
    assert policy == {"older_than": 30 * DAY, "keep_latest": 2}
    assert sync.read_list(image_list(tmp_path, "Images:\n  - test/app:3\n"))[1] is None


@pytest.mark.parametrize("text, line, says", [
    ("Prune:\n  OlderThan: -5d\n", 3, "not a positive span"),
    ("Prune:\n  OlderThan: soon\n", 3, "not a span of time"),
    ("Prune:\n  KeepLatest: 0\n", 3, "1 or more"),
    ("Prune:\n  KeepLatest: two\n", 3, "1 or more"),
    ("Prune:\n  Keep: 2\n", 3, "unknown key 'Keep'"),
    ("Prune:\n", 2, "must be a mapping"),
])
def test_a_bad_prune_section_names_its_line(tmp_path, text, line, says):
    path = image_list(tmp_path, "Images:\n" + text)
    with pytest.raises(errors.InvalidData, match=says) as caught:
        sync.read_list(path)
    assert caught.value.data["line"] == line


def test_sync_with_a_prune_section_removes_what_the_policy_lets_go_and_nothing_listed(tmp_path, monkeypatch):
    monkeypatch.setattr(retention, "select", _at_now(retention.select))
    api = policy_engine()
    for image in (OLD1, OLD2, NEW1, BASE_IMG, ON_BASE, USED):
        api.configs[image]["RepoTags"] = [s["RepoTags"][0] for s in api.summaries if s["Id"] == image]
        api.configs[image]["RepoDigests"] = []
    path = image_list(tmp_path, "Images:\n  - test/app:1\nPrune:\n  OlderThan: 30d\n  KeepLatest: 1\n")
    monkeypatch.setattr(sync.state, "get", lambda api_, want, ctx=None: {"InDesiredState": True, "Name": want.repository,
                                                               "Tag": want.tag, "Digest": None, "Id": OLD1})
    plan = sync.sync_images(Context(api), path=path, dry_run=True)["changes"]
    # app:1 is listed; app:3 is test/app's newest; web too new, base under it; used has a container.
    assert [(c["Action"], c["Name"], c["Tag"]) for c in plan] == [("Remove", "test/app", "2")]
    assert "Prune policy" in plan[0]["Reason"]


# ------------------------------------------------------------------------------- containerimage df [-v]

def test_the_df_command_prints_docker_system_df_and_with_v_each_images_shared_and_unique_size(monkeypatch, capsys):
    from containerimage import cli
    api = FakeDockerAPI(summaries=[summary(APP1, ["test/app:1"], size=1_500_000)])
    api.df = lambda: {"LayersSize": 2_000_000, "Images": [  # the image summaries of /images/json, with sizes
        dict(summary(APP1, ["test/app:1"], size=1_500_000), Containers=1, VirtualSize=1_500_000, SharedSize=1_000_000)]}
    api.configs = {APP1: {"Id": APP1, "Os": "linux", "Architecture": "amd64"}}
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    assert cli.main(["df"]) == cli.ExitStatus.SUCCESS
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
    assert lines[1].split() == ["Images", "1", "1", "2MB", "1.5MB", "(75%)"]
    assert cli.main(["df", "-v"]) == cli.ExitStatus.SUCCESS
    lines = capsys.readouterr().out.splitlines()
    assert lines[3].split()[:3] == ["REPOSITORY", "TAG", "IMAGE"]
    row = lines[4].split()
    assert row[:3] == ["test/app", "1", "a" * 12] and row[-4:] == ["1.5MB", "1MB", "500kB", "0"]
    assert api.calls_to("images") == []  # /system/df lists the images itself: the listing is not asked


def test_disk_usage_with_a_filter_asks_both_and_weighs_what_the_filter_keeps():
    api = FakeDockerAPI(summaries=[summary(APP1, ["test/app:1"], size=1_500_000)])
    api.df = lambda: {"LayersSize": 2_000_000, "Images": [
        dict(summary(APP1, ["test/app:1"], size=1_500_000), Containers=0, SharedSize=1_000_000),
        dict(summary(APP2, ["test/app:2"], size=700), Containers=0, SharedSize=0)]}
    api.configs = {APP1: {"Id": APP1, "Os": "linux", "Architecture": "amd64"}}
    rows = images.list_images(Context(api), label=["x=y"], disk_usage=True)["images"]
    assert [(r["FullId"], r["SharedSize"], r["UniqueSize"]) for r in rows] == [(APP1, 1_000_000, 500_000)]
    assert api.calls_to("images")[0]["filters"] == {"label": ["x=y"]}


def test_system_df_waits_while_the_engine_computes_another_one():
    # The engine refuses a second /system/df while one runs (two names of one engine, two runbooks): wait.
    import docker.errors
    from containerimage.operations import images as images_operations

    class Busy:
        calls = 0

        def df(self):
            self.calls += 1
            if self.calls < 3:
                raise docker.errors.APIError("409 Client Error", explanation="a disk usage operation is already running")
            return {"Images": [], "LayersSize": 0}

    slept = []
    api = Busy()
    assert images_operations._system_df(api, sleep=slept.append) == {"Images": [], "LayersSize": 0}
    assert api.calls == 3 and len(slept) == 2


def test_system_df_raises_other_engine_errors_at_once():
    import docker.errors
    from containerimage.operations import images as images_operations

    class Broken:
        def df(self):
            raise docker.errors.APIError("500 Server Error", explanation="something else")

    with pytest.raises(docker.errors.APIError):
        images_operations._system_df(Broken(), sleep=lambda s: pytest.fail("must not wait"))

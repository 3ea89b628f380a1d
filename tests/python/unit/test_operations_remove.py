"""image.remove, image.prune, and what image.list tells about containers and children, against a fake engine."""

import copy

import docker.errors
import pytest

from containerimage import errors
from containerimage.operations import images, remove
from containerimage.server import Context

from .fakes import FakeDockerAPI, FakeEngine, NoEngine, api_error


def image_id(char):
    return "sha256:" + char * 64


def layer(char):
    return "sha256:" + char * 64


BASE, APP, CHILD, GRAND, LOOSE, PINNED, OTHER, MIDDLE, TOP = (image_id(c) for c in "abcdef987")
L1, L2, L3, L4, L5, L6, L7 = (layer(c) for c in "1234560")
BASE_DIGEST = "sha256:" + "5" * 64
PINNED_DIGEST = "sha256:" + "6" * 64


def summary(full_id, tags=(), digests=(), parent="", size=100, created=1_700_000_000, labels=None):
    return {"Id": full_id, "RepoTags": list(tags) or ["<none>:<none>"], "RepoDigests": list(digests) or None,
            "ParentId": parent, "Size": size, "Created": created, "Labels": labels}


# base, with app pulled on top of it (layers only) and child committed from it (parent only), grand on child.
SUMMARIES = [
    summary(BASE, ["test/base:1"], [f"test/base@{BASE_DIGEST}"], size=100, created=1_700_000_000),
    summary(APP, ["test/app:1", "test/app:2"], size=150, created=1_700_000_100),
    summary(CHILD, ["test/child:1"], parent=BASE, size=100, created=1_700_000_200),
    summary(GRAND, ["test/grand:1"], parent=CHILD, size=130, created=1_700_000_300),
    summary(LOOSE, size=10, created=1_700_000_400, labels={"stage": "build"}),
    summary(PINNED, digests=[f"test/pinned@{PINNED_DIGEST}"], size=20, created=1_700_000_500),
    summary(OTHER, ["other/thing:1"], size=500, created=1_700_000_600, labels={"stage": "final"}),
    summary(MIDDLE, size=30, created=1_700_000_700),  # an untagged intermediate image ...
    summary(TOP, parent=MIDDLE, size=40, created=1_700_000_800),  # ... and its untagged child
]
LAYERS = {BASE: [L1], APP: [L1, L2], CHILD: [L1], GRAND: [L1, L3], LOOSE: [L4], PINNED: [L5], OTHER: [L6],
          MIDDLE: [L7], TOP: [L7, L3]}
# The engine's chain ids of app's layers: the second as dockerd 20.10 named it when it deleted that layer.
APP_REAL_LAYERS = ["sha256:bb7d1c870f755266aa7f716e64d1c28d371ab503b2864c39c8f0c4dd41146355",
                   "sha256:e6d788a5adb3feff9e235c21ca11097d1042e847744266a8fb42e8575132e2de"]
APP_REAL_CHAIN = "sha256:0bee6fb1f74d6fc8dd30646a9ec55d084834003026e5c350c23ac5b589c30413"


def container(short, name, state, image, image_name):
    return {"Id": short * 64, "Names": [f"/{name}"], "State": state, "ImageID": image, "Image": image_name}


STOPPED_ON_CHILD = container("1", "stopped-box", "exited", CHILD, "test/child:1")
RUNNING_ON_BASE = container("2", "web", "running", BASE, "test/base:1")
CREATED_ON_GRAND = container("3", "grand-box", "created", GRAND, "test/grand:1")
ON_APP = container("4", "app-box", "exited", APP, "test/app:1")


class EngineAPI(FakeDockerAPI):
    """The fake, with what the engine does for names: inspect by repo:tag, repo@digest or id prefix, and the
    `ancestor` container filter (a container of the image or of an image whose parent chain reaches it)."""

    def __init__(self, containers=()):
        configs = {s["Id"]: self._config(copy.deepcopy(s)) for s in SUMMARIES}  # tests change them
        super().__init__(copy.deepcopy(SUMMARIES), containers, configs)
        self.removals = {}
        self.histories = {}

    @staticmethod
    def _config(s):
        tags = [t for t in s["RepoTags"] if t != "<none>:<none>"]
        return {"Id": s["Id"], "RepoTags": tags, "RepoDigests": s["RepoDigests"] or [], "Parent": s["ParentId"],
                "Size": s["Size"], "RootFS": {"Type": "layers", "Layers": list(LAYERS[s["Id"]])}}

    def inspect_image(self, *args, **kwargs):
        self._record("inspect_image", *args, **kwargs)
        ref = args[0] if args else kwargs["image"]
        self.inspected.append(ref)
        for config in self.configs.values():
            if ref in config["RepoTags"] or ref in config["RepoDigests"]:
                return dict(config)
        ids = [i for i in self.configs if i.startswith(ref)] if ref.startswith("sha256:") else []
        if len(ids) == 1:
            return dict(self.configs[ids[0]])
        raise api_error(404, f"No such image: {ref}", docker.errors.ImageNotFound)

    def containers(self, *args, **kwargs):
        listed = super().containers(*args, **kwargs)
        ancestor = (kwargs.get("filters") or {}).get("ancestor")
        if ancestor is None:
            return listed
        parents = {s["Id"]: s["ParentId"] for s in self.summaries}

        def descends(image):
            while image:
                if image == ancestor:
                    return True
                image = parents.get(image)
            return False
        return [c for c in listed if descends(c["ImageID"])]


def context(api):
    return Context(FakeEngine(api))


def removal(api, **params):
    return remove.remove_image(context(api), **params)


def removed_targets(api):
    return [(args[0], kwargs) for name, args, kwargs in api.calls if name == "remove_image"]


# ------------------------------------------------------------------------------------------ remove

def test_an_image_no_container_depends_on_is_removed_and_its_freed_layers_weighed():
    api = EngineAPI(containers=[STOPPED_ON_CHILD])
    api.configs[APP]["RootFS"]["Layers"] = APP_REAL_LAYERS
    api.configs[APP]["RepoTags"] = ["test/app:1"]
    api.histories[APP] = [{"Id": APP, "Size": 24}, {"Id": "<missing>", "Size": 1_984_207}]  # newest first
    api.removals["test/app:1"] = [{"Untagged": "test/app:1"}, {"Deleted": APP}, {"Deleted": APP_REAL_CHAIN}]
    result = removal(api, name="test/app:1")
    assert removed_targets(api) == [("test/app:1", {"force": False, "noprune": False})]
    assert result == {"Image": "test/app:1", "Id": "b" * 12, "FullId": APP, "Untagged": ["test/app:1"],
                      "Deleted": [APP], "SpaceReclaimed": 24}


def test_chain_ids_are_the_engines():
    assert remove.chain_ids(APP_REAL_LAYERS) == [APP_REAL_LAYERS[0], APP_REAL_CHAIN]


def test_history_entries_of_steps_without_a_layer_are_left_out_when_weighing():
    api = EngineAPI()
    chains = remove.chain_ids([L1, L3])
    api.histories[GRAND] = [{"Size": 0}, {"Size": 30}, {"Size": 0}, {"Size": 100}]  # two metadata-only steps
    api.removals["test/grand:1"] = [{"Untagged": "test/grand:1"}, {"Deleted": GRAND}, {"Deleted": chains[1]}]
    assert removal(api, name="test/grand:1")["SpaceReclaimed"] == 30


def test_a_name_without_tag_means_latest_and_is_case_insensitive():
    api = EngineAPI()
    api.configs[OTHER]["RepoTags"] = ["other/thing:latest"]
    api.removals["other/thing:latest"] = [{"Untagged": "other/thing:latest"}, {"Deleted": OTHER}]
    assert removal(api, name="Other/Thing")["Deleted"] == [OTHER]
    assert removed_targets(api)[0][0] == "other/thing:latest"


def test_a_name_and_a_tag_make_one_reference_and_a_second_tag_is_refused():
    api = EngineAPI()
    api.removals["test/app:2"] = [{"Untagged": "test/app:2"}]
    assert removal(api, name="test/app", tag="2")["Untagged"] == ["test/app:2"]
    with pytest.raises(errors.InvalidParams, match="test/app:1.*tag '2'"):
        remove.remove_image(Context(NoEngine()), name="test/app:1", tag="2")


def test_a_name_that_does_not_exist_is_not_found_naming_it():
    api = EngineAPI()
    with pytest.raises(errors.NotFound) as caught:
        removal(api, name="test/nosuch")
    assert caught.value.target == "test/nosuch"
    assert "test/nosuch" in caught.value.message and "test/nosuch:latest" in caught.value.message
    assert removed_targets(api) == []


def test_a_malformed_reference_or_id_is_refused_before_the_engine_is_asked():
    with pytest.raises(errors.InvalidReference, match="Bad//name"):
        remove.remove_image(Context(NoEngine()), name="Bad//name")
    with pytest.raises(errors.InvalidParams, match="'xyz' is not an image id"):
        remove.remove_image(Context(NoEngine()), id="xyz")
    with pytest.raises(errors.InvalidParams, match="one of them"):
        remove.remove_image(Context(NoEngine()))
    with pytest.raises(errors.InvalidParams, match="one of them"):
        remove.remove_image(Context(NoEngine()), name="test/app:1", id="b" * 12)


def test_an_id_that_does_not_exist_is_not_found_and_an_ambiguous_one_says_so():
    api = EngineAPI()
    with pytest.raises(errors.NotFound, match="No image with id '0123'"):
        removal(api, id="0123")
    twin = summary("sha256:" + "b" * 63 + "0")  # now two ids start with bbbb
    api.summaries.append(twin)
    api.configs[twin["Id"]] = dict(api.configs[APP], Id=twin["Id"])
    with pytest.raises(errors.InvalidParams, match="'bbbb' is ambiguous: 2 images"):
        removal(api, id="bbbb")


def test_an_id_removes_every_name_and_a_long_hex_name_is_taken_as_an_id():
    api = EngineAPI()
    api.removals[BASE] = [{"Untagged": "test/base:1"}, {"Untagged": f"test/base@{BASE_DIGEST}"}, {"Deleted": BASE}]
    api.summaries = [s for s in api.summaries if s["Id"] not in (CHILD, GRAND)]  # no image built on it now
    plan = removal(api, id="sha256:aaaa", dry_run=True)
    assert (plan["Action"], plan["Untagged"]) == ("Delete", ["test/base:1", f"test/base@{BASE_DIGEST}"])
    assert removal(api, name="a" * 12)["Deleted"] == [BASE]
    assert removed_targets(api) == [(BASE, {"force": False, "noprune": False})]
    with pytest.raises(errors.NotFound):
        removal(api, name="aaaa")  # shorter than a listed id: a name only


def test_an_id_of_an_image_with_names_in_several_repositories_needs_force():
    api = EngineAPI()
    api.configs[OTHER]["RepoTags"] = ["other/thing:1", "more/thing:1"]
    with pytest.raises(errors.Conflict, match="several names.*other/thing:1, more/thing:1.*force"):
        removal(api, id=OTHER[7:19])
    api.removals[OTHER] = [{"Untagged": "other/thing:1"}, {"Untagged": "more/thing:1"}, {"Deleted": OTHER}]
    assert removal(api, id=OTHER[7:19], force=True)["Deleted"] == [OTHER]


@pytest.mark.parametrize("containers, named", [
    ([STOPPED_ON_CHILD], ["1" * 12 + " 'stopped-box' (exited, of the image test/child:1 built on it)"]),
    ([RUNNING_ON_BASE, STOPPED_ON_CHILD, CREATED_ON_GRAND],
     ["2" * 12 + " 'web' (running)", "1" * 12 + " 'stopped-box' (exited, of the image test/child:1 built on it)",
      "3" * 12 + " 'grand-box' (created, of the image test/grand:1 built on it)"]),
])
def test_an_image_containers_depend_on_is_refused_naming_every_container_and_the_image(containers, named):
    api = EngineAPI(containers)
    with pytest.raises(errors.Conflict) as caught:
        removal(api, name="test/base:1")
    message = caught.value.message
    assert message.startswith("The image 'test/base:1' (aaaaaaaaaaaa) cannot be removed")
    for text in named:
        assert text in message
    assert caught.value.target == "test/base:1"
    assert [c["Id"] for c in caught.value.data["containers"]] == [c["Id"][:12] for c in containers]
    assert caught.value.data["image"] == BASE
    assert api.calls_to("containers")[-1] == {"all": True, "trunc": False, "filters": {"ancestor": BASE}}
    assert removed_targets(api) == []


def test_a_dry_run_refuses_alike_and_removes_nothing():
    api = EngineAPI([STOPPED_ON_CHILD])
    with pytest.raises(errors.Conflict):
        removal(api, name="test/child:1", dry_run=True)
    plan = removal(api, name="test/grand:1", dry_run=True)
    assert (plan["Action"], plan["Untagged"], plan["Containers"]) == ("Delete", ["test/grand:1"], [])
    assert removed_targets(api) == []


def test_force_removes_anyway_and_the_dry_run_names_what_it_overrides():
    api = EngineAPI([STOPPED_ON_CHILD])
    plan = removal(api, name="test/child:1", force=True, dry_run=True)
    assert plan["Containers"] == [{"Id": "1" * 12, "Name": "stopped-box", "State": "exited",
                                   "Image": "test/child:1", "ImageId": CHILD}]
    api.removals["test/child:1"] = [{"Untagged": "test/child:1"}, {"Deleted": CHILD}]
    assert removal(api, name="test/child:1", force=True, no_prune=True)["Deleted"] == [CHILD]
    assert removed_targets(api) == [("test/child:1", {"force": True, "noprune": True})]


def test_one_tag_of_several_is_only_untagged_even_while_containers_use_the_image():
    api = EngineAPI([ON_APP])
    plan = removal(api, name="test/app:2", dry_run=True)
    assert (plan["Action"], plan["Untagged"], plan["Containers"]) == ("Untag", ["test/app:2"], [])
    assert api.calls_to("containers") == []  # no dependents to look for: the image stays
    api.removals["test/app:2"] = [{"Untagged": "test/app:2"}]
    assert removal(api, name="test/app:2") == {"Image": "test/app:2", "Id": "b" * 12, "FullId": APP,
                                               "Untagged": ["test/app:2"], "Deleted": [], "SpaceReclaimed": 0}


def test_the_last_tag_of_a_repository_takes_its_digests_and_another_repositorys_name_keeps_the_image():
    api = EngineAPI()
    plan = removal(api, name="test/base:1", dry_run=True)
    assert (plan["Action"], plan["Untagged"]) == ("Delete", ["test/base:1", f"test/base@{BASE_DIGEST}"])
    api.configs[BASE]["RepoDigests"].append(f"mirror/base@{BASE_DIGEST}")
    plan = removal(api, name="test/base:1", dry_run=True)
    assert (plan["Action"], plan["Untagged"]) == ("Untag", ["test/base:1", f"test/base@{BASE_DIGEST}"])


def test_a_conflict_the_engine_raises_is_framed_to_name_the_image():
    api = EngineAPI([RUNNING_ON_BASE])
    api.removals[BASE] = api_error(409, "conflict: unable to delete aaaaaaaaaaaa (cannot be forced) - image is "
                                        "being used by running container 222222222222")
    with pytest.raises(errors.Conflict) as caught:
        removal(api, id="aaaa", force=True)
    assert caught.value.message == ("The image 'aaaa' (aaaaaaaaaaaa) cannot be removed: image is being used by "
                                    "running container 222222222222.")
    assert caught.value.target == "aaaa"


# -------------------------------------------------------------------------------------------- prune

def prune(api, **params):
    return remove.prune_images(context(api), **params)


def planned(api, **params):
    return [(item["Image"], item["Reason"]) for item in prune(api, dry_run=True, **params)["images"]]


def test_the_dangling_plan_takes_untagged_heads_no_container_uses_and_the_parents_they_leave():
    api = EngineAPI([container("5", "busy", "exited", PINNED, "test/pinned")])
    items = prune(api, dry_run=True)["images"]
    assert {(i["FullId"], i["Image"], i["Reason"]) for i in items} == {
        (TOP, "<none>", "dangling"), (LOOSE, "<none>", "dangling"), (MIDDLE, "<none>", "parent")}
    ids = [item["FullId"] for item in items]
    assert ids.index(TOP) < ids.index(MIDDLE)  # children before their parents
    api.container_list = []
    assert {i["FullId"] for i in prune(api, dry_run=True)["images"]} == {TOP, PINNED, LOOSE, MIDDLE}
    assert removed_targets(api) == []


def test_the_unused_plan_keeps_every_image_a_container_depends_on_and_what_it_is_built_on():
    api = EngineAPI([CREATED_ON_GRAND, ON_APP])
    items = prune(api, unused=True, dry_run=True)["images"]
    assert {i["FullId"] for i in items} == {LOOSE, PINNED, OTHER, MIDDLE, TOP}
    ids = [i["FullId"] for i in items]
    assert ids.index(TOP) < ids.index(MIDDLE)
    other = next(i for i in items if i["FullId"] == OTHER)
    assert other == {"Image": "other/thing:1", "Id": "9" * 12, "FullId": OTHER, "Tags": ["other/thing:1"],
                     "Digests": [], "Size": 500, "Created": "2023-11-14T22:23:20Z", "Reason": "unused"}


def test_a_label_narrows_the_plan():
    api = EngineAPI()
    assert planned(api, unused=True, label=["stage=final"]) == [("other/thing:1", "unused")]
    assert planned(api, unused=True, label=["stage"]) == [("other/thing:1", "unused"), ("<none>", "unused")]
    assert planned(api, label=["stage=build"]) == [("<none>", "dangling")]
    assert planned(api, label=["nosuch"]) == []


def test_a_prune_removes_each_planned_image_by_its_names_children_first_and_sums_the_space():
    api = EngineAPI([CREATED_ON_GRAND, ON_APP])
    api.histories = {OTHER: [{"Size": 500}], TOP: [{"Size": 5}, {"Size": 30}], MIDDLE: [{"Size": 30}]}
    top_chain = remove.chain_ids(LAYERS[TOP])[1]
    api.removals = {"other/thing:1": [{"Untagged": "other/thing:1"}, {"Deleted": OTHER}, {"Deleted": L6}],
                    TOP: [{"Deleted": TOP}, {"Deleted": top_chain}], MIDDLE: [{"Deleted": MIDDLE}, {"Deleted": L7}],
                    "test/pinned@" + PINNED_DIGEST: [{"Untagged": "test/pinned@" + PINNED_DIGEST},
                                                     {"Deleted": PINNED}],
                    LOOSE: [{"Deleted": LOOSE}]}
    result = prune(api, unused=True)
    assert result["errors"] == []
    targets = [target for target, _ in removed_targets(api)]
    assert set(targets) == {"other/thing:1", TOP, MIDDLE, "test/pinned@" + PINNED_DIGEST, LOOSE}
    assert targets.index(TOP) < targets.index(MIDDLE)
    assert all(kwargs == {"noprune": True} for _, kwargs in removed_targets(api))
    by_image = {r["FullId"]: r for r in result["results"]}
    assert by_image[OTHER]["SpaceReclaimed"] == 500 and by_image[TOP]["SpaceReclaimed"] == 5
    assert by_image[MIDDLE]["SpaceReclaimed"] == 30
    assert result["SpaceReclaimed"] == 535


def test_a_prune_of_chosen_ids_removes_only_those_and_reports_one_no_longer_planned():
    api = EngineAPI()
    api.removals = {LOOSE: [{"Deleted": LOOSE}]}
    result = prune(api, ids=[LOOSE, OTHER])
    assert [target for target, _ in removed_targets(api)] == [LOOSE]
    assert [r["FullId"] for r in result["results"]] == [LOOSE]
    assert [(e["data"]["kind"], e["data"]["target"]) for e in result["errors"]] == [("Conflict", "9" * 12)]
    assert "no longer dangling" in result["errors"][0]["message"]


def test_one_image_that_fails_does_not_stop_the_prune():
    api = EngineAPI()
    api.removals = {TOP: api_error(409, "conflict: unable to delete 777777777777 (must be forced) - image is being "
                                        "used by stopped container 0123456789ab"),
                    MIDDLE: api_error(409, "conflict: unable to delete 888888888888 (cannot be forced) - image has "
                                           "dependent child images"),
                    LOOSE: [{"Deleted": LOOSE}],
                    "test/pinned@" + PINNED_DIGEST: [{"Untagged": "test/pinned@" + PINNED_DIGEST}, {"Deleted": PINNED}]}
    result = prune(api)
    assert {r["FullId"] for r in result["results"]} == {LOOSE, PINNED}
    assert [e["message"] for e in result["errors"]] == [
        "The image '<none>' (777777777777) cannot be removed: image is being used by stopped container 0123456789ab.",
        "The image '<none>' (888888888888) cannot be removed: image has dependent child images."]


def test_a_digest_already_gone_with_its_last_tag_is_no_error():
    api = EngineAPI()
    api.container_list = [c for c in [CREATED_ON_GRAND, ON_APP]]
    api.removals = {"test/base:1": [{"Untagged": "test/base:1"}, {"Untagged": f"test/base@{BASE_DIGEST}"}]}
    item = {"Image": "test/base:1", "FullId": BASE, "Tags": ["test/base:1"], "Digests": [f"test/base@{BASE_DIGEST}"]}
    result = remove._prune_one(api, item)  # the digest's own removal finds it gone (404)
    assert result["Untagged"] == ["test/base:1", f"test/base@{BASE_DIGEST}"]
    assert [target for target, _ in removed_targets(api)] == ["test/base:1", f"test/base@{BASE_DIGEST}"]


# ------------------------------------------------------------------------- list: UsedBy and ChildOf

def listing(api, **params):
    return images.list_images(context(api), **params)


def test_each_row_tells_the_containers_that_use_its_image():
    api = EngineAPI([STOPPED_ON_CHILD, RUNNING_ON_BASE, dict(RUNNING_ON_BASE, Id="6" * 64, Names=["/db"])])
    rows = {(r["Repository"], r["Tag"]): r for r in listing(api)["images"]}
    base = rows[("test/base", "1")]
    assert base["Containers"] == 2
    assert base["UsedBy"] == [{"Id": "2" * 12, "Name": "web", "State": "running"},
                              {"Id": "6" * 12, "Name": "db", "State": "running"}]
    assert rows[("test/child", "1")]["UsedBy"] == [{"Id": "1" * 12, "Name": "stopped-box", "State": "exited"}]
    assert rows[("test/app", "1")]["UsedBy"] == [] and rows[("test/app", "1")]["Containers"] == 0


def test_a_listing_without_child_of_inspects_nothing_but_platforms():
    api = EngineAPI()
    api.configs = {i: dict(c, Os="linux") for i, c in api.configs.items()}
    ctx = context(api)
    images.list_images(ctx)
    first = len(api.inspected)
    images.list_images(ctx, name=["test/*"], all=True)
    assert len(api.inspected) == first  # platforms are kept; no layer inspection at all


def test_child_of_lists_images_built_on_it_by_layers_or_by_parent_at_any_depth():
    images._LAYERS.clear()
    api = EngineAPI()
    result = listing(api, child_of="test/base:1")
    assert result["errors"] == []
    assert sorted((r["Repository"], r["Tag"]) for r in result["images"]) == [
        ("test/app", "1"), ("test/app", "2"), ("test/child", "1"), ("test/grand", "1")]
    # Child was committed without a change: app's layers extend its layers just as they extend base's.
    assert {r["FullId"] for r in listing(api, child_of="test/child:1")["images"]} == {GRAND, APP}
    assert listing(api, child_of="test/grand:1")["images"] == []
    assert {r["FullId"] for r in listing(api, child_of="test/app:2")["images"]} == set()
    assert {r["FullId"] for r in listing(api, child_of=MIDDLE[7:19])["images"]} == {TOP}


def test_child_of_inspects_only_images_as_large_and_each_only_once():
    images._LAYERS.clear()
    api = EngineAPI()
    api.configs = {i: dict(c, Os="linux") for i, c in api.configs.items()}
    ctx = context(api)
    images.list_images(ctx)  # platforms
    before = len(api.inspected)
    images.list_images(ctx, child_of="test/app:1")
    layer_inspects = api.inspected[before + 1:]  # after the one of app itself
    assert sorted(layer_inspects) == [OTHER]  # the only other image of 150 bytes or more
    before = len(api.inspected)
    images.list_images(ctx, child_of="test/app:1")
    assert api.inspected[before + 1:] == []


def test_child_of_an_image_that_does_not_exist_or_is_malformed_lists_nothing_and_says_why():
    api = EngineAPI()
    result = listing(api, child_of="test/nosuch")
    assert result["images"] == []
    assert [(e["data"]["kind"], e["data"]["target"]) for e in result["errors"]] == [("NotFound", "test/nosuch")]
    result = listing(api, child_of="Bad//x", name=["test/*"])
    assert result["images"] == []
    assert result["errors"][0]["data"]["kind"] == "InvalidReference"

"""image.remove_many: image.remove for many images at one engine call each, against the fake engine of
test_operations_remove (which answers names, ids and the ancestor filter as the engine does)."""

import threading

import pytest

from containerimage import errors
from containerimage.operations import remove
from containerimage.server import Context

from .fakes import FakeEngine, NoEngine
from .test_operations_remove import (APP, BASE, BASE_DIGEST, CHILD, CREATED_ON_GRAND, GRAND, OTHER, RUNNING_ON_BASE,
                                     STOPPED_ON_CHILD, EngineAPI, removed_targets)


@pytest.fixture(autouse=True)
def listed_batches(monkeypatch):
    """Most tests here are of the listing: every batch lists, however small (the default lists from 8)."""
    monkeypatch.setattr(remove, "LISTED_BATCH", 1)


def remove_many(api, items, **params):
    return remove.remove_images(Context(FakeEngine(api)), items=items, **params)["results"]


def engine_calls(api):
    return [name for name, _, _ in api.calls]


def test_each_image_costs_one_engine_call_after_one_listing_of_images_and_containers():
    api = EngineAPI()
    api.removals["test/app:1"] = [{"Untagged": "test/app:1"}]
    api.removals["test/app:2"] = [{"Untagged": "test/app:2"}, {"Deleted": APP}]
    api.removals["other/thing:1"] = [{"Untagged": "other/thing:1"}, {"Deleted": OTHER}]
    answers = remove_many(api, [{"name": "test/app:1"}, {"name": "test/app", "tag": "2"}, {"name": "Other/Thing:1"}],
                          sizes=False)
    assert [a["result"]["Image"] for a in answers] == ["test/app:1", "test/app:2", "Other/Thing:1"]
    assert [a["result"]["Deleted"] for a in answers] == [[], [APP], [OTHER]]
    assert engine_calls(api)[:2] == ["images", "containers"]
    assert engine_calls(api)[2:] == ["remove_image"] * 3
    targets = [target for target, _ in removed_targets(api)]
    assert sorted(targets) == ["other/thing:1", "test/app:1", "test/app:2"]
    assert targets.index("test/app:1") < targets.index("test/app:2")  # one image's names in the order given


def test_different_images_are_removed_at_the_same_time_and_one_images_names_in_order():
    api = EngineAPI()
    api.removals["test/app:1"] = [{"Untagged": "test/app:1"}]
    api.removals["test/app:2"] = [{"Untagged": "test/app:2"}, {"Deleted": APP}]
    api.removals["other/thing:1"] = [{"Untagged": "other/thing:1"}, {"Deleted": OTHER}]
    other_started = threading.Event()
    waited = []
    remove_image = api.remove_image

    def slow_for_app(target, **kwargs):
        if target == "other/thing:1":
            other_started.set()
        elif target == "test/app:1":
            waited.append(other_started.wait(5))  # one at a time, this would wait out the timeout: False
        return remove_image(target, **kwargs)

    api.remove_image = slow_for_app
    answers = remove_many(api, [{"name": "test/app:1"}, {"name": "test/app:2"}, {"name": "other/thing:1"}],
                          sizes=False)
    assert waited == [True]
    assert [a["result"]["Image"] for a in answers] == ["test/app:1", "test/app:2", "other/thing:1"]
    assert [a["result"]["Deleted"] for a in answers] == [[], [APP], [OTHER]]
    targets = [target for target, _ in removed_targets(api)]
    assert targets.index("test/app:1") < targets.index("test/app:2")


def test_with_sizes_the_freed_layers_are_weighed_as_image_remove_does():
    api = EngineAPI()
    api.configs[OTHER]["RepoTags"] = ["other/thing:1"]
    api.histories[OTHER] = [{"Size": 500}]
    api.removals["other/thing:1"] = [{"Untagged": "other/thing:1"}, {"Deleted": OTHER},
                                     {"Deleted": api.configs[OTHER]["RootFS"]["Layers"][0]}]
    [answer] = remove_many(api, [{"name": "other/thing:1"}])
    assert answer["result"]["SpaceReclaimed"] == 500
    assert answer["result"]["Deleted"] == [OTHER]


def test_a_dry_run_plans_each_item_as_though_the_ones_before_it_were_removed():
    api = EngineAPI(containers=[])
    answers = remove_many(api, [{"name": "test/app:1"}, {"name": "test/app:2"}, {"name": "test/app:1"}], dry_run=True)
    assert answers[0]["result"]["Action"] == "Untag"
    assert answers[1]["result"]["Action"] == "Delete"
    assert answers[2]["error"]["data"]["kind"] == "NotFound"
    assert "No image 'test/app:1'" in answers[2]["error"]["message"]
    assert "remove_image" not in engine_calls(api)


def test_a_refusal_names_every_dependent_found_through_parents_and_the_next_items_go_on():
    api = EngineAPI(containers=[STOPPED_ON_CHILD, RUNNING_ON_BASE, CREATED_ON_GRAND])
    api.removals["other/thing:1"] = [{"Untagged": "other/thing:1"}, {"Deleted": OTHER}]
    answers = remove_many(api, [{"name": "test/base:1"}, {"name": "other/thing:1"}], sizes=False)
    refusal = answers[0]["error"]
    assert refusal["data"]["kind"] == "Conflict"
    assert refusal["data"]["target"] == "test/base:1"
    assert "3 containers depend on it" in refusal["message"]
    for box in ("stopped-box", "web", "grand-box"):
        assert box in refusal["message"]
    assert [c["Name"] for c in refusal["data"]["containers"]] == ["stopped-box", "web", "grand-box"]
    assert answers[1]["result"]["Deleted"] == [OTHER]
    assert [target for target, _ in removed_targets(api)] == ["other/thing:1"]


def test_the_same_refusal_as_image_remove_gives():
    containers = [STOPPED_ON_CHILD, RUNNING_ON_BASE, CREATED_ON_GRAND]
    single = EngineAPI(containers=containers)
    with pytest.raises(errors.Conflict) as caught:
        remove.remove_image(Context(FakeEngine(single)), name="test/base:1")
    expected = caught.value.to_dict()
    [answer] = remove_many(EngineAPI(containers=containers), [{"name": "test/base:1"}])
    assert answer["error"] == expected


def test_names_the_listing_lacks_ids_and_digests_go_through_the_engine_lookups():
    api = EngineAPI()
    api.summaries = [s for s in api.summaries if s["Id"] not in (CHILD, GRAND)]  # nothing built on base
    api.removals[BASE] = [{"Untagged": "test/base:1"}, {"Untagged": f"test/base@{BASE_DIGEST}"}, {"Deleted": BASE}]
    answers = remove_many(api, [{"id": "aaaa"}, {"name": "test/nosuch"}, {"name": "test/base:1"}], sizes=False)
    assert answers[0]["result"]["Deleted"] == [BASE]
    assert "No image 'test/nosuch'" in answers[1]["error"]["message"]
    assert "No image 'test/base:1'" in answers[2]["error"]["message"]  # removed with its id just before
    assert answers[1]["error"]["data"] == {"kind": "NotFound", "target": "test/nosuch"}


def test_bad_items_are_errors_of_their_own_and_nothing_is_asked_for_them():
    answers = remove.remove_images(Context(NoEngine()), items=[
        {"name": "Bad//name"}, {"id": "xyz"}, {}, {"name": "a", "colour": "red"}, {"name": 5}, "test/app:1"])["results"]
    messages = [a["error"]["message"] for a in answers]
    assert [a["error"]["data"]["kind"] for a in answers] == ["InvalidReference"] + ["InvalidParams"] * 5
    assert "Bad//name" in messages[0]
    assert "'xyz' is not an image id" in messages[1]
    assert "one of them" in messages[2]
    assert "Unknown item param 'colour'" in messages[3]
    assert "'name' must be a string" in messages[4]
    assert "Each item must be an object" in messages[5]


def test_cancel_stops_before_the_next_item():
    api = EngineAPI()
    ctx = Context(FakeEngine(api))
    ctx.cancel()
    with pytest.raises(errors.Cancelled):
        remove.remove_images(ctx, items=[{"name": "test/app:1"}])
    assert "remove_image" not in engine_calls(api)


def test_a_parent_and_its_child_are_removed_one_at_a_time_in_the_order_given():
    # The engine refuses a parent given by id while its child exists: the order must be the user's.
    api = EngineAPI(containers=[])
    api.removals["test/grand:1"] = [{"Untagged": "test/grand:1"}, {"Deleted": GRAND}]
    api.removals["other/thing:1"] = [{"Untagged": "other/thing:1"}, {"Deleted": OTHER}]
    api.removals["test/child:1"] = [{"Untagged": "test/child:1"}, {"Deleted": CHILD}]
    in_flight, most = [0], [0]
    remove_image = api.remove_image

    def counted(target, **kwargs):
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        threading.Event().wait(0.05)  # long enough for a second thread to come in, if there were one
        try:
            return remove_image(target, **kwargs)
        finally:
            in_flight[0] -= 1

    api.remove_image = counted
    answers = remove_many(api, [{"name": "test/grand:1"}, {"name": "other/thing:1"}, {"name": "test/child:1"}],
                          sizes=False)
    assert [a["result"]["Deleted"] for a in answers] == [[GRAND], [OTHER], [CHILD]]
    assert [target for target, _ in removed_targets(api)] == ["test/grand:1", "other/thing:1", "test/child:1"]
    assert most[0] == 1


def test_a_small_batch_asks_the_engine_about_each_item_instead_of_listing_everything(monkeypatch):
    monkeypatch.setattr(remove, "LISTED_BATCH", 8)
    api = EngineAPI(containers=[STOPPED_ON_CHILD])
    api.removals["other/thing:1"] = [{"Untagged": "other/thing:1"}, {"Deleted": OTHER}]
    answers = remove_many(api, [{"name": "test/child:1"}, {"name": "other/thing:1"}], sizes=False)
    assert answers[0]["error"]["data"]["kind"] == "Conflict"  # the engine's ancestor filter found the container
    assert answers[1]["result"]["Deleted"] == [OTHER]
    assert "images" not in engine_calls(api)  # no listing of every image
    assert [target for target, _ in removed_targets(api)] == ["other/thing:1"]


def test_stop_on_error_goes_in_order_and_tries_nothing_after_the_first_failure():
    api = EngineAPI(containers=[STOPPED_ON_CHILD])
    api.removals["other/thing:1"] = [{"Untagged": "other/thing:1"}, {"Deleted": OTHER}]
    api.removals["test/app:1"] = [{"Untagged": "test/app:1"}]
    answers = remove_many(api, [{"name": "test/app:1"}, {"name": "test/child:1"}, {"name": "other/thing:1"}],
                          sizes=False, stop_on_error=True)
    assert answers[0]["result"]["Untagged"] == ["test/app:1"]
    assert answers[1]["error"]["data"]["kind"] == "Conflict"
    assert answers[2] is None
    assert [target for target, _ in removed_targets(api)] == ["test/app:1"]

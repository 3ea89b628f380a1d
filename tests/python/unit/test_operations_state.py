"""state.get/test/set (the desired state of one image) against a fake engine that keeps names as the engine
does: repo:tag and repo@digest references onto image ids, moved by pulls, tags and removals."""

import copy

import docker.errors
import pytest

from containerimage import errors
from containerimage.operations import state
from containerimage.server import Context

from .fakes import FakeDockerAPI, FakeEngine, api_error

OLD, NEW, OTHER = ("sha256:" + c * 64 for c in "abc")
OLD_DIGEST, NEW_DIGEST = ("sha256:" + c * 64 for c in "12")


class NamingAPI(FakeDockerAPI):
    """An engine with names: `refs` maps 'repo:tag' and 'repo@digest' to image ids; `remote` is what the
    registry serves ('repo:tag' or 'repo@digest' -> (image id, digest)). Pulls, tags and removals move names."""

    def __init__(self, refs=None, remote=None, containers=()):
        super().__init__(containers=containers)
        self.refs = dict(refs or {})
        self.remote = dict(remote or {})
        self.removals = {}

    def _config(self, image_id):
        names = [r for r, i in self.refs.items() if i == image_id]
        return {"Id": image_id, "RepoTags": [n for n in names if "@" not in n],
                "RepoDigests": [n for n in names if "@" in n], "Created": "2026-01-01T00:00:00Z",
                "Size": 10, "RootFS": {"Layers": []}}

    def _ids(self):
        return sorted(set(self.refs.values()))

    def inspect_image(self, *args, **kwargs):
        self._record("inspect_image", *args, **kwargs)
        name = args[0] if args else kwargs["image"]
        image_id = self.refs.get(name) or (name if name in self._ids() else None)
        if image_id is None:
            raise api_error(404, f"No such image: {name}", docker.errors.ImageNotFound)
        return self._config(image_id)

    def images(self, *args, **kwargs):
        self._record("images", *args, **kwargs)
        return [{"Id": i, "RepoTags": self._config(i)["RepoTags"] or ["<none>:<none>"],
                 "RepoDigests": self._config(i)["RepoDigests"], "Created": 1, "Size": 10} for i in self._ids()]

    def containers(self, *args, **kwargs):
        self._record("containers", *args, **kwargs)
        ancestor = (kwargs.get("filters") or {}).get("ancestor")
        return [copy.deepcopy(c) for c in self.container_list if ancestor in (None, c["ImageID"])]

    def _post(self, url, **kwargs):
        response = super()._post(url, **kwargs)
        params = kwargs["params"]
        repository, tag = params["fromImage"], params["tag"]
        wanted = f"{repository}@{tag}" if tag.startswith("sha256:") else f"{repository}:{tag}"
        if wanted not in self.remote:
            response.events = [{"error": f"manifest for {wanted} not found: manifest unknown"}]
            return response
        image_id, digest = self.remote[wanted]
        self.refs[f"{repository}@{digest}"] = image_id
        if "@" not in wanted:
            self.refs[wanted] = image_id
        response.events = [{"status": f"Digest: {digest}"}, {"status": "Status: Downloaded newer image"}]
        return response

    def tag(self, *args, **kwargs):
        super().tag(*args, **kwargs)
        image, repository, tag = args[0], args[1], args[2]
        self.refs[f"{repository}:{tag}"] = self.refs.get(image, image)

    def remove_image(self, *args, **kwargs):
        self._record("remove_image", *args, **kwargs)
        name = args[0]
        image_id = self.refs.pop(name)
        return [{"Untagged": name}] + ([] if image_id in self.refs.values() else [{"Deleted": image_id}])


def context(api):
    return Context(FakeEngine(api))


def writes(api):
    return [name for name, _, _ in api.calls if name in ("_post", "tag", "remove_image")]


# ------------------------------------------------------------------------------------ desired state

def test_desired_defaults_to_latest_present_and_normalizes_the_name():
    want = state.desired("Microsoft/NanoServer")
    assert (want.repository, want.tag, want.ensure, want.digest) == ("microsoft/nanoserver", "latest", "Present", None)
    assert state.desired("x", ensure="absent").ensure == "Absent"


def test_desired_takes_the_tag_and_digest_from_the_name():
    want = state.desired(f"registry.example.com:5000/team/app:1.2@{NEW_DIGEST}")
    assert (want.repository, want.tag, want.digest) == ("registry.example.com:5000/team/app", "1.2", NEW_DIGEST)


@pytest.mark.parametrize("name, tag, ensure, digest, kind, names", [
    ("Bad Name", None, "Present", None, "InvalidReference", "Bad Name"),
    ("", None, "Present", None, "InvalidReference", "empty"),
    ("x", "bad tag", "Present", None, "InvalidReference", "bad tag"),
    ("x:1", "2", "Present", None, "InvalidParams", "tag '1'"),
    ("x", None, "Maybe", None, "InvalidParams", "'Maybe'"),
    ("x", None, "Present", "sha256:12", "InvalidParams", "'sha256:12'"),
    ("x", None, "Present", "md5:" + "0" * 32, "InvalidParams", "md5:"),
    (f"x@{OLD_DIGEST}", None, "Present", NEW_DIGEST, "InvalidParams", OLD_DIGEST),
])
def test_desired_refuses_bad_input_naming_it(name, tag, ensure, digest, kind, names):
    with pytest.raises(errors.BackendError) as caught:
        state.desired(name, tag, ensure, digest)
    assert caught.value.kind == kind
    assert names in caught.value.message


# ---------------------------------------------------------------------------------------- get, test

def test_get_of_a_missing_image_says_why_it_is_not_in_the_desired_state():
    found = state.get_state(context(NamingAPI()), name="test/app", tag="1")
    assert found["Ensure"] == "Absent" and found["Id"] is None
    assert found["Differing"] == ["Ensure"] and not found["InDesiredState"]
    assert found["Reasons"] == [{"Code": "ContainerImage:ContainerImage:Ensure",
                                 "Phrase": "The image test/app:1 is not on this engine, and it should be present."}]


def test_get_reports_the_digest_of_that_repository_and_the_pin_among_several():
    api = NamingAPI({"test/app:1": OLD, f"test/app@{OLD_DIGEST}": OLD, f"test/app@{NEW_DIGEST}": OLD,
                     f"other/app@{'sha256:' + '9' * 64}": OLD})
    assert state.get_state(context(api), name="test/app:1", digest=NEW_DIGEST)["Digest"] == NEW_DIGEST
    unpinned = state.get_state(context(api), name="test/app:1")
    assert unpinned["Digest"] == OLD_DIGEST and unpinned["InDesiredState"] and unpinned["Reasons"] == []


def test_test_with_another_digest_names_both():
    api = NamingAPI({"test/app:1": OLD, f"test/app@{OLD_DIGEST}": OLD})
    result = state.test_state(context(api), name="test/app", tag="1", digest=NEW_DIGEST)
    assert result["InDesiredState"] is False and result["Differing"] == ["Digest"]
    phrase = result["State"]["Reasons"][0]["Phrase"]
    assert OLD_DIGEST in phrase and NEW_DIGEST in phrase and "test/app:1" in phrase


def test_test_of_a_local_image_without_digest_and_a_pin():
    api = NamingAPI({"test/app:1": OLD})
    result = state.test_state(context(api), name="test/app:1", digest=NEW_DIGEST)
    assert result["Differing"] == ["Digest"]
    assert "no digest of that repository" in result["State"]["Reasons"][0]["Phrase"]


def test_absent_is_in_the_desired_state_when_missing_and_not_when_there():
    assert state.test_state(context(NamingAPI()), name="test/app", ensure="Absent")["InDesiredState"]
    found = state.test_state(context(NamingAPI({"test/app:latest": OLD})), name="test/app", ensure="Absent")
    assert found["Differing"] == ["Ensure"] and "should be absent" in found["State"]["Reasons"][0]["Phrase"]


# ------------------------------------------------------------------------------------------------ set

def test_set_in_the_desired_state_writes_nothing():
    api = NamingAPI({"test/app:1": OLD, f"test/app@{OLD_DIGEST}": OLD})
    outcome = state.set_state(context(api), name="test/app:1", digest=OLD_DIGEST)
    assert outcome["Action"] == "None" and outcome["Changed"] == [] and outcome["NewId"] == OLD
    assert writes(api) == []


def test_set_present_pulls_the_tag():
    api = NamingAPI(remote={"test/app:1": (NEW, NEW_DIGEST)})
    outcome = state.set_state(context(api), name="test/app", tag="1")
    assert outcome["Action"] == "Install" and outcome["Changed"] == ["Ensure"]
    assert outcome["State"]["Id"] == NEW and outcome["State"]["InDesiredState"]
    assert api.posts[0]["params"]["tag"] == "1"


def test_set_with_a_pin_pulls_by_digest_and_moves_the_tag():
    api = NamingAPI({"test/app:1": OLD, f"test/app@{OLD_DIGEST}": OLD},
                    remote={f"test/app@{NEW_DIGEST}": (NEW, NEW_DIGEST), "test/app:1": (OTHER, OLD_DIGEST)})
    outcome = state.set_state(context(api), name="test/app:1", digest=NEW_DIGEST)
    assert outcome["Action"] == "Update" and outcome["Changed"] == ["Digest"]
    assert (outcome["OldId"], outcome["NewId"]) == (OLD, NEW)
    assert api.posts[0]["params"] == {"fromImage": "test/app", "tag": NEW_DIGEST}
    assert api.calls_to("tag") == [{"force": True}]
    assert api.refs["test/app:1"] == NEW


def test_set_with_a_pin_the_registry_lacks_is_not_found_and_changes_nothing():
    api = NamingAPI({"test/app:1": OLD})
    with pytest.raises(errors.NotFound) as caught:
        state.set_state(context(api), name="test/app:1", digest=NEW_DIGEST)
    assert NEW_DIGEST in caught.value.message
    assert api.refs == {"test/app:1": OLD} and "tag" not in writes(api)


def test_set_absent_removes_the_name():
    api = NamingAPI({"test/app:1": OLD})
    outcome = state.set_state(context(api), name="test/app:1", ensure="Absent")
    assert outcome["Action"] == "Remove" and outcome["State"]["Ensure"] == "Absent"
    assert api.refs == {}


def test_set_absent_with_a_dependent_container_is_the_dependency_conflict_and_removes_nothing():
    box = {"Id": "f" * 64, "Names": ["/web"], "State": "exited", "ImageID": OLD, "Image": "test/app:1"}
    api = NamingAPI({"test/app:1": OLD}, containers=[box])
    with pytest.raises(errors.Conflict) as caught:
        state.set_state(context(api), name="test/app:1", ensure="Absent")
    assert "'web'" in caught.value.message and "test/app:1" in caught.value.message
    assert caught.value.data["containers"][0]["Name"] == "web"
    assert "remove_image" not in writes(api)


def test_methods_are_registered():
    assert {"state.get", "state.test", "state.set"} <= state.METHODS.keys()

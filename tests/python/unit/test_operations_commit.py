"""image.commit and image.tag against a fake docker APIClient that keeps images and containers as the engine does."""

import copy
import itertools

import docker.errors
import pytest

from containerimage import errors, reference
from containerimage.operations import METHODS, commit, images
from containerimage.server import Context, _bind

from .fakes import FakeDockerAPI, FakeEngine, FakeResponse, NoEngine, api_error

CREATED = 1_800_000_000
BASE = "sha256:" + "b" * 64
OTHER = "sha256:" + "c" * 64
SUMMARIES = [
    {"Id": BASE, "RepoTags": ["microsoft/aspnet:latest", "microsoft/aspnet:nanoserver"], "RepoDigests": [],
     "Created": CREATED - 100, "Size": 1_984_231, "Labels": None, "ParentId": ""},
    {"Id": OTHER, "RepoTags": ["test/app:v1"], "RepoDigests": [], "Created": CREATED - 50, "Size": 10,
     "Labels": None, "ParentId": ""},
]
CONTAINERS = [{"Id": "f" * 64, "Names": ["/web"], "ImageID": BASE}]


class ImageStoreAPI(FakeDockerAPI):
    """A FakeDockerAPI that commits containers into new images and moves tags, as the engine does, and
    answers history from `histories`. Calls are checked against the real APIClient signatures (_record)."""

    def __init__(self, summaries=SUMMARIES, containers=CONTAINERS, histories=None, commit_error=None):
        super().__init__(copy.deepcopy(summaries), copy.deepcopy(containers),
                         {s["Id"]: {"Os": "linux", "Architecture": "amd64"} for s in summaries})
        self.histories = dict(histories or {})
        self.commit_error = commit_error
        self._ids = (f"sha256:{n:064x}" for n in itertools.count(1))

    def find(self, name):
        """The summary an image name or id prefix names, as the engine resolves it (tag latest when none)."""
        wanted = name if reference.split_pattern(name)[1] or "@" in name else f"{name}:latest"
        for summary in self.summaries:
            if wanted in (summary["RepoTags"] or []):
                return summary
        prefix = name if name.startswith("sha256:") else f"sha256:{name}"
        matches = [s for s in self.summaries if s["Id"].startswith(prefix)]
        return matches[0] if len(matches) == 1 else None

    def _name(self, image_id, repository, tag):
        for summary in self.summaries:  # a name belongs to one image: it moves
            summary["RepoTags"] = [t for t in summary["RepoTags"] or [] if t != f"{repository}:{tag}"]
        self.find(image_id)["RepoTags"].append(f"{repository}:{tag}")

    # -- commit: the Engine API's POST /commit, as commit_container sends it
    def _post_json(self, url, data, **kwargs):
        self._record("_post_json", url, data, **kwargs)
        self.posts.append(dict(kwargs, url=url, data=data))
        assert url.endswith("/commit"), url
        params = kwargs["params"]
        container = next((c for c in self.container_list
                          if c["Id"].startswith(params["container"]) or f"/{params['container']}" in c["Names"]),
                         None)
        if container is None:
            raise api_error(404, f"No such container: {params['container']}", docker.errors.NotFound)
        if self.commit_error is not None:
            raise self.commit_error
        image_id = next(self._ids)
        self.summaries.append({"Id": image_id, "RepoTags": [], "RepoDigests": [], "Created": CREATED, "Size": 5,
                               "Labels": None, "ParentId": container["ImageID"]})
        self.configs[image_id] = {"Os": "linux", "Architecture": "amd64"}
        if params["repo"]:
            self._name(image_id, params["repo"], params["tag"] or "latest")
        response = FakeResponse()
        response.body = {"Id": image_id}
        return response

    def _result(self, response, json=False, binary=False):
        self._record("_result", response, json=json, binary=binary)
        assert json
        return copy.deepcopy(response.body)

    def tag(self, *args, **kwargs):
        self._record("tag", *args, **kwargs)
        image, repository, tag = (list(args) + [None, None, None])[:3]
        image, repository, tag = kwargs.get("image", image), kwargs.get("repository", repository), kwargs.get("tag", tag)
        summary = self.find(image)
        if summary is None:
            raise api_error(404, f"No such image: {image}", docker.errors.ImageNotFound)
        self._name(summary["Id"], repository, tag or "latest")
        return True

    def history(self, *args, **kwargs):
        self._record("history", *args, **kwargs)
        image = args[0] if args else kwargs["image"]
        summary = self.find(image)
        if summary is None:
            raise api_error(404, f"No such image: {image}", docker.errors.ImageNotFound)
        return copy.deepcopy(self.histories[summary["Id"]])


@pytest.fixture
def api():
    return ImageStoreAPI()


def context(api):
    return Context(FakeEngine(api))


def commit_params(api):
    return api.posts[-1]["params"]


def same_as_listed(api, rows):
    """The rows as image.list gives them now: the operations must answer with identical rows."""
    listed = images.list_images(context(api), id=[rows[0]["FullId"]])["images"]
    return [r for r in listed if (r["Repository"], r["Tag"]) in {(x["Repository"], x["Tag"]) for x in rows}]


# -------------------------------------------------------------------------------------------- commit

def test_commit_names_the_new_image_and_answers_its_listed_row(api):
    result = commit.commit_container(context(api), "web", "test/web", tag="v1")
    assert [(r["Repository"], r["Tag"]) for r in result["images"]] == [("test/web", "v1")]
    assert result["images"][0]["FullId"] == result["id"] != BASE
    assert result["images"][0]["ParentId"] == BASE
    assert result["images"] == same_as_listed(api, result["images"])


def test_commit_sends_every_option_and_pauses_by_default(api):
    commit.commit_container(context(api), "web", "Test/Web:v2", message="IIS configured", author="Jane <j@x>",
                            changes=["CMD [\"/bin/sh\"]", "LABEL a=b"])
    assert commit_params(api) == {"container": "web", "repo": "test/web", "tag": "v2", "comment": "IIS configured",
                                  "author": "Jane <j@x>", "changes": ["CMD [\"/bin/sh\"]", "LABEL a=b"],
                                  "pause": "1"}
    assert api.posts[-1]["url"].endswith("/commit")


def test_commit_without_pause_tells_the_engine_so(api):
    commit.commit_container(context(api), "web", "test/web", pause=False)
    assert commit_params(api)["pause"] == "0"


@pytest.mark.parametrize("name, tag, repo, expected_tag", [
    ("test/web", None, "test/web", "latest"),
    ("test/web:v3", None, "test/web", "v3"),
    ("test/web", "v3", "test/web", "v3"),
    ("test/web:v3", "v3", "test/web", "v3"),
    ("docker.io/library/web", None, "web", "latest"),
    ("127.0.0.1:5000/Team/App", "1.0", "127.0.0.1:5000/team/app", "1.0"),
])
def test_commit_names_are_normalised_before_the_engine_sees_them(api, name, tag, repo, expected_tag):
    result = commit.commit_container(context(api), "web", name, tag=tag)
    assert (commit_params(api)["repo"], commit_params(api)["tag"]) == (repo, expected_tag)
    assert [(r["Repository"], r["Tag"]) for r in result["images"]] == [(repo, expected_tag)]


def test_commit_without_a_name_makes_an_untagged_image(api):
    result = commit.commit_container(context(api), "f" * 12)
    assert (commit_params(api)["repo"], commit_params(api)["tag"]) == (None, None)
    assert [(r["Repository"], r["Tag"], r["FullId"]) for r in result["images"]] == [(None, None, result["id"])]


def test_commit_moves_a_name_the_engine_already_has(api):
    result = commit.commit_container(context(api), "web", "test/app:v1")
    listed = images.list_images(context(api), name=["test/app:v1"])["images"]
    assert [r["FullId"] for r in listed] == [result["id"]] != [OTHER]


@pytest.mark.parametrize("name, tag, kind, mentioned", [
    ("Bad Name", None, "InvalidReference", "Bad Name"),
    ("repo:bad tag", None, "InvalidReference", "bad tag"),
    ("test/web", "bad tag", "InvalidReference", "bad tag"),
    ("test//web", None, "InvalidReference", "test//web"),
    ("test/web@sha256:" + "1" * 64, None, "InvalidReference", "digest"),
    ("test/web:v1", "v2", "InvalidParams", "v2"),
    (None, "v2", "InvalidParams", "v2"),
])
def test_commit_refuses_a_malformed_name_without_asking_the_engine(name, tag, kind, mentioned):
    with pytest.raises(errors.BackendError) as caught:
        commit.commit_container(Context(NoEngine()), "web", name, tag=tag)
    assert caught.value.kind == kind
    assert mentioned in caught.value.message


def test_commit_refuses_an_empty_container_without_asking_the_engine():
    with pytest.raises(errors.InvalidParams, match="container"):
        commit.commit_container(Context(NoEngine()), "  ", "test/web")


def test_commit_of_a_missing_container_is_not_found_naming_it(api):
    with pytest.raises(errors.NotFound) as caught:
        commit.commit_container(context(api), "nosuch", "test/web")
    assert caught.value.message == "No container 'nosuch' on this engine."
    assert caught.value.target == "nosuch"
    assert images.list_images(context(api), name=["test/web"])["errors"]  # nothing was created


def test_a_refused_change_is_invalid_params_naming_the_instruction_and_what_a_commit_takes():
    api = ImageStoreAPI(commit_error=api_error(400, "foo is not a valid change command"))
    with pytest.raises(errors.InvalidParams) as caught:
        commit.commit_container(context(api), "web", "test/web", changes=["LABEL a=b", "FOO bar"])
    message = caught.value.message
    assert "'LABEL a=b; FOO bar'" in message and "foo is not a valid change command" in message
    assert all(instruction in message for instruction in commit.COMMIT_INSTRUCTIONS)
    assert caught.value.target == "LABEL a=b; FOO bar"


def test_a_refused_change_argument_keeps_the_engines_reason_without_the_list():
    api = ImageStoreAPI(commit_error=api_error(400, "ENV requires at least one argument"))
    with pytest.raises(errors.InvalidParams) as caught:
        commit.commit_container(context(api), "web", "test/web", changes=["ENV"])
    assert caught.value.message == "The engine refused the change instructions 'ENV': ENV requires at least one argument."


@pytest.mark.parametrize("status, text, kind", [
    (409, "You cannot commit container web which is being removed", "Conflict"),
    (500, "something broke", "Internal"),
    (400, "a bad request without changes", "InvalidParams"),
])
def test_other_engine_errors_keep_their_kind_and_name_the_container(status, text, kind):
    api = ImageStoreAPI(commit_error=api_error(status, text))
    with pytest.raises(errors.BackendError) as caught:
        commit.commit_container(context(api), "web", "test/web")
    assert (caught.value.kind, caught.value.message, caught.value.target) == (kind, text, "web")


def test_commit_params_are_type_checked_by_the_server():
    with pytest.raises(errors.InvalidParams, match="changes"):
        _bind(commit.commit_container, Context(NoEngine()), {"container": "web", "changes": "CMD x"})
    with pytest.raises(errors.InvalidParams, match="pause"):
        _bind(commit.commit_container, Context(NoEngine()), {"container": "web", "pause": "no"})


def test_the_methods_are_in_the_dispatch_table():
    assert METHODS["image.commit"] is commit.commit_container
    assert METHODS["image.tag"] is commit.tag_image


# ----------------------------------------------------------------------------------------------- tag

def test_tag_names_the_source_image_and_answers_the_targets_listed_row(api):
    result = commit.tag_image(context(api), "microsoft/aspnet:nanoserver", "test/aspnet:stable")
    assert [c[1] for c in api.calls if c[0] == "tag"] == [("microsoft/aspnet:nanoserver", "test/aspnet", "stable")]
    assert [(r["Repository"], r["Tag"], r["FullId"]) for r in result["images"]] == [("test/aspnet", "stable", BASE)]
    assert result["images"] == same_as_listed(api, result["images"])


@pytest.mark.parametrize("source, sent", [
    ("microsoft/aspnet", "microsoft/aspnet"),
    ("Microsoft/ASPNet:nanoserver", "microsoft/aspnet:nanoserver"),
    ("docker.io/microsoft/aspnet", "microsoft/aspnet"),
    ("bbbbbbbbbbbb", "bbbbbbbbbbbb"),
    (BASE, BASE),
])
def test_tag_sources_are_names_or_ids(api, source, sent):
    result = commit.tag_image(context(api), source, "test/copy")
    assert [c[1][0] for c in api.calls if c[0] == "tag"] == [sent]
    assert [(r["Repository"], r["Tag"], r["FullId"]) for r in result["images"]] == [("test/copy", "latest", BASE)]


@pytest.mark.parametrize("target, repository, tag", [
    ("test/copy", "test/copy", "latest"),
    ("Test/Copy:V1", "test/copy", "V1"),
    ("127.0.0.1:5000/team/app", "127.0.0.1:5000/team/app", "latest"),
    ("localhost:5000/app:1.0", "localhost:5000/app", "1.0"),
])
def test_tag_targets_default_to_latest(api, target, repository, tag):
    result = commit.tag_image(context(api), "test/app:v1", target)
    assert [c[1][1:] for c in api.calls if c[0] == "tag"] == [(repository, tag)]
    assert [(r["Repository"], r["Tag"], r["FullId"]) for r in result["images"]] == [(repository, tag, OTHER)]


def test_tag_moves_a_name_another_image_had(api):
    result = commit.tag_image(context(api), "microsoft/aspnet", "test/app:v1")
    assert [r["FullId"] for r in result["images"]] == [BASE]
    assert [r["FullId"] for r in images.list_images(context(api), name=["test/app"])["images"]] == [BASE]


def test_tag_of_a_missing_source_is_not_found_naming_it(api):
    with pytest.raises(errors.NotFound) as caught:
        commit.tag_image(context(api), "no/such:thing", "test/copy")
    assert (caught.value.message, caught.value.target) == ("No image 'no/such:thing' on this engine.", "no/such:thing")


@pytest.mark.parametrize("source, target, mentioned", [
    ("microsoft/aspnet", "Bad Name", "Bad Name"),
    ("microsoft/aspnet", "repo:bad tag", "bad tag"),
    ("microsoft/aspnet", "repo@sha256:" + "1" * 64, "digest"),
    ("microsoft/aspnet", "", "empty"),
    ("Bad Name", "test/copy", "Bad Name"),
    ("repo:bad tag", "test/copy", "bad tag"),
    ("", "test/copy", "empty"),
])
def test_tag_refuses_malformed_names_without_asking_the_engine(source, target, mentioned):
    with pytest.raises(errors.InvalidReference) as caught:
        commit.tag_image(Context(NoEngine()), source, target)
    assert mentioned in caught.value.message


def test_tag_other_engine_errors_name_the_source():
    api = ImageStoreAPI()

    def failing_tag(*args, **kwargs):
        raise api_error(500, "disk full")
    api.tag = failing_tag
    with pytest.raises(errors.Internal) as caught:
        commit.tag_image(context(api), "microsoft/aspnet", "test/copy")
    assert (caught.value.message, caught.value.target) == ("disk full", "microsoft/aspnet")

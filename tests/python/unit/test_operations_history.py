"""image.history against a fake docker APIClient."""

import pytest

from containerimage import errors
from containerimage.operations import METHODS, history
from containerimage.server import Context

from .fakes import NoEngine, api_error
from .test_operations_commit import BASE, OTHER, ImageStoreAPI, context

# The engine's answer for an image pulled with two layers: the top one is an image on this engine, the
# layer below it is not ("<missing>").
ASPNET_HISTORY = [
    {"Comment": "", "Created": 1_795_756_733, "CreatedBy": "/bin/sh -c #(nop)  CMD [\"/bin/sh\"]", "Id": BASE,
     "Size": 24, "Tags": ["microsoft/aspnet:latest", "microsoft/aspnet:nanoserver"]},
    {"Comment": "Imported from -", "Created": 1_795_756_700, "CreatedBy": "", "Id": "<missing>",
     "Size": 1_984_207, "Tags": None},
]
COMMITTED_HISTORY = [
    {"Comment": "IIS configured", "Created": 1_800_000_000, "CreatedBy": "/bin/sh\t-c echo", "Id": OTHER,
     "Size": 0, "Tags": ["test/app:v1"]},
    *ASPNET_HISTORY,
]


@pytest.fixture
def api():
    return ImageStoreAPI(histories={BASE: ASPNET_HISTORY, OTHER: COMMITTED_HISTORY})


def test_one_row_per_layer_newest_first_with_typed_fields(api):
    rows = history.image_history(context(api), "microsoft/aspnet")["history"]
    assert rows == [
        {"Id": "b" * 12, "FullId": BASE, "Created": "2026-11-27T05:18:53Z",
         "CreatedBy": "/bin/sh -c #(nop)  CMD [\"/bin/sh\"]", "Size": 24, "Comment": "",
         "Tags": ["microsoft/aspnet:latest", "microsoft/aspnet:nanoserver"]},
        {"Id": None, "FullId": None, "Created": "2026-11-27T05:18:20Z", "CreatedBy": "", "Size": 1_984_207,
         "Comment": "Imported from -", "Tags": []},
    ]


def test_a_committed_image_lists_its_own_layer_over_its_base(api):
    rows = history.image_history(context(api), "test/app:v1")["history"]
    assert [r["Id"] for r in rows] == ["c" * 12, "b" * 12, None]
    assert rows[0]["Comment"] == "IIS configured"
    assert rows[0]["CreatedBy"] == "/bin/sh\t-c echo"  # kept whole: only a table cuts or cleans it


@pytest.mark.parametrize("name, sent", [
    ("microsoft/aspnet", "microsoft/aspnet"),
    ("Microsoft/AspNet:nanoserver", "microsoft/aspnet:nanoserver"),
    ("bbbbbbbbbbbb", "bbbbbbbbbbbb"),
    (BASE, BASE),
])
def test_names_and_ids_are_passed_as_the_engine_finds_them(api, name, sent):
    rows = history.image_history(context(api), name)["history"]
    assert [call[1] for call in api.calls if call[0] == "history"] == [(sent,)]
    assert rows[0]["FullId"] == BASE


def test_engine_null_and_missing_fields_become_empty_values(api):
    api.histories[BASE] = [{"Id": "<missing>", "Created": 0, "CreatedBy": None, "Size": None, "Comment": None,
                            "Tags": ["<none>:<none>"]}]
    assert history.image_history(context(api), "microsoft/aspnet")["history"] == [
        {"Id": None, "FullId": None, "Created": "1970-01-01T00:00:00Z", "CreatedBy": "", "Size": 0, "Comment": "",
         "Tags": []}]


def test_a_missing_image_is_not_found_naming_it(api):
    with pytest.raises(errors.NotFound) as caught:
        history.image_history(context(api), "no/such:image")
    assert (caught.value.message, caught.value.target) == ("No image 'no/such:image' on this engine.", "no/such:image")


@pytest.mark.parametrize("name, mentioned", [("Bad Name", "Bad Name"), ("repo:bad tag", "bad tag"), (" ", "empty")])
def test_a_malformed_name_is_refused_without_asking_the_engine(name, mentioned):
    with pytest.raises(errors.InvalidReference) as caught:
        history.image_history(Context(NoEngine()), name)
    assert mentioned in caught.value.message


def test_other_engine_errors_name_the_image():
    api = ImageStoreAPI()

    def failing_history(*args, **kwargs):
        raise api_error(500, "layer store broken")
    api.history = failing_history
    with pytest.raises(errors.Internal) as caught:
        history.image_history(context(api), "microsoft/aspnet")
    assert (caught.value.message, caught.value.target) == ("layer store broken", "microsoft/aspnet")


def test_the_method_is_in_the_dispatch_table():
    assert METHODS["image.history"] is history.image_history

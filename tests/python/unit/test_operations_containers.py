"""container.list: what New-ContainerImage -Container completes from."""

from containerimage.operations.containers import list_containers
from containerimage.server import Context

from .fakes import FakeDockerAPI, FakeEngine

CONTAINERS = [
    {"Id": "a" * 64, "Names": ["/web"], "Image": "microsoft/nanoserver", "State": "exited"},
    {"Id": "b" * 64, "Names": ["/worker"], "Image": "microsoft/aspnet", "State": "running"},
]


def test_lists_every_container_with_short_id_and_name():
    api = FakeDockerAPI(containers=CONTAINERS)
    rows = list_containers(Context(FakeEngine(api)))["containers"]
    assert rows == [{"Id": "a" * 12, "Name": "web", "Image": "microsoft/nanoserver", "State": "exited"},
                    {"Id": "b" * 12, "Name": "worker", "Image": "microsoft/aspnet", "State": "running"}]
    assert api.calls_to("containers") == [{"all": True, "trunc": False}]


def test_a_prefix_matches_names_and_ids():
    api = FakeDockerAPI(containers=CONTAINERS)
    assert [r["Name"] for r in list_containers(Context(FakeEngine(api)), prefix="wo")["containers"]] == ["worker"]
    assert [r["Name"] for r in list_containers(Context(FakeEngine(api)), prefix="aaa")["containers"]] == ["web"]
    assert list_containers(Context(FakeEngine(api)), prefix="zz")["containers"] == []

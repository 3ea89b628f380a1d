"""The pool of engines: one per name a request gives, shared, closed when idle or too many are idle."""

from containerimage.engine import Engine, resolve_name, DEFAULT_HOST
from containerimage.engines import Pool, resolve


class Closable:
    def __init__(self, name, environ=None):
        self.name = name
        self.environ = environ
        self.closed = False

    def close(self):
        self.closed = True


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def make_pool(**kwargs):
    made = []

    def factory(name, environ=None):
        made.append(Closable(name, environ))
        return made[-1]

    default = Closable(None)
    return Pool(default, factory=factory, **kwargs), default, made


def test_no_name_is_the_default_engine_and_no_entry():
    pool, default, made = make_pool()
    assert pool.acquire(None) is default
    pool.release(default)
    assert made == [] and pool.names() == []


def test_one_engine_per_name_shared_by_requests():
    pool, _, made = make_pool()
    first, second, other = pool.acquire("web1"), pool.acquire("web1"), pool.acquire("web2")
    assert first is second and first is not other
    assert [e.name for e in made] == ["web1", "web2"]


def test_an_engine_in_use_is_never_closed_however_long_it_runs():
    clock = Clock()
    pool, default, made = make_pool(clock=clock, idle_seconds=60)
    engine = pool.acquire("web1")
    clock.now += 3600
    pool.release(pool.acquire("web2"))  # a sweep runs; web1 is still in use
    assert not engine.closed and "web1" in pool.names()


def test_an_idle_engine_is_closed_after_the_idle_time_and_made_anew_on_next_use():
    clock = Clock()
    pool, default, made = make_pool(clock=clock, idle_seconds=60)
    engine = pool.acquire("web1")
    pool.release(engine)
    clock.now += 59
    pool.release(pool.acquire(None))
    assert not engine.closed
    clock.now += 2
    pool.release(pool.acquire(None))
    assert engine.closed and pool.names() == []
    assert pool.acquire("web1") is not engine


def test_at_most_max_idle_engines_stay_open_least_recently_used_first():
    clock = Clock()
    pool, _, made = make_pool(clock=clock, max_idle=2)
    for name in ("a", "b", "c"):
        clock.now += 1
        pool.release(pool.acquire(name))
    assert [e.closed for e in made] == [True, False, False]
    assert pool.names() == ["b", "c"]


def test_close_closes_every_engine_and_the_default():
    pool, default, made = make_pool()
    pool.acquire("a")
    pool.close()
    assert default.closed and made[0].closed and pool.names() == []


def test_a_request_that_changes_an_engine_variable_gets_an_engine_of_its_own_in_that_environment(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///backend.sock")
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    pool, default, made = make_pool()
    moved = (("DOCKER_HOST", "tcp://127.0.0.1:2376"),)
    first, second = pool.acquire(None, moved), pool.acquire(None, moved)
    assert first is second and first is not default and len(made) == 1
    assert first.name is None and first.environ["DOCKER_HOST"] == "tcp://127.0.0.1:2376"
    # 'default' is DOCKER_HOST too: the same name in another environment is another engine
    named, plain = pool.acquire("default", moved), pool.acquire("default")
    assert named is not plain and named.environ["DOCKER_HOST"] == "tcp://127.0.0.1:2376" and plain.environ is None
    unset = pool.acquire(None, (("DOCKER_HOST", None),))
    assert "DOCKER_HOST" not in unset.environ
    assert pool.names() == ["(environment) DOCKER_HOST=", "(environment) DOCKER_HOST=tcp://127.0.0.1:2376",
                            "default", "default DOCKER_HOST=tcp://127.0.0.1:2376"]


def test_an_engine_of_a_changed_environment_is_closed_when_idle_like_any_other():
    clock = Clock()
    pool, default, made = make_pool(clock=clock, idle_seconds=60)
    engine = pool.acquire(None, (("DOCKER_CONTEXT", "web1"),))
    pool.release(engine)
    clock.now += 61
    pool.release(pool.acquire(None))
    assert engine.closed and not default.closed and pool.names() == []


def test_overrides_are_the_engine_variables_that_differ_from_the_backends():
    base = {"DOCKER_HOST": "unix:///a.sock", "DOCKER_TLS_VERIFY": "1", "PATH": "/bin"}
    same = {"DOCKER_HOST": "unix:///a.sock", "DOCKER_TLS_VERIFY": "1", "DOCKER_CONTEXT": ""}
    assert resolve.overrides(same, base) == ()
    assert resolve.overrides({"DOCKER_HOST": "unix:///b.sock"}, base) == \
        (("DOCKER_HOST", "unix:///b.sock"), ("DOCKER_TLS_VERIFY", None))
    assert resolve.overrides({"DOCKER_HOST": "unix:///a.sock", "DOCKER_TLS_VERIFY": "1", "DOCKER_CONTEXT": "x",
                              "PATH": "/elsewhere"}, base) == (("DOCKER_CONTEXT", "x"),)  # only engine variables
    environ = resolve.apply((("DOCKER_HOST", "unix:///b.sock"), ("DOCKER_TLS_VERIFY", None)), base)
    assert environ == {"DOCKER_HOST": "unix:///b.sock", "PATH": "/bin"} and base["DOCKER_TLS_VERIFY"] == "1"
    assert resolve.current(resolve.apply((("DOCKER_HOST", "tcp://127.0.0.1:9"),), {})).host == "tcp://127.0.0.1:9"


def test_named_engines_share_the_default_platform_cache():
    default = Engine(environ={"DOCKER_HOST": "unix:///nowhere.sock"})
    engine = Pool(default).acquire("unix:///elsewhere.sock")
    assert engine.platforms is default.platforms and engine.name == "unix:///elsewhere.sock"


def test_names_resolve_as_the_docker_cli_does(tmp_path):
    assert resolve_name("default", {})[0] == DEFAULT_HOST
    assert resolve_name("default", {"DOCKER_HOST": "tcp://127.0.0.1:1"})[:1] == ("tcp://127.0.0.1:1",)
    host, tls, source = resolve_name("unix:///run/other.sock", {})
    assert (host, tls, source) == ("unix:///run/other.sock", None, "address")

"""The dispatch table: protocol method name -> operation.

An operation is a plain function `(ctx, **params) -> dict`. Its signature is the method's params
(checked against the type hints before it runs) and it raises errors.BackendError subclasses, or lets
docker SDK errors through for errors.translate. Each module lists its own methods in a METHODS dict.
"""

from . import archive, commit, containers, history, images, push, registry, remove, search, system
from . import state, sync
from . import configuration
from . import compatibility
from . import engines
from . import copy
from . import update
from . import disk
from . import remote

METHODS = {
    **system.METHODS,
    **images.METHODS,
    **remove.METHODS,
    **containers.METHODS,
    **commit.METHODS,
    **history.METHODS,
    **registry.METHODS,
    **push.METHODS,
    **search.METHODS,
    **archive.METHODS,
    **state.METHODS,
    **sync.METHODS,
    **configuration.METHODS,
    **compatibility.METHODS,
    **engines.METHODS,
    **copy.METHODS,
    **update.METHODS,
    **disk.METHODS,
    **remote.METHODS,
}

"""The dispatch table: protocol method name -> operation.

An operation is a plain function `(ctx, **params) -> dict`. Its signature is the method's params
(checked against the type hints before it runs) and it raises errors.BackendError subclasses, or lets
docker SDK errors through for errors.translate.
"""

from . import images, system

METHODS = {
    "handshake": system.handshake,
    "ping": system.ping,
    "image.list": images.list_images,
    "image.pull": images.pull_image,
}

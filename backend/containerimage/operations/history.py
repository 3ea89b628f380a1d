"""An image's layers, newest first (image.history), like docker history."""

METHODS = {}

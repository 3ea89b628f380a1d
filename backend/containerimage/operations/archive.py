"""Image archives: save images to a tar file (image.save), load one back (image.load)."""

METHODS = {}

"""New images and names from existing ones: commit a container (image.commit), tag an image (image.tag)."""

METHODS = {}

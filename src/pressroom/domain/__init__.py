"""Pure values and rules: the recipe, samplers, model families, image comparison, names, the brief's
completeness and the review gate. Nothing here opens a session, reads a file or imports torch."""

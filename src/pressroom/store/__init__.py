"""The studio on disk: its folder and settings, content-addressed assets, safe file writes, image
metadata, C2PA signing and reading, recipe cards, renditions, and the registries of models, LoRAs,
adapters and reference images."""

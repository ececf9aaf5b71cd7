"""A ComfyUI image made through ComfyUI's HTTP API: the file holds only the API-format graph (a PNG
text chunk ``prompt``, no ``workflow`` chunk), which the metadata parser underneath reads nothing
from. This reads the generation's settings from the graph itself.

The API format is a mapping of node id to ``{"class_type": ..., "inputs": {...}}``, where an input
that comes from another node is a link ``[node id, output index]``. The sampler (``KSampler`` or
``KSamplerAdvanced``) gives the sampler name, scheduler, steps, CFG and seed (``seed`` or
``noise_seed``); its ``positive`` and ``negative`` inputs are followed back to their text encoders
(``CLIPTextEncode`` text; a conditioning node between them is followed through its first
conditioning input), and its ``model`` input back to the checkpoint (``CheckpointLoaderSimple``
``ckpt_name``; a LoRA loader between them is followed through its ``model`` input).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

SAMPLERS = ("KSampler", "KSamplerAdvanced")
CHECKPOINTS = ("CheckpointLoaderSimple", "CheckpointLoader", "UNETLoader")
DEPTH = 32  # links followed at most from the sampler to a text encoder or a checkpoint


@dataclass
class Graph:
    """What an API graph says about the image it made ("" or None where it does not say)."""

    prompt: str = ""
    negative: str = ""
    checkpoint: str = ""
    sampler: str = ""
    scheduler: str = ""
    steps: int | None = None
    cfg: float | None = None
    seed: int | None = None
    graph: dict = field(default_factory=dict)  # the graph, whole

    def parameters(self) -> dict:
        """The sampler's settings under the names sd-parsers uses (what an import records)."""
        found = {"scheduler": self.scheduler, "steps": self.steps, "cfg_scale": self.cfg, "seed": self.seed}
        return {key: value for key, value in found.items() if value not in (None, "")}


def api_graph(chunks: dict) -> dict | None:
    """The API-format graph in a PNG's text chunks, when there is one and no ``workflow`` chunk."""
    if "workflow" in chunks or "prompt" not in chunks:
        return None
    text = chunks["prompt"]
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        return None
    try:
        graph = json.loads(text)
    except ValueError:
        return None
    if not isinstance(graph, dict) or not graph:
        return None
    if not all(isinstance(node, dict) and "class_type" in node for node in graph.values()):
        return None
    return graph


def _node(graph: dict, link) -> dict | None:
    """The node a link ``[id, index]`` points at."""
    if isinstance(link, list) and link and str(link[0]) in graph:
        return graph[str(link[0])]
    return None


def _inputs(node: dict) -> dict:
    inputs = node.get("inputs")
    return inputs if isinstance(inputs, dict) else {}


def _text(graph: dict, link) -> str:
    """The text of the encoder a conditioning link comes from (followed through nodes between)."""
    node = _node(graph, link)
    for _ in range(DEPTH):
        if node is None:
            return ""
        inputs = _inputs(node)
        text = inputs.get("text") if "text" in inputs else inputs.get("text_g")
        if isinstance(text, str):
            return text
        if isinstance(text, list):  # the text itself comes from another node (a string primitive)
            source = _inputs(_node(graph, text) or {})
            value = source.get("value", source.get("text", source.get("string")))
            return value if isinstance(value, str) else ""
        ahead = next((v for k, v in inputs.items() if k.startswith("conditioning") and isinstance(v, list)), None)
        node = _node(graph, ahead)
    return ""


def _checkpoint(graph: dict, link) -> str:
    node = _node(graph, link)
    for _ in range(DEPTH):
        if node is None:
            return ""
        inputs = _inputs(node)
        if node.get("class_type") in CHECKPOINTS or isinstance(inputs.get("ckpt_name"), str):
            name = inputs.get("ckpt_name", inputs.get("unet_name", ""))
            return name if isinstance(name, str) else ""
        node = _node(graph, inputs.get("model"))
    return ""


def _number(value, kind):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return kind(value)


def read(graph: dict) -> Graph:
    """The settings of the graph's sampler (the first by node id, when there are several)."""
    samplers = [graph[key] for key in sorted(graph, key=str) if graph[key].get("class_type") in SAMPLERS]
    if not samplers:
        return Graph(graph=graph)
    inputs = _inputs(samplers[0])
    seed = inputs.get("seed", inputs.get("noise_seed"))
    sampler, scheduler = inputs.get("sampler_name", ""), inputs.get("scheduler", "")
    return Graph(
        prompt=_text(graph, inputs.get("positive")),
        negative=_text(graph, inputs.get("negative")),
        checkpoint=_checkpoint(graph, inputs.get("model")),
        sampler=sampler if isinstance(sampler, str) else "",
        scheduler=scheduler if isinstance(scheduler, str) else "",
        steps=_number(inputs.get("steps"), int),
        cfg=_number(inputs.get("cfg"), float),
        seed=_number(seed, int),
        graph=graph,
    )
